"""Read markers, unread counts and read receipts against a real nats-server, gateways and persister.

The platform of this module shares receipts in rooms of at most two members (and, as always, in direct
messages), so a three-member room shows what happens in a room too large for them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, MessageEvent
from chatcluster.store.sqlite import SqliteStore
from chatcluster.supervisor import Supervisor
from chatcluster.unread import COUNT_CAP
from tests.conftest import platform_settings, unique_name
from tests.helpers import eventually, frames_for, next_frame, second_gateway

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory, model_home: Path) -> AsyncIterator[Supervisor]:  # noqa: ARG001
    supervisor = Supervisor(
        platform_settings(tmp_path_factory.mktemp("read-state"), read_receipts_max_members=2),
        services=("gateway", "persister", "notifier"),
    )
    await supervisor.start()
    yield supervisor
    await supervisor.stop()


@pytest.fixture
async def people(platform: Supervisor) -> AsyncIterator[list[ChatClient]]:
    """Three fresh users signed in on the module's platform."""
    clients = []
    for _ in range(3):
        client = ChatClient(platform.gateway_url)
        await client.register(unique_name("reader"), PASSWORD)
        clients.append(client)
    yield clients
    for client in clients:
        await client.aclose()


async def signed_in_again(client: ChatClient, base_url: str) -> ChatClient:
    again = ChatClient(base_url)
    assert client.username is not None
    await again.login(client.username, PASSWORD)
    return again


def by_room(summaries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["room_id"]: s for s in summaries}


async def persisted(client: ChatClient, room_id: str, message_id: str) -> None:
    """Until the persister has stored the message (the room list reads the store)."""

    async def stored() -> bool:
        page = await client.history(room_id, limit=1)
        return bool(page["messages"]) and int(page["messages"][-1]["message_id"]) >= int(message_id)

    await eventually(stored)


async def test_a_marker_moves_forward_only_and_the_same_call_twice_changes_nothing(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("markers"))["room_id"]
    await bob.join(room)
    sent = [(await alice.send(room, f"message {n}"))["message_id"] for n in range(3)]
    await persisted(bob, room, sent[-1])

    assert await bob.mark_read(room, sent[1]) == {"room_id": room, "message_id": sent[1]}
    assert await bob.mark_read(room, sent[0]) == {"room_id": room, "message_id": sent[1]}
    assert await bob.mark_read(room, sent[1]) == {"room_id": room, "message_id": sent[1]}

    summary = by_room(await bob.rooms())[room]
    assert (summary["read_marker"], summary["unread"], summary["unread_capped"]) == (sent[1], 1, False)
    assert summary["last_message"]["message_id"] == sent[2]


async def test_reading_what_is_not_yours_to_read_is_refused_with_a_sentence(people: list[ChatClient]) -> None:
    alice, bob, eve = people
    room = (await alice.create_room("refusals"))["room_id"]
    elsewhere = (await eve.create_room("elsewhere"))["room_id"]
    await bob.join(room)
    theirs = (await eve.send(elsewhere, "not in alice's room"))["message_id"]
    mine = (await alice.send(room, "in the room"))["message_id"]
    await persisted(alice, room, mine)
    await persisted(eve, elsewhere, theirs)

    cases = [
        (bob, room, {"message_id": theirs}, 404, f"message {theirs} in room '{room}' does not exist"),
        (eve, room, {"message_id": mine}, 403, f"you are not a member of room '{room}'"),
        (bob, room, {"message_id": "yesterday"}, 422, "message_id"),
        (bob, room, {}, 422, "message_id"),
        (bob, "no-such-room", {"message_id": mine}, 404, "room 'no-such-room' does not exist"),
    ]
    for who, room_id, body, status, detail in cases:
        response = await who.request("POST", f"/v1/rooms/{room_id}/read", json=body)
        assert response.status_code == status, (body, response.text)
        assert detail in response.json()["detail"]


async def test_my_room_list_counts_what_others_said_after_my_marker_newest_activity_first(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    quiet = (await alice.create_room("quiet"))["room_id"]
    busy = (await alice.create_room("busy"))["room_id"]
    for room in (quiet, busy):
        await bob.join(room)
    await bob.send(busy, "bob's own message does not count for bob")
    for n in range(4):
        await alice.send(busy, f"news {n}")
    long = (await alice.send(quiet, "x" * 150))["message_id"]
    last = (await alice.send(busy, "the latest"))["message_id"]
    await persisted(bob, busy, last)
    await persisted(bob, quiet, long)

    summaries = await bob.rooms()

    assert [s["room_id"] for s in summaries][:2] == [busy, quiet]
    listed = by_room(summaries)
    assert (listed[busy]["unread"], listed[quiet]["unread"]) == (5, 1)
    assert listed[busy]["last_message"]["preview"] == "the latest"
    assert listed[busy]["last_message"]["author"] == alice.username
    assert listed[quiet]["last_message"]["preview"] == "x" * 99 + "…"
    assert listed[quiet]["unread_mentions"] == 0
    assert by_room(await alice.rooms())[busy]["unread"] == 1  # bob's message; alice's own never count


async def test_my_room_list_counts_unread_mentions_of_me_and_shows_the_rooms_i_muted(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("mentions"))["room_id"]
    await bob.join(room)
    await alice.send(room, f"hey @{bob.username}, look")
    said = (await alice.send(room, "no mention here"))["message_id"]
    await persisted(bob, room, said)
    settings = await bob.call("GET", "/v1/settings")
    await bob.call("PUT", "/v1/settings", json={**settings, "muted_rooms": [room]})

    async def mentioned() -> dict[str, Any] | None:
        summary = by_room(await bob.rooms())[room]
        return summary if summary["unread_mentions"] else None

    summary = await eventually(mentioned)  # the notifier records the mention behind the persister
    assert (summary["unread"], summary["unread_mentions"], summary["muted"]) == (2, 1, True)
    await bob.mark_read(room, said)
    after = by_room(await bob.rooms())[room]
    assert (after["unread"], after["unread_mentions"]) == (0, 0)
    assert by_room(await alice.rooms())[room]["muted"] is False


async def test_a_new_member_starts_with_nothing_unread(people: list[ChatClient]) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("history before me"))["room_id"]
    said = [(await alice.send(room, f"before bob {n}"))["message_id"] for n in range(3)]
    await persisted(alice, room, said[-1])

    await bob.join(room)

    summary = by_room(await bob.rooms())[room]
    assert (summary["unread"], summary["last_message"]["message_id"]) == (0, said[-1])
    assert summary["read_marker"] > said[-1]


async def test_a_deleted_last_message_shows_as_deleted_and_no_longer_counts(people: list[ChatClient]) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("deletions"))["room_id"]
    await bob.join(room)
    kept = (await alice.send(room, "kept"))["message_id"]
    gone = (await alice.send(room, "regretted"))["message_id"]
    await persisted(bob, room, gone)
    await alice.call("DELETE", f"/v1/rooms/{room}/messages/{gone}")

    async def deleted() -> dict[str, Any] | None:
        summary = by_room(await bob.rooms())[room]
        return summary if summary["last_message"]["deleted"] else None

    summary = await eventually(deleted)
    assert (summary["unread"], summary["last_message"]["preview"]) == (1, "")
    assert summary["last_message"]["message_id"] == gone and kept < gone


async def test_counts_and_markers_agree_after_reload_re_login_and_across_two_gateways(
    platform: Supervisor, people: list[ChatClient]
) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("everywhere"))["room_id"]
    await bob.join(room)
    sent = [(await alice.send(room, f"message {n}"))["message_id"] for n in range(6)]
    await persisted(bob, room, sent[-1])
    await bob.mark_read(room, sent[2])
    first_look = by_room(await bob.rooms())[room]

    reloaded = ChatClient(platform.gateway_url, token=bob.token)  # a page reload keeps the token
    again = await signed_in_again(bob, platform.gateway_url)
    async with second_gateway(platform) as other:
        elsewhere = await signed_in_again(bob, other.gateway_url)
        try:
            looks = [by_room(await c.rooms())[room] for c in (reloaded, again, elsewhere)]
            async with bob.websocket() as window_on_the_first_gateway:
                await next_frame(window_on_the_first_gateway, "ready")
                moved = await elsewhere.mark_read(room, sent[4])
                heard = await next_frame(window_on_the_first_gateway, "read")
            after_move = [by_room(await c.rooms())[room] for c in (bob, elsewhere)]
        finally:
            for client in (reloaded, again, elsewhere):
                await client.aclose()

    assert (first_look["unread"], first_look["read_marker"]) == (3, sent[2])
    assert looks == [first_look] * 3
    assert moved["message_id"] == sent[4]
    assert (heard["room_id"], heard["user_id"], heard["message_id"]) == (room, bob.user_id, sent[4])
    assert [(s["unread"], s["read_marker"]) for s in after_move] == [(1, sent[4])] * 2


async def test_a_user_who_was_offline_finds_exactly_the_rooms_with_news_in_the_ready_frame(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    rooms = [(await alice.create_room(f"while away {n}"))["room_id"] for n in range(3)]
    for room in rooms:
        await bob.join(room)
    async with bob.websocket() as ws:
        before = await next_frame(ws, "ready")
    assert {s["room_id"]: s["unread"] for s in before["summaries"] if s["room_id"] in rooms} == dict.fromkeys(rooms, 0)

    first = [(await alice.send(rooms[0], f"first room {n}"))["message_id"] for n in range(3)]
    last = (await alice.send(rooms[2], "third room"))["message_id"]
    await persisted(bob, rooms[0], first[-1])
    await persisted(bob, rooms[2], last)

    async with bob.websocket() as ws:
        ready = await next_frame(ws, "ready")

    assert sorted(ready["rooms"]) == sorted(s["room_id"] for s in ready["summaries"])
    news = {s["room_id"]: s["unread"] for s in ready["summaries"] if s["unread"]}
    assert news == {rooms[0]: 3, rooms[2]: 1}
    assert [s["room_id"] for s in ready["summaries"]][:2] == [rooms[2], rooms[0]]


async def test_a_read_reaches_the_readers_other_sockets_and_the_other_member_of_a_direct_message(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    assert bob.username is not None
    dm = (await alice.dm(bob.username))["room_id"]
    said = (await bob.send(dm, "did you see this?"))["message_id"]
    await persisted(alice, dm, said)

    async with alice.websocket() as first, alice.websocket() as second, bob.websocket() as sender:
        for ws in (first, second, sender):
            await next_frame(ws, "ready")
        await alice.mark_read(dm, said)
        frames = [await next_frame(ws, "read") for ws in (first, second, sender)]

    for frame in frames:
        assert (frame["room_id"], frame["user_id"], frame["message_id"]) == (dm, alice.user_id, said)
    receipts = await bob.receipts(dm)
    assert receipts["shared"] is True
    assert {r["username"]: r["message_id"] for r in receipts["receipts"]}[alice.username] == said


async def test_in_a_room_too_large_for_receipts_only_the_readers_own_sockets_hear_of_a_read(
    people: list[ChatClient],
) -> None:
    alice, bob, carol = people
    room = (await alice.create_room("three is a crowd"))["room_id"]
    for member in (bob, carol):
        await member.join(room)
    said = (await bob.send(room, "hello all"))["message_id"]
    await persisted(alice, room, said)

    async with alice.websocket() as mine, bob.websocket() as theirs:
        for ws in (mine, theirs):
            await next_frame(ws, "ready")
        await alice.mark_read(room, said)
        own = await next_frame(mine, "read")
        others_saw = [f for f in await frames_for(theirs, 1.5) if f["type"] == "read"]

    assert (own["room_id"], own["user_id"], own["message_id"]) == (room, alice.user_id, said)
    assert others_saw == []
    receipts = await bob.receipts(room)
    assert receipts["shared"] is False
    assert [r["user_id"] for r in receipts["receipts"]] == [bob.user_id]


async def test_reads_made_meanwhile_are_replayed_to_a_socket_that_reconnects_with_since(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    assert bob.username is not None
    dm = (await alice.dm(bob.username))["room_id"]
    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        said = (await bob.send(dm, "read me later"))["message_id"]
        last_seen = (await next_frame(ws, "event"))["event"]["event_id"]
    await persisted(alice, dm, said)
    await alice.mark_read(dm, said)

    async with bob.websocket(since=last_seen) as ws:
        await next_frame(ws, "ready")
        replayed = []
        while (frame := json.loads(await ws.recv()))["type"] != "replay_done":
            replayed.append(frame)

    reads = [f for f in replayed if f["type"] == "read"]
    assert [(f["user_id"], f["message_id"]) for f in reads] == [(alice.user_id, said)]


async def test_a_read_within_the_coalescing_interval_still_goes_out_with_the_latest_marker(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    assert bob.username is not None
    dm = (await alice.dm(bob.username))["room_id"]
    said = [(await bob.send(dm, f"one of three {n}"))["message_id"] for n in range(3)]
    await persisted(alice, dm, said[-1])

    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        for message_id in said:
            await alice.mark_read(dm, message_id)
        reads = [f for f in await frames_for(ws, 2.5) if f["type"] == "read"]

    assert [f["message_id"] for f in reads] == [said[0], said[2]]


async def test_a_room_with_more_unread_than_the_cap_shows_9999_plus(platform: Supervisor) -> None:
    async with ChatClient(platform.gateway_url) as alice, ChatClient(platform.gateway_url) as bob:
        await alice.register(unique_name("talker"), PASSWORD)
        await bob.register(unique_name("away"), PASSWORD)
        room = (await alice.create_room("a month of news"))["room_id"]
        await bob.join(room)
        # The persister would write these rows one send at a time; written in one batch, the test takes a second.
        ids = SnowflakeGenerator(worker_id=901)
        events = []
        for n in range(COUNT_CAP + 5):
            message = Message(
                message_id=ids.next_id(),
                room_id=room,
                author_id=int(alice.user_id or 0),
                author=alice.username or "",
                text=f"news {n}",
            )
            events.append(MessageEvent(kind=EventKind.CREATED, event_id=message.message_id, message=message))
        store = SqliteStore(platform.settings.sqlite_path())
        await store.open()
        try:
            await store.apply_events(events)
        finally:
            await store.close()

        summary = by_room(await bob.rooms())[room]
        read_most = await bob.mark_read(room, str(events[-10].message.message_id))
        after = by_room(await bob.rooms())[room]

    assert (summary["unread"], summary["unread_capped"]) == (9_999, True)
    assert read_most["message_id"] == str(events[-10].message.message_id)
    assert (after["unread"], after["unread_capped"]) == (9, False)


async def test_markers_and_counts_survive_a_restart_of_the_gateway_and_the_persister(platform: Supervisor) -> None:
    async with ChatClient(platform.gateway_url) as alice, ChatClient(platform.gateway_url) as bob:
        await alice.register(unique_name("steady"), PASSWORD)
        await bob.register(unique_name("restarted"), PASSWORD)
        room = (await alice.create_room("restarts"))["room_id"]
        await bob.join(room)
        sent = [(await alice.send(room, f"before {n}"))["message_id"] for n in range(4)]
        await persisted(bob, room, sent[-1])
        await bob.mark_read(room, sent[1])

        await platform.restart("gateway")
        await platform.wait_healthy(timeout=60)
        await platform.restart("persister")
        kept = by_room(await bob.rooms())[room]
        await bob.mark_read(room, sent[0])
        late = (await alice.send(room, "after the restarts"))["message_id"]
        await persisted(bob, room, late)
        now = by_room(await bob.rooms())[room]

    assert (kept["read_marker"], kept["unread"], kept["last_message"]["message_id"]) == (sent[1], 2, sent[-1])
    assert (now["read_marker"], now["unread"], now["last_message"]["message_id"]) == (sent[1], 3, late)


async def test_a_member_who_left_cannot_move_their_marker(people: list[ChatClient]) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("left behind"))["room_id"]
    await bob.join(room)
    said = (await alice.send(room, "goodbye"))["message_id"]
    await persisted(bob, room, said)
    await bob.call("POST", f"/v1/rooms/{room}/leave")

    with pytest.raises(ApiProblem) as refused:
        await bob.mark_read(room, said)

    assert refused.value.status == 403
    assert room not in by_room(await bob.rooms())
