"""The gateway's WebSocket protocol: uvicorn's (websockets' sans-I/O) one, closing without waiting for the client.

uvicorn's protocol lets a client that stopped reading keep the gateway's memory and never hear why it was dropped:
- its `send()` waits until the transport takes more data before writing anything, the close frame included, so the
  4008 for a slow client waits behind the data that client does not read; the client ends with a bare TCP close (1006);
- every way of ending a connection calls `transport.close()`, which keeps the unsent buffer until the client reads it
  (asyncio and uvloop both flush before closing): a client that never reads holds it for ever;
- it answers every control ping at once, so a client pinging without reading grows the write buffer without end.

Here the close frame is written at once, behind what is already buffered, so a client that reads later gets its data,
then the close code and reason; a connection that has not finished closing `close_timeout_seconds` after it began is
aborted, which drops what the client never read; and pings are answered only while the transport takes writes
(RFC 6455 lets an endpoint answer just the latest ping). With the per-socket budget (hub.Connection), what one socket
holds is its budget, plus the transport's high-water mark (64 KiB) and the frame being written.

uvicorn's protocol classes are not a public extension point: this follows uvicorn 0.55's `WebSocketsSansIOProtocol`
(the version pyproject.toml pins), and tests/integration/test_ws_limits.py proves the behaviour end to end.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame


class GatewayWebSocketProtocol(WebSocketsSansIOProtocol):
    close_timeout_seconds: ClassVar[float] = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.close_timeout = self.close_timeout_seconds  # uvicorn's own close timer uses it too
        self._write_paused = False
        self._abort_timer: asyncio.TimerHandle | None = None

    def _abort_unless_closed_in_time(self) -> None:
        if self._abort_timer is None and not self.disconnected:
            self._abort_timer = self.loop.call_later(self.close_timeout, self.transport.abort)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._abort_timer is not None:
            self._abort_timer.cancel()
            self._abort_timer = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        self._write_paused = True
        super().pause_writing()

    def resume_writing(self) -> None:
        self._write_paused = False
        super().resume_writing()

    async def send(self, message: ASGISendEvent) -> None:
        closing = message["type"] == "websocket.close" and self.handshake_complete
        if closing:
            # The close frame is a few bytes: write it behind what is buffered now, not once the client reads.
            # Nothing else waits on `writable` then: the app sends nothing after its close.
            self.writable.set()
        await super().send(message)
        if closing:
            self._abort_unless_closed_in_time()

    def handle_ping(self) -> None:
        if self._write_paused:
            self.conn.data_to_send()  # the client is not reading what it has: drop this pong
            return
        super().handle_ping()

    def handle_close(self, event: Frame) -> None:
        super().handle_close(event)
        self._abort_unless_closed_in_time()

    def handle_parser_exception(self) -> None:
        super().handle_parser_exception()
        self._abort_unless_closed_in_time()

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        self._abort_unless_closed_in_time()

    def shutdown(self) -> None:
        super().shutdown()
        self._abort_unless_closed_in_time()

    async def run_asgi(self) -> None:
        await super().run_asgi()
        self._abort_unless_closed_in_time()


def websocket_protocol(close_timeout_seconds: float) -> type[GatewayWebSocketProtocol]:
    """The protocol class for uvicorn's `ws=`, with this close timeout."""

    class Configured(GatewayWebSocketProtocol):
        pass

    Configured.close_timeout_seconds = close_timeout_seconds
    return Configured
