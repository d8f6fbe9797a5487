"""Crashes and restarts lose no acknowledged message and store none twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import all_messages, eventually

SENDERS = 16


async def _send_many(client: ChatClient, room_id: str, count: int, acked: list[str], prefix: str) -> None:
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


async def _signed_in(platform: Supervisor) -> tuple[ChatClient, str]:
    client = ChatClient(platform.gateway_url)
    await client.register(unique_name(), "correct horse battery")
    room = await client.create_room("crash test")
    return client, room["room_id"]


async def _all_stored_exactly_once(client: ChatClient, room_id: str, acked: list[str]) -> None:
    async def complete() -> bool:
        return len(await all_messages(client, room_id)) >= len(set(acked))

    await eventually(complete, timeout=60, interval=0.5)
    stored = [m["message_id"] for m in await all_messages(client, room_id)]
    assert len(stored) == len(set(stored)), "a message was stored twice"
    assert set(stored) == set(acked), f"{len(set(acked) - set(stored))} acknowledged messages are missing"


async def test_killing_the_persister_mid_stream_loses_and_duplicates_nothing(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await _signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(_send_many(client, room_id, 5000, acked, "load"))
    await eventually(lambda: asyncio.sleep(0, len(acked) > 1500), timeout=60)
    await platform.kill("persister")
    killed_at = len(acked)
    await asyncio.sleep(1.0)
    await platform.restart("persister")
    await sending

    assert 1500 <= killed_at < 5000, "the kill must land while messages are being sent"
    assert len(set(acked)) == 5000
    await _all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def test_killing_nats_server_loses_no_acknowledged_message(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await _signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(_send_many(client, room_id, 1500, acked, "bus"))
    await eventually(lambda: asyncio.sleep(0, len(acked) > 300), timeout=60)
    await platform.kill("nats")
    async with httpx.AsyncClient() as http:
        unhealthy = await eventually(lambda: _status(http, f"{platform.gateway_url}/healthz", 503), timeout=20)
        await platform.restart("nats")
        await eventually(lambda: _status(http, f"{platform.gateway_url}/healthz", 200), timeout=30)
    await sending

    assert unhealthy
    await _all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def test_killing_the_gateway_keeps_every_acknowledged_message(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await _signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(_send_many(client, room_id, 1000, acked, "gw"))
    await eventually(lambda: asyncio.sleep(0, len(acked) > 200), timeout=60)
    await platform.kill("gateway")
    await platform.restart("gateway")
    await platform.wait_healthy(timeout=30)
    await sending
    await _all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def _status(http: httpx.AsyncClient, url: str, expected: int) -> bool:
    try:
        return (await http.get(url, timeout=2)).status_code == expected
    except httpx.HTTPError:
        return False


async def test_restarting_the_whole_platform_keeps_history(start_platform: PlatformFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "persistent"
    first = await start_platform(data_dir)
    client, room_id = await _signed_in(first)
    acked: list[str] = []
    await _send_many(client, room_id, 300, acked, "before")
    await first.stop()
    await client.aclose()

    second = await start_platform(data_dir)
    again = ChatClient(second.gateway_url, client.token)
    await _all_stored_exactly_once(again, room_id, acked)
    texts = [m["text"] for m in await all_messages(again, room_id)]
    assert sorted(texts) == sorted(f"before {i}" for i in range(300))
    await again.aclose()
