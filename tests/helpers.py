"""Small waiting and reading helpers for tests against the real platform."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor, free_port

T = TypeVar("T")


class ManualClock:
    """A monotonic clock a test moves by hand, for the pure limiters and caches."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.1) -> T:
    """Poll `check` until it returns a truthy value, or fail with the last value seen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


async def next_frame(ws: ClientConnection, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next frame of the given type, skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {kind!r} frame within {timeout}s")
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        if frame["type"] == kind:
            return frame


async def frames_for(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Every frame that arrives within `seconds`."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            found.append(json.loads(await asyncio.wait_for(ws.recv(), remaining)))
        except (TimeoutError, ConnectionClosed):
            break
    return found


async def until_at_least(items: list[Any], count: int, timeout: float = 60.0) -> None:
    """Wait until a list another task fills holds `count` items (e.g. acknowledged sends)."""

    async def enough() -> bool:
        return len(items) >= count

    await eventually(enough, timeout=timeout)


async def all_messages(client: Any, room_id: str) -> list[dict[str, Any]]:
    """Every stored message of a room, oldest first, paging back through history."""
    found: list[dict[str, Any]] = []
    before = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"before": before} if before else {})}
        page = await client.history(room_id, **params)
        found = page["messages"] + found
        before = page["before"]
        if before is None:
            return found


SENDERS = 16


async def send_many(client: ChatClient, room_id: str, count: int, acked: list[str], prefix: str) -> None:
    """Send `count` messages from SENDERS concurrent loops, recording every acknowledged id."""
    counter = iter(range(count))

    async def loop() -> None:
        for i in counter:
            while True:
                try:
                    acked.append((await client.send(room_id, f"{prefix} {i}", client_id=f"{prefix}-{i}"))["message_id"])
                    break
                except (ApiProblem, httpx.HTTPError):
                    await asyncio.sleep(0.2)  # a 503 while a component restarts: retry, as clients do

    await asyncio.gather(*(loop() for _ in range(SENDERS)))


async def signed_in(platform: Supervisor) -> tuple[ChatClient, str]:
    client = ChatClient(platform.gateway_url)
    await client.register(f"crash{uuid.uuid4().hex[:10]}", "correct horse battery")
    room = await client.create_room("crash test")
    return client, room["room_id"]


async def all_stored_exactly_once(client: ChatClient, room_id: str, acked: list[str]) -> None:
    async def complete() -> bool:
        return len(await all_messages(client, room_id)) >= len(set(acked))

    await eventually(complete, timeout=60, interval=0.5)
    stored = [m["message_id"] for m in await all_messages(client, room_id)]
    assert len(stored) == len(set(stored)), "a message was stored twice"
    assert set(stored) == set(acked), f"{len(set(acked) - set(stored))} acknowledged messages are missing"


@asynccontextmanager
async def second_gateway(platform: Supervisor) -> AsyncIterator[Supervisor]:
    """Another gateway process on the platform's bus and store, as a second replica in a cluster: its own port,
    metrics port and Snowflake worker id; its `gateway_url`, and `kill("gateway")` to crash it."""
    other = Supervisor(platform.settings.model_copy(update={"gateway_port": free_port()}), services=("gateway",))
    await other.start_service("gateway")
    try:
        await other.wait_healthy(timeout=60)
        yield other
    finally:
        await other.stop()


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
