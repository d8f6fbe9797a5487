"""HTTP protocol violations and hostile bodies get a 4xx, and the gateway logs no traceback for them: a traceback
is how an operator learns of a bug, and a client's mistake is not one."""

from __future__ import annotations

import asyncio

import pytest

from chatcluster.client import ChatClient
from tests.conftest import PlatformFactory, unique_name

MESSAGES = "/v1/rooms/{room}/messages"
HOSTILE_BODIES: list[tuple[str, bytes]] = [
    ("nested 30,000 deep", b'{"text": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"),
    ("a number of 5,000 digits", b'{"text": "hi", "reply_to": ' + b"9" * 5_000 + b"}"),
    ("invalid UTF-8", b'{"text": "\xff\xfe"}'),
    ("a JSON array", b"[]"),
    ("a lone surrogate", b'{"text": "\\ud800"}'),
    ("NUL inside a string", b'{"text": "a\\u0000b"}'),
]
MALFORMED_REQUESTS: list[tuple[str, bytes]] = [
    ("a length that is no number", b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n"),
    ("a broken chunk", b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ("no request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),  # a TLS hello on plain HTTP
]


async def _raw(host: str, port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def test_hostile_bodies_and_malformed_requests_get_4xx_and_log_no_traceback(
    start_platform: PlatformFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    platform = await start_platform()  # started here, so its processes write to the captured stderr
    async with ChatClient(platform.gateway_url) as alice:
        await alice.register(unique_name(), "correct horse battery")
        path = MESSAGES.format(room=(await alice.create_room("hostile"))["room_id"])
        answers = {
            case: (await alice.request("POST", path, content=body, headers={"Content-Type": "application/json"}))
            for case, body in HOSTILE_BODIES
        }
        # Answered 500 with a traceback (an OverflowError) until the range was computed in milliseconds.
        overflow = await alice.request("GET", "/v1/stats/sentiment", params={"to": "0001-01-01T00:00:00Z"})
    host, port = platform.settings.gateway_host, platform.settings.gateway_port
    raw = {case: await _raw(host, port, request) for case, request in MALFORMED_REQUESTS}
    await asyncio.sleep(0.5)  # let the gateway write whatever it logs

    for case, response in answers.items():
        assert response.status_code in (400, 422), (case, response.status_code, response.text)
        assert response.json()["detail"], case
    for case, answer in raw.items():
        assert answer.startswith(b"HTTP/1.1 400"), (case, answer[:200])
    assert overflow.status_code < 500, overflow.text
    logged = capfd.readouterr().err
    assert "gateway" in logged and "metrics at" in logged, "the gateway's log must be what is captured here"
    assert "Traceback" not in logged, logged[-3000:]
