"""Digest emails against a real SMTP server (Mailpit, read back through its HTTP API) and a real platform.

A mention is due for a digest once it has waited `digest_after_minutes` (at least 5). These platforms run
with a digest minute of a second (CHATCLUSTER_DIGEST_MINUTE_SECONDS, a test hook), so a test waits seconds.
(Dating the messages in the past would not do: a member starts with everything before they joined read.)
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chatcluster.client import ChatClient
from chatcluster.dev.mailpit import LocalMailpit
from chatcluster.store.sqlite import SqliteStore
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import eventually

SCAN_SECONDS = 0.3
MINUTE_SECONDS = 1.0  # so a digest is due 5 s after the mention, and the interval is 5 s


async def signed_up(platform: Supervisor, email: str | None = None, **settings: Any) -> ChatClient:
    client = ChatClient(platform.gateway_url)
    await client.register(unique_name(), "correct horse battery")
    if email is not None or settings:
        await client.call("PUT", "/v1/settings", json={"email": email, "digest_after_minutes": 5, **settings})
    return client


def address() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


async def mail_to(mailpit: LocalMailpit, to: str) -> list[dict[str, Any]]:
    return await asyncio.to_thread(mailpit.messages, to)


async def mail_arrives(mailpit: LocalMailpit, to: str, timeout: float = 20.0) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]]:
        return await mail_to(mailpit, to)

    return await eventually(arrived, timeout=timeout, interval=0.2)


async def feed_holds(client: ChatClient, count: int) -> None:
    async def enough() -> bool:
        page = await client.call("GET", "/v1/notifications")
        return len(page["notifications"]) >= count

    await eventually(enough)


@pytest.fixture
async def mail_platform(start_platform: PlatformFactory, mailpit: LocalMailpit) -> AsyncIterator[Supervisor]:
    yield await start_platform(
        smtp_url=mailpit.smtp_url, digest_scan_seconds=SCAN_SECONDS, digest_minute_seconds=MINUTE_SECONDS
    )


async def test_an_unread_mention_of_an_offline_user_sends_exactly_one_digest(
    mail_platform: Supervisor, mailpit: LocalMailpit
) -> None:
    alice, bob = await signed_up(mail_platform), await signed_up(mail_platform, email=(to := address()))
    room = await alice.create_room("digests")
    await bob.join(room["room_id"])

    await alice.send(room["room_id"], f"@{bob.username} the release is blocked on you")
    await alice.send(room["room_id"], f"@{bob.username} and again")

    (summary,) = await mail_arrives(mailpit, to)
    mail = await asyncio.to_thread(mailpit.message, summary["ID"])
    assert mail["Subject"] == "ChatCluster: 2 mentions waiting for you"
    assert f"{alice.username} mentioned you in digests: @{bob.username} the release is blocked on you" in mail["Text"]
    assert "and again" in mail["Text"]
    await asyncio.sleep(6 * MINUTE_SECONDS + 4 * SCAN_SECONDS)  # past the interval, and many scans: no second copy
    assert len(await mail_to(mailpit, to)) == 1


async def test_no_digest_for_a_muted_room_an_already_read_mention_or_an_online_user(
    mail_platform: Supervisor, mailpit: LocalMailpit
) -> None:
    alice = await signed_up(mail_platform)
    room = await alice.create_room("quiet")
    room_id = room["room_id"]
    muted = await signed_up(mail_platform, email=(muted_to := address()), muted_rooms=[room_id])
    read_in_feed = await signed_up(mail_platform, email=(read_to := address()))
    read_in_room = await signed_up(mail_platform, email=(marker_to := address()))
    online = await signed_up(mail_platform, email=(online_to := address()))
    control = await signed_up(mail_platform, email=(control_to := address()))
    people = (muted, read_in_feed, read_in_room, online, control)
    for person in people:
        await person.join(room_id)

    async with online.websocket():
        await asyncio.sleep(0.5)  # its gateway writes the presence key when the socket opens
        # Due in 5 s: time enough to read it first.
        sent = await alice.send(room_id, " ".join(f"@{p.username}" for p in people) + " standup?")
        await feed_holds(read_in_feed, 1)
        await read_in_feed.call("POST", "/v1/notifications/read", json={"all": True})
        await read_in_room.mark_read(room_id, sent["message_id"])

        await mail_arrives(mailpit, control_to)
        await asyncio.sleep(6 * SCAN_SECONDS)

        for to in (muted_to, read_to, marker_to, online_to):
            assert await mail_to(mailpit, to) == [], f"{to} got a digest it should not have"
    assert (await muted.call("GET", "/v1/notifications"))["notifications"] == []


async def test_a_direct_message_left_unread_is_in_the_digest(mail_platform: Supervisor, mailpit: LocalMailpit) -> None:
    alice, bob = await signed_up(mail_platform), await signed_up(mail_platform, email=(to := address()))
    dm = await alice.dm(str(bob.username))

    await alice.send(dm["room_id"], "call me when you are back")

    (summary,) = await mail_arrives(mailpit, to)
    assert summary["Subject"] == "ChatCluster: 1 direct message waiting for you"


async def test_no_digest_for_a_user_who_turned_digests_off_or_gave_no_address(
    mail_platform: Supervisor, mailpit: LocalMailpit
) -> None:
    alice = await signed_up(mail_platform)
    off = await signed_up(mail_platform, email=(off_to := address()), email_digest=False)
    control = await signed_up(mail_platform, email=(control_to := address()))
    no_address = await signed_up(mail_platform)
    room = await alice.create_room("off")
    for person in (off, control, no_address):
        await person.join(room["room_id"])

    await alice.send(room["room_id"], f"@{off.username} @{control.username} @{no_address.username} hi")

    await mail_arrives(mailpit, control_to)
    await asyncio.sleep(4 * SCAN_SECONDS)
    assert await mail_to(mailpit, off_to) == []
    assert len(await feed_of(no_address)) == 1  # the feed has it; only the email is not sent


async def feed_of(client: ChatClient) -> list[dict[str, Any]]:
    page = await client.call("GET", "/v1/notifications")
    return list(page["notifications"])


async def test_killing_the_notifier_between_the_claim_and_the_send_never_sends_the_digest_twice(
    start_platform: PlatformFactory, mailpit: LocalMailpit
) -> None:
    pause = 4.0
    platform = await start_platform(
        smtp_url=mailpit.smtp_url,
        digest_scan_seconds=SCAN_SECONDS,
        digest_minute_seconds=MINUTE_SECONDS,
        digest_claim_pause_seconds=pause,
    )
    alice, bob = await signed_up(platform), await signed_up(platform, email=(to := address()))
    room = await alice.create_room("crash")
    await bob.join(room["room_id"])
    store = SqliteStore(platform.settings.sqlite_path())
    await store.open()
    try:
        await alice.send(room["room_id"], f"@{bob.username} before the crash")

        async def claimed() -> bool:
            return await store.digested_up_to(int(str(bob.user_id))) > 0

        await eventually(claimed)  # the notifier claimed the digest and now waits `pause` before sending it
        await platform.kill("notifier")
        await platform.restart("notifier")
        deadline = time.monotonic() + pause + 3.0
        while time.monotonic() < deadline:  # the restarted notifier scans again and again meanwhile
            assert len(await mail_to(mailpit, to)) <= 1
            await asyncio.sleep(0.25)
    finally:
        await store.close()

    assert await mail_to(mailpit, to) == [], "the claimed digest was sent after all, by the restarted notifier"
