"""Security headers on every HTTP answer, the page's and the API's alike.

The page loads only its own script and style sheet, so the policy allows nothing inline: an injected
`<script>` or `onclick=` does not run even if some text ever reached the DOM as markup. The API docs page
(Swagger UI) is the one exception, with its own policy: its assets come from a CDN and its inline
bootstrap script is allowed by hash, not by `'unsafe-inline'`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources ('sha256-…') allowing exactly the inline scripts of `html`."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    ]


def docs_policy(html: str) -> str:
    scripts = " ".join([f"'self' {SWAGGER_CDN}", *inline_script_hashes(html)])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' {SWAGGER_CDN} 'unsafe-inline'; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


class SecurityHeaders:
    """Adds the fixed headers and the Content-Security-Policy (per path where `policies` names one)."""

    def __init__(self, app: ASGIApp, policies: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.policies = dict(policies or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policies.get(scope["path"], PAGE_POLICY)
        added = [(b"content-security-policy", policy.encode())] + [
            (name.lower().encode(), value.encode()) for name, value in FIXED_HEADERS.items()
        ]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                # A new list: a response object may hand the same header list to every request.
                headers = [*message.get("headers", ()), *(h for h in added if h[0] not in present)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
