"""Request bodies are limited before they are read: a 64 MB body gets 413 and the gateway's memory stays flat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory

HUGE = 64 * 1024 * 1024
CHUNK = b"x" * (64 * 1024)
RSS_GROWTH_LIMIT = 24 * 1024 * 1024  # generous: reading the body whole costs several times HUGE


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


async def huge_body() -> AsyncIterator[bytes]:
    for _ in range(HUGE // len(CHUNK)):
        yield CHUNK


@pytest.fixture
async def alice(new_user: ClientFactory) -> ChatClient:
    return await new_user()


@pytest.mark.parametrize(
    "declared",
    [{"Content-Length": str(HUGE)}, {}],
    ids=["declared by Content-Length", "streamed in chunks"],
)
async def test_a_64_mb_body_is_refused_with_413_before_the_gateway_reads_it(
    shared_platform: Supervisor, alice: ChatClient, declared: dict[str, str]
) -> None:
    room_id = (await alice.create_room("big bodies"))["room_id"]
    pid = shared_platform.children["gateway"].pid
    assert pid is not None
    before = rss_bytes(pid)
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url, timeout=60) as http:
        response = await http.post(
            f"/v1/rooms/{room_id}/messages",
            content=huge_body(),
            headers={"Authorization": f"Bearer {alice.token}", "Content-Type": "application/json", **declared},
        )
    grown = rss_bytes(pid) - before

    assert response.status_code == 413, response.text
    assert "larger than 65536 bytes" in response.json()["detail"]
    assert grown < RSS_GROWTH_LIMIT, f"the gateway grew by {grown / 2**20:.0f} MB reading a refused body"


async def test_a_body_under_the_limit_is_read_as_usual(alice: ChatClient) -> None:
    room_id = (await alice.create_room("normal bodies"))["room_id"]
    accepted = await alice.send(room_id, "y" * 4000)
    assert accepted["duplicate"] is False
