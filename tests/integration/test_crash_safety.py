"""Crashes and restarts lose no acknowledged message and store none twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from chatcluster.client import ChatClient
from tests.conftest import PlatformFactory
from tests.helpers import all_messages, all_stored_exactly_once, eventually, send_many, signed_in, until_at_least


async def test_killing_the_persister_mid_stream_loses_and_duplicates_nothing(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(send_many(client, room_id, 5000, acked, "load"))
    await until_at_least(acked, 1501, timeout=60)
    await platform.kill("persister")
    killed_at = len(acked)
    await asyncio.sleep(1.0)
    await platform.restart("persister")
    await sending

    assert 1500 <= killed_at < 5000, "the kill must land while messages are being sent"
    assert len(set(acked)) == 5000
    await all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def test_killing_nats_server_loses_no_acknowledged_message(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(send_many(client, room_id, 1500, acked, "bus"))
    await until_at_least(acked, 301, timeout=60)
    await platform.kill("nats")
    async with httpx.AsyncClient() as http:
        unhealthy = await eventually(lambda: _status(http, f"{platform.gateway_url}/healthz", 503), timeout=20)
        assert await _status(http, f"{platform.gateway_url}/livez", 200), "an outage of NATS is not the gateway's death"
        await platform.restart("nats")
        await eventually(lambda: _status(http, f"{platform.gateway_url}/healthz", 200), timeout=30)
    await sending

    assert unhealthy
    await all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def test_killing_the_gateway_keeps_every_acknowledged_message(start_platform: PlatformFactory) -> None:
    platform = await start_platform()
    client, room_id = await signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(send_many(client, room_id, 1000, acked, "gw"))
    await until_at_least(acked, 201, timeout=60)
    await platform.kill("gateway")
    await platform.restart("gateway")
    await platform.wait_healthy(timeout=30)
    await sending
    await all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def _status(http: httpx.AsyncClient, url: str, expected: int) -> bool:
    try:
        return (await http.get(url, timeout=2)).status_code == expected
    except httpx.HTTPError:
        return False


async def test_restarting_the_whole_platform_keeps_history(start_platform: PlatformFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "persistent"
    first = await start_platform(data_dir)
    client, room_id = await signed_in(first)
    acked: list[str] = []
    await send_many(client, room_id, 300, acked, "before")
    await first.stop()
    await client.aclose()

    second = await start_platform(data_dir)
    again = ChatClient(second.gateway_url, client.token)
    await all_stored_exactly_once(again, room_id, acked)
    texts = [m["text"] for m in await all_messages(again, room_id)]
    assert sorted(texts) == sorted(f"before {i}" for i in range(300))
    await again.aclose()
