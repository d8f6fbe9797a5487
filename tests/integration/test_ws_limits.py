"""What one WebSocket may cost the gateway: bounded memory, a 4008 with the reason for a client that stops
reading, an abort for one that never reads, and a sentence (never a traceback) for every protocol mistake."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import eventually, next_frame
from tests.integration.test_metrics_endpoints import scrape, total

BIG_TEXT = "z" * 3900


async def _user(platform: Supervisor) -> ChatClient:
    client = ChatClient(platform.gateway_url)
    await client.register(unique_name(), "correct horse battery")
    return client


@contextlib.asynccontextmanager
async def _client_that_stops_reading(url: str) -> AsyncIterator[tuple[ClientConnection, int]]:
    """A socket that takes in only what the test reads: a 4 KiB kernel receive buffer (no autotuning) and a one-frame
    queue, so the gateway feels it as soon as the test stops calling recv(). Yields it and its local port."""
    parsed = urlparse(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parsed.hostname or "127.0.0.1", parsed.port or 80))
    sock.setblocking(False)
    async with websockets.connect(
        url, sock=sock, max_queue=1, ping_interval=None, compression=None, max_size=None, close_timeout=1
    ) as ws:
        yield ws, sock.getsockname()[1]


def _gateway_pid(platform: Supervisor) -> int:
    pid = platform.children["gateway"].pid
    assert pid is not None
    return pid


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _tcp_rows(local_port: int, peer_port: int) -> list[list[str]]:
    """The kernel's rows (/proc/net/tcp) for the TCP connection local_port <-> peer_port."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for row in Path(table).read_text().splitlines()[1:]:
                fields = row.split()
                local, peer = fields[1], fields[2]
                if int(local.rsplit(":", 1)[1], 16) == local_port and int(peer.rsplit(":", 1)[1], 16) == peer_port:
                    rows.append(fields)
    return rows


def _unread_bytes(local_port: int, peer_port: int) -> int:
    """What the local end has received on this connection and not yet read."""
    return sum(int(fields[4].split(":")[1], 16) for fields in _tcp_rows(local_port, peer_port))


def _holds_socket(pid: int, local_port: int, peer_port: int) -> bool:
    """Whether process `pid` has an open file for the TCP connection local_port <-> peer_port."""
    inodes = {fields[9] for fields in _tcp_rows(local_port, peer_port)}
    fds = Path(f"/proc/{pid}/fd")
    return any(os.readlink(fd) in {f"socket:[{i}]" for i in inodes} for fd in fds.iterdir() if fd.is_symlink())


async def _send_until_a_socket_is_dropped(platform: Supervisor, sender: ChatClient, room_id: str) -> int:
    """Big messages, 50 at a time, until the gateway reports a slow socket dropped (how much the kernel buffers for a
    client that does not read varies); how many were sent."""
    sent = 0
    gateway_metrics = platform.metrics_urls["gateway"]
    while not total(await scrape(gateway_metrics), "chatcluster_websocket_dropped_total"):
        assert sent < 3000, "12 MB sent and the socket that reads nothing is still open"
        await asyncio.gather(*(sender.send(room_id, f"{sent + i} {BIG_TEXT}") for i in range(50)))
        sent += 50
    return sent


async def _read_until_closed(ws: ClientConnection, timeout: float = 30) -> list[dict[str, object]]:
    """Every frame until the socket closes, or until `timeout` if it stays open."""
    frames = []
    with contextlib.suppress(ConnectionClosed, TimeoutError):
        async with asyncio.timeout(timeout):
            while True:
                frames.append(json.loads(await ws.recv()))
    return frames


async def test_a_client_that_stops_reading_sees_its_data_then_4008_with_the_reason_when_it_reads_again(
    start_platform: PlatformFactory,
) -> None:
    platform = await start_platform(ws_buffer_bytes=64 * 1024, ws_close_timeout_seconds=30)
    alice, bob = await _user(platform), await _user(platform)
    room_id = str((await alice.create_room("firehose"))["room_id"])
    await bob.join(room_id)
    async with _client_that_stops_reading(bob.ws_url()) as (slow, _port):
        await next_frame(slow, "ready")
        sent = await _send_until_a_socket_is_dropped(platform, alice, room_id)
        # The old gateway gave up writing its close after 2 s and left a bare TCP close behind the data.
        await asyncio.sleep(3)
        frames = await _read_until_closed(slow)
    events = [f for f in frames if f["type"] == "event"]
    assert slow.close_code == 4008, (slow.close_code, slow.close_reason, len(events))
    assert "slow consumer: more than 65536 undelivered bytes" in (slow.close_reason or "")
    assert 0 < len(events) <= sent  # what the kernel and the budget held, in order, then the close
    await alice.aclose()
    await bob.aclose()


async def test_a_client_that_never_reads_is_let_go_after_the_close_timeout(start_platform: PlatformFactory) -> None:
    platform = await start_platform(ws_buffer_bytes=64 * 1024, ws_close_timeout_seconds=2)
    alice, bob = await _user(platform), await _user(platform)
    room_id = str((await alice.create_room("firehose"))["room_id"])
    await bob.join(room_id)
    gateway, gateway_port = _gateway_pid(platform), urlparse(platform.gateway_url).port or 80
    async with _client_that_stops_reading(bob.ws_url()) as (slow, port):
        await next_frame(slow, "ready")
        assert _holds_socket(gateway, gateway_port, port)
        await _send_until_a_socket_is_dropped(platform, alice, room_id)

        async def let_go() -> bool:
            return not _holds_socket(gateway, gateway_port, port)

        # Closed (4008) once over budget, then aborted 2 s later although the client read nothing.
        await eventually(let_go, timeout=20)
    await alice.aclose()
    await bob.aclose()


async def test_sockets_that_never_read_cannot_grow_the_gateways_memory(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    alice = await _user(platform)
    gateway = _gateway_pid(platform)
    # The reported attack: two sockets, ~270 pings each with a 1 MB ref echoed in the pong, took it from 83 to 586 MB.
    huge_ref = "r" * 1_000_000
    long_ref = "r" * 60_000  # fits in one message, so the gateway must refuse it itself
    before = _rss_mib(gateway)

    async def attack(ref: str, pings: int) -> tuple[list[dict[str, object]], int | None]:
        async with _client_that_stops_reading(alice.ws_url()) as (ws, _port):
            await next_frame(ws, "ready")
            with contextlib.suppress(ConnectionClosed, OSError):
                for _ in range(pings):
                    await ws.send(json.dumps({"type": "ping", "ref": ref}))
            peak.append(_rss_mib(gateway))
            return await _read_until_closed(ws, timeout=3), ws.close_code

    peak: list[float] = []
    too_big = await asyncio.gather(attack(huge_ref, 270), attack(huge_ref, 270))
    refused = await asyncio.gather(attack(long_ref, 300), attack(long_ref, 300))
    growth = max(peak) - before
    assert growth < 60, f"the gateway grew by {growth:.0f} MiB (from {before:.0f} MiB)"
    for frames, code in too_big:  # 1009 (message too big), seen as 1006 when the unread upload resets the socket
        assert code is not None and not [f for f in frames if f["type"] == "pong"], "a 1 MB message is not answered"
    for frames, _code in refused:
        errors = [f for f in frames if f["type"] == "error"]
        assert errors and all("ref: must be a string of at most 64 characters" in str(f["detail"]) for f in errors)
        assert all(len(json.dumps(f)) < 400 for f in frames), "nothing the client sent is echoed back"
    await alice.aclose()


async def test_control_pings_from_a_socket_that_never_reads_cannot_grow_the_gateways_memory(
    start_platform: PlatformFactory,
) -> None:
    platform = await start_platform()
    alice = await _user(platform)
    gateway, gateway_port = _gateway_pid(platform), urlparse(platform.gateway_url).port or 80
    # WebSocket-level pings, which the protocol answers itself: 40 MB of them, 1,000 to a write.
    pings = Frame(Opcode.PING, b"p" * 125).serialize(mask=True) * 1000
    async with _client_that_stops_reading(alice.ws_url()) as (ws, port):
        await next_frame(ws, "ready")
        ws.transport.pause_reading()  # pongs are control frames: the client would take them in without this
        before = _rss_mib(gateway)
        async with asyncio.timeout(60):
            for _ in range(300):
                ws.transport.write(pings)
                while ws.transport.get_write_buffer_size() > 1 << 20:
                    await asyncio.sleep(0.01)
            while ws.transport.get_write_buffer_size() or _unread_bytes(gateway_port, port):
                await asyncio.sleep(0.05)  # until the gateway has read every ping
        growth = _rss_mib(gateway) - before
    assert growth < 20, f"the gateway grew by {growth:.0f} MiB (from {before:.0f} MiB)"
    await alice.aclose()


BAD_SINCE = ["²", "9" * 5000, str(2**63), "-1", "12abc", ""]  # a superscript digit passes str.isdigit()


async def test_protocol_mistakes_get_a_sentence_and_never_a_traceback(
    start_platform: PlatformFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    platform = await start_platform()  # started here, so capfd holds the gateway's log
    alice = await _user(platform)
    for since in BAD_SINCE:
        async with websockets.connect(f"{alice.ws_url()}&since={quote(since)}") as ws:
            refused = json.loads(await ws.recv())
            await asyncio.wait_for(ws.wait_closed(), 5)
        assert (refused["type"], refused["status"]) == ("error", 400), since[:20]
        assert "since: must be the id of an event" in refused["detail"]
        assert ws.close_code == 4400 and "since" in (ws.close_reason or ""), since[:20]

    async with alice.websocket(since=str(2**63 - 1)) as ws:  # the largest id: valid, nothing to replay
        await next_frame(ws, "ready")
        assert (await next_frame(ws, "replay_done"))["count"] == 0
        mistakes: list[str | bytes] = [
            b"\x00binary",
            "[" * 50_000,
            json.dumps({"type": "ping", "ref": "x" * 65}),
            json.dumps({"type": "ping", "ref": {"nested": "object"}}),
            json.dumps({"type": "ping", "ref": True}),
            json.dumps({"type": "t" * 10_000}),
            json.dumps({"type": "send", "room_id": "nowhere", "text": "hi", "k" * 5_000: 1}),
        ]
        answers = []
        for mistake in mistakes:
            await ws.send(mistake)
            answers.append(await next_frame(ws, "error"))
        await ws.send(json.dumps({"type": "ping", "ref": 2**63 - 1}))
        pong = await next_frame(ws, "pong")
    assert "binary frames are not accepted" in answers[0]["detail"]  # refused; the socket stays open
    assert "nested too deeply" in answers[1]["detail"]
    assert all("ref: must be a string of at most 64 characters" in a["detail"] for a in answers[2:5])
    assert answers[5]["detail"] == "unknown frame type; use 'send', 'ping', 'typing' or 'presence'"
    assert len(answers[6]["detail"]) <= 300
    assert all(a["status"] in {400, 422} and a["ref"] is None for a in answers)
    assert pong["ref"] == 2**63 - 1
    log = capfd.readouterr().err
    assert "gateway" in log and "Traceback" not in log
    await alice.aclose()
