"""The request-body limit, enforced before a body is read: a declared Content-Length over the limit is refused
without reading a byte, and a chunked body is counted as it streams and refused the moment it passes the limit.

Memory stays bounded either way: the server buffers at most one flow-control window of a body, and once the 413
is sent it discards the unread rest as it arrives (a lingering close, as nginx does) instead of resetting the
connection, so the client reads the answer instead of a reset.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on instead of turning it into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, too_large_sentence(max_bytes))


def too_large_sentence(max_bytes: int) -> str:
    return (
        f"the request body is larger than {max_bytes} bytes, the most this gateway accepts "
        "(CHATCLUSTER_MAX_BODY_BYTES); a message holds at most 4,000 characters"
    )


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server refuses a malformed length before the app sees it
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.larger = larger or {}  # path -> limit, for the routes that stream large bodies (uploads)
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.max_bytes)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:  # a route that streams its answer while reading: nothing more can be said
                raise
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps({"detail": too_large_sentence(limit)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
