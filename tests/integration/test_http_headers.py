"""The page and the API send security headers: a Content-Security-Policy, no framing, no sniffing, no referrer."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/", False),
        ("/static/js/main.js", False),
        ("/static/style.css", False),
        ("/openapi.json", False),
        ("/livez", False),
        ("/v1/rooms", True),
        ("/v1/rooms", False),  # a 401
        ("/v1/nowhere", True),  # a 404
    ],
)
async def test_every_answer_carries_the_security_headers(new_user: ClientFactory, path: str, signed_in: bool) -> None:
    client = await new_user()
    headers = {} if signed_in else {"Authorization": ""}
    response = await client.request("GET", path, headers=headers)

    if path.startswith("/static/"):
        assert response.status_code == 200, path
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name, response.headers)
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


async def test_the_page_needs_nothing_its_policy_forbids(shared_platform: Supervisor) -> None:
    """No inline script, style, event handler or foreign origin: the policy above is enough for the page."""
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url) as http:
        page = (await http.get("/")).text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [], "an inline script"
    assert "<style" not in page and " style=" not in page, "an inline style"
    assert re.findall(r"\son[a-z]+=", page) == [], "an inline event handler"
    assert re.findall(r"(?:src|href)=\"https?://", page) == [], "an asset from another origin"


async def test_the_api_docs_page_allows_only_its_own_inline_script(shared_platform: Supervisor) -> None:
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url) as http:
        response = await http.get("/docs")
    assert response.status_code == 200
    script_sources = directives(response.headers["content-security-policy"])["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline]
    assert inline and set(hashes) <= set(script_sources)
    assert "'unsafe-inline'" not in script_sources
    assert response.headers["x-frame-options"] == "DENY"


async def test_a_refused_oversized_body_carries_the_headers_too(alice_token: str, shared_platform: Supervisor) -> None:
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url) as http:
        response = await http.post(
            "/v1/rooms", content=b"x" * 100_000, headers={"Authorization": f"Bearer {alice_token}"}
        )
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.fixture
async def alice_token(new_user: ClientFactory) -> str:
    client: ChatClient = await new_user()
    assert client.token
    return client.token
