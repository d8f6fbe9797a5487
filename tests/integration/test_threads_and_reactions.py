"""Replies and threads, history around a message, reactions and edit history against the real platform
(nats-server, gateway, persister): over HTTP, over the WebSocket, replayed with since=, and through a kill -9 of
the persister."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, PlatformFactory
from tests.helpers import eventually, next_frame
from tests.integration.test_cli_accounts import Cli, registered

PASSWORD = "correct horse battery"


async def room_of(owner: ChatClient, *members: ChatClient) -> str:
    room_id: str = (await owner.create_room("threads"))["room_id"]
    for member in members:
        await member.join(room_id)
    return room_id


async def stored(client: ChatClient, room_id: str, message_id: str) -> dict[str, Any]:
    """The message as the API answers it, once the persister has it."""

    async def found() -> dict[str, Any] | None:
        try:
            message: dict[str, Any] = await client.call("GET", f"/v1/rooms/{room_id}/messages/{message_id}")
            return message
        except ApiProblem:
            return None

    return await eventually(found)


def counts(message: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """A message's reactions as {emoji: (count, usernames)}."""
    return {r["emoji"]: (r["count"], [u["username"] for u in r["users"]]) for r in message["reactions"]}


async def problem(call: Any) -> tuple[int, str]:
    with pytest.raises(ApiProblem) as caught:
        await call
    return caught.value.status, caught.value.detail


# --- replies ------------------------------------------------------------------------------------------


async def test_replies_over_http_and_the_websocket_are_counted_on_the_original_and_listed_in_its_thread(
    new_user: ClientFactory,
) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)
    parent = (await alice.send(room_id, "lunch at noon?"))["message_id"]
    await stored(alice, room_id, parent)
    first = (await bob.send(room_id, "yes", reply_to=parent))["message_id"]
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await ws.send(
            json.dumps({"type": "send", "ref": "r", "room_id": room_id, "text": "me too", "reply_to": parent})
        )
        second = (await next_frame(ws, "ack"))["message_id"]
    await alice.send(room_id, "unrelated chatter")

    async def counted() -> bool:
        return (await stored(bob, room_id, parent))["reply_count"] == 2

    await eventually(counted)
    thread = await bob.replies(room_id, parent)
    assert [(m["message_id"], m["reply_to"], m["text"]) for m in thread["messages"]] == [
        (first, parent, "yes"),
        (second, parent, "me too"),
    ]
    history = {m["message_id"]: m for m in (await bob.history(room_id))["messages"]}
    assert history[parent]["reply_count"] == 2
    assert history[first]["reply_count"] == 0
    older = await bob.replies(room_id, parent, limit=1)
    assert [m["message_id"] for m in older["messages"]] == [second]
    assert older["before"] == second
    assert [m["message_id"] for m in (await bob.replies(room_id, parent, before=second))["messages"]] == [first]


async def test_a_deleted_reply_leaves_the_thread_and_the_count(new_user: ClientFactory) -> None:
    alice = await new_user()
    room_id = await room_of(alice)
    parent = (await alice.send(room_id, "question"))["message_id"]
    await stored(alice, room_id, parent)
    kept = (await alice.send(room_id, "answer", reply_to=parent))["message_id"]
    doomed = (await alice.send(room_id, "wrong answer", reply_to=parent))["message_id"]
    await stored(alice, room_id, doomed)

    await alice.call("DELETE", f"/v1/rooms/{room_id}/messages/{doomed}")

    async def one_left() -> bool:
        return (await stored(alice, room_id, parent))["reply_count"] == 1

    await eventually(one_left)
    assert [m["message_id"] for m in (await alice.replies(room_id, parent))["messages"]] == [kept]


async def test_a_reply_to_a_message_of_another_room_to_no_message_or_to_a_deleted_one_is_refused_with_a_sentence(
    new_user: ClientFactory,
) -> None:
    alice = await new_user()
    room_id, other_room = await room_of(alice), await room_of(alice)
    elsewhere = (await alice.send(other_room, "over here"))["message_id"]
    gone = (await alice.send(room_id, "soon gone"))["message_id"]
    await stored(alice, other_room, elsewhere)
    await stored(alice, room_id, gone)
    await alice.call("DELETE", f"/v1/rooms/{room_id}/messages/{gone}")

    assert await problem(alice.send(room_id, "re", reply_to=elsewhere)) == (
        400,
        f"reply_to: message {elsewhere} is not in room '{room_id}'",
    )
    assert (await problem(alice.send(room_id, "re", reply_to="12345")))[0] == 400
    assert await problem(alice.send(room_id, "re", reply_to=gone)) == (
        409,
        f"reply_to: message {gone} has been deleted",
    )
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await ws.send(json.dumps({"type": "send", "ref": 1, "room_id": room_id, "text": "re", "reply_to": elsewhere}))
        error = await next_frame(ws, "error")
    assert (error["ref"], error["status"], error["detail"]) == (
        1,
        400,
        f"reply_to: message {elsewhere} is not in room '{room_id}'",
    )


async def test_the_replies_of_a_message_of_another_room_or_of_no_message_are_not_found(
    new_user: ClientFactory,
) -> None:
    alice, stranger = await new_user(), await new_user()
    room_id, other_room = await room_of(alice), await room_of(alice)
    elsewhere = (await alice.send(other_room, "over here"))["message_id"]
    await stored(alice, other_room, elsewhere)

    assert (await problem(alice.replies(room_id, elsewhere)))[0] == 404
    assert (await problem(alice.replies(room_id, "12345")))[0] == 404
    assert (await problem(stranger.replies(other_room, elsewhere)))[0] == 403
    assert (await problem(alice.replies(other_room, elsewhere, before=1, after=2)))[0] == 400
    assert (await problem(alice.replies(other_room, "nope")))[0] == 422


# --- history around a message ------------------------------------------------------------------------


async def test_a_page_around_a_message_far_back_in_history_holds_it_with_its_neighbours_and_cursors(
    new_user: ClientFactory,
) -> None:
    alice = await new_user()
    room_id = await room_of(alice)
    long_ago = datetime.now(UTC) - timedelta(days=200)
    old = [
        (await alice.send(room_id, f"old {n}", sent_at=(long_ago + timedelta(seconds=n)).isoformat()))["message_id"]
        for n in range(20)
    ]
    recent = [(await alice.send(room_id, f"recent {n}"))["message_id"] for n in range(60)]
    await stored(alice, room_id, recent[-1])
    await stored(alice, room_id, old[-1])
    assert old[10] not in [m["message_id"] for m in (await alice.history(room_id, limit=50))["messages"]]

    page = await alice.history(room_id, around=old[10], limit=9)

    assert [m["message_id"] for m in page["messages"]] == old[6:15]
    assert (page["before"], page["after"]) == (old[6], old[14])
    first = await alice.history(room_id, around=old[1], limit=9)
    assert [m["message_id"] for m in first["messages"]] == old[0:9]
    assert first["before"] is None
    newest = await alice.history(room_id, around=recent[-1], limit=5)
    assert [m["message_id"] for m in newest["messages"]] == recent[-3:]


async def test_around_a_message_of_another_room_or_beside_another_cursor_is_refused_with_a_sentence(
    new_user: ClientFactory,
) -> None:
    alice = await new_user()
    room_id, other_room = await room_of(alice), await room_of(alice)
    elsewhere = (await alice.send(other_room, "over here"))["message_id"]
    await stored(alice, other_room, elsewhere)

    assert await problem(alice.history(room_id, around=elsewhere)) == (
        404,
        f"message {elsewhere} in room '{room_id}' does not exist",
    )
    assert await problem(alice.history(other_room, around=elsewhere, before=elsewhere)) == (
        400,
        "give at most one of 'before', 'after' and 'around'",
    )


# --- reactions ----------------------------------------------------------------------------------------


async def test_reactions_from_two_users_and_twice_from_one_count_exactly_live_after_reload_and_in_a_replay(
    new_user: ClientFactory,
) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room_id = await room_of(alice, bob, carol)
    message = (await alice.send(room_id, "pizza tonight"))["message_id"]
    await stored(alice, room_id, message)
    async with carol.websocket() as ws:
        await next_frame(ws, "ready")
        assert await alice.react(room_id, message, "👍") == {
            "room_id": room_id,
            "message_id": message,
            "emoji": "👍",
            "reacted": True,
        }
        await bob.react(room_id, message, "👍")
        await alice.react(room_id, message, "👍")  # twice: counts once
        await bob.react(room_id, message, "🍕")
        await bob.react(room_id, message, "🍕", add=False)
        await carol.react(room_id, message, "👨‍👩‍👧")
        live = [await next_frame(ws, "reaction") for _ in range(6)]

    # People in the order of their latest reaction: alice's second 👍 puts her after bob.
    expected = {"👍": (2, [bob.username, alice.username]), "👨‍👩‍👧": (1, [carol.username])}
    assert fold(live) == {"👍": {alice.username, bob.username}, "👨‍👩‍👧": {carol.username}}
    assert [f["event"]["op"] for f in live] == ["added", "added", "added", "added", "removed", "added"]
    assert all(f["event"]["message_id"] == message and f["event"]["event_id"] for f in live)

    async def settled() -> bool:
        return counts(await stored(carol, room_id, message)) == expected

    await eventually(settled)
    history = {m["message_id"]: m for m in (await bob.history(room_id))["messages"]}
    assert counts(history[message]) == expected
    async with carol.websocket(since=message) as ws:
        replayed = await until_replay_done(ws)
    reactions = [f for f in replayed if f["type"] == "reaction"]
    assert [f["event"]["event_id"] for f in reactions] == [f["event"]["event_id"] for f in live]
    assert fold(reactions) == fold(live)


def fold(frames: list[dict[str, Any]]) -> dict[str, set[str]]:
    """What a page shows from reaction frames in order: who reacts with each emoji (set semantics)."""
    found: dict[str, set[str]] = {}
    for frame in frames:
        event = frame["event"]
        people = found.setdefault(event["emoji"], set())
        (people.add if event["op"] == "added" else people.discard)(event["username"])
    return {emoji: people for emoji, people in found.items() if people}


async def until_replay_done(ws: Any) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 15))
        if frame["type"] == "replay_done":
            return frames
        frames.append(frame)


async def test_a_reaction_that_is_not_exactly_one_emoji_or_on_no_message_of_the_room_is_refused_with_a_sentence(
    new_user: ClientFactory,
) -> None:
    alice, stranger = await new_user(), await new_user()
    room_id, other_room = await room_of(alice), await room_of(alice)
    message = (await alice.send(room_id, "react to me"))["message_id"]
    elsewhere = (await alice.send(other_room, "not here"))["message_id"]
    gone = (await alice.send(room_id, "soon gone"))["message_id"]
    await stored(alice, room_id, gone)
    await stored(alice, other_room, elsewhere)
    await alice.call("DELETE", f"/v1/rooms/{room_id}/messages/{gone}")

    assert await problem(alice.react(room_id, message, "ok")) == (
        422,
        "emoji: a reaction must be exactly one emoji (e.g. 👍); this is not an emoji",
    )
    assert await problem(alice.react(room_id, message, "👍👍")) == (
        422,
        "emoji: a reaction must be exactly one emoji, not several",
    )
    assert (await problem(alice.react(room_id, message, "👍 ")))[0] == 422
    assert (await problem(alice.react(room_id, message, "x" * 500)))[0] == 422
    assert (await problem(alice.react(room_id, elsewhere, "👍")))[0] == 404
    assert (await problem(alice.react(room_id, "12345", "👍")))[0] == 404
    assert await problem(alice.react(room_id, gone, "👍")) == (409, f"message {gone} has been deleted")
    assert (await problem(stranger.react(room_id, message, "👍")))[0] == 403
    assert (await problem(stranger.react("no-such-room", message, "👍")))[0] == 404
    bad_id = await alice.request("PUT", f"/v1/rooms/{room_id}/messages/abc/reactions/{quote('👍')}")
    assert bad_id.status_code == 422 and bad_id.json()["detail"]


async def test_reactions_survive_a_kill_9_of_the_persister_mid_stream_with_exact_counts(
    start_platform: PlatformFactory,
) -> None:
    platform = await start_platform()
    users = [ChatClient(platform.gateway_url) for _ in range(2)]
    for n, user in enumerate(users):
        await user.register(f"reactor{n}_{id(user)}", PASSWORD)
    room_id = await room_of(users[0], users[1])
    messages = [(await users[0].send(room_id, f"message {n}"))["message_id"] for n in range(40)]
    await stored(users[0], room_id, messages[-1])
    acked: list[int] = []

    async def react_all(user: ChatClient) -> None:
        # Per message: 👍, 🎉, 👍 again, then 🎉 taken back on every other message.
        for n, message in enumerate(messages):
            steps = [("👍", True), ("🎉", True), ("👍", True)] + ([("🎉", False)] if n % 2 else [])
            for emoji, add in steps:
                await user.react(room_id, message, emoji, add=add)
                acked.append(n)

    reacting = asyncio.gather(*(react_all(user) for user in users))
    await eventually(lambda: _at_least(acked, 60), timeout=60)
    await platform.kill("persister")
    killed_at = len(acked)
    await asyncio.sleep(1.0)
    await platform.restart("persister")
    await reacting
    assert 60 <= killed_at < len(acked), "the kill must land while reactions are being sent"

    names = sorted(u.username or "" for u in users)

    async def exact() -> bool:
        page = {m["message_id"]: m for m in (await users[1].history(room_id, limit=100))["messages"]}
        return all(
            {e: (c, sorted(who)) for e, (c, who) in counts(page[m]).items()}
            == ({"👍": (2, names)} | ({} if n % 2 else {"🎉": (2, names)}))
            for n, m in enumerate(messages)
        )

    await eventually(exact, timeout=60, interval=0.5)
    for user in users:
        await user.aclose()


async def _at_least(items: list[int], count: int) -> bool:
    return len(items) >= count


# --- edit history and the rights to delete ------------------------------------------------------------


async def test_members_read_a_messages_earlier_texts_and_only_owners_and_admins_those_of_a_deleted_one(
    new_user: ClientFactory,
) -> None:
    alice, bob, stranger = await new_user(), await new_user(), await new_user()
    room_id = await room_of(alice, bob)  # alice created it: its owner
    message = (await bob.send(room_id, "v1"))["message_id"]
    await stored(bob, room_id, message)
    for text in ("v2", "v3"):
        await bob.call("PATCH", f"/v1/rooms/{room_id}/messages/{message}", json={"text": text})

    async def edited_twice() -> dict[str, Any] | None:
        found = await alice.edits(room_id, message)
        return found if len(found["versions"]) == 2 else None

    history = await eventually(edited_twice)
    assert history["message_id"] == message
    assert [v["text"] for v in history["versions"]] == ["v1", "v2"]
    assert history["versions"][0]["edited_at"] is None
    assert history["versions"][1]["edited_at"] is not None
    assert (await bob.edits(room_id, message))["versions"] == history["versions"]
    assert (await problem(stranger.edits(room_id, message)))[0] == 403
    never = (await bob.send(room_id, "never edited"))["message_id"]
    await stored(bob, room_id, never)
    assert (await bob.edits(room_id, never))["versions"] == []

    await bob.call("DELETE", f"/v1/rooms/{room_id}/messages/{message}")

    async def deleted() -> bool:
        return bool((await stored(alice, room_id, message))["deleted"])

    await eventually(deleted)
    assert (await problem(bob.edits(room_id, message)))[0] == 404
    assert [v["text"] for v in (await alice.edits(room_id, message))["versions"]] == ["v1", "v2", "v3"]


async def test_a_member_deletes_only_their_own_messages_and_the_owner_deletes_anyones(
    new_user: ClientFactory,
) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)
    by_alice = (await alice.send(room_id, "the owner speaks"))["message_id"]
    by_bob = (await bob.send(room_id, "a member speaks"))["message_id"]
    await stored(alice, room_id, by_bob)
    await stored(alice, room_id, by_alice)

    assert await problem(bob.call("DELETE", f"/v1/rooms/{room_id}/messages/{by_alice}")) == (
        403,
        "you can only delete your own messages (owners and admins of a room may delete any)",
    )
    assert await problem(alice.call("PATCH", f"/v1/rooms/{room_id}/messages/{by_bob}", json={"text": "x"})) == (
        403,
        "you can only edit your own messages",
    )
    tombstone = await alice.call("DELETE", f"/v1/rooms/{room_id}/messages/{by_bob}")
    assert (tombstone["deleted"], tombstone["text"]) == (True, "")


async def test_message_events_say_whether_their_room_is_private(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice)
    dm_id = (await alice.dm(bob.username or ""))["room_id"]
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await alice.send(room_id, "in the open")
        public = await next_frame(ws, "event")
        await alice.send(dm_id, "between us")
        private = await next_frame(ws, "event")

    assert (public["event"]["message"]["room_id"], public["event"]["private"]) == (room_id, False)
    assert (private["event"]["message"]["room_id"], private["event"]["private"]) == (dm_id, True)


# --- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli(shared_platform: Supervisor, tmp_path: Path) -> Cli:
    return Cli(shared_platform, tmp_path / "config")


async def test_the_cli_replies_lists_the_thread_reacts_and_shows_the_earlier_texts(cli: Cli) -> None:
    await registered(cli)
    code, room_id = await cli("create-room", "cli threads")
    room_id = room_id.strip()
    code, parent = await cli("send", room_id, "who is in?")
    parent = parent.strip()
    assert code == 0, parent

    code, reply = await cli("send", room_id, "count me in", "--reply-to", parent)
    assert code == 0, reply
    refused, out = await cli("send", room_id, "nope", "--reply-to", "12345")
    assert refused == 1 and "error 400" in out and "reply_to" in out
    code, out = await cli("react", room_id, parent, "🎉")
    assert (code, out.strip()) == (0, f"reacted 🎉 on message {parent}")
    refused, out = await cli("react", room_id, parent, "yay")
    assert refused == 1 and "error 422" in out and "exactly one emoji" in out
    async with ChatClient(cli.platform.gateway_url, cli.saved()["token"]) as client:
        await client.call("PATCH", f"/v1/rooms/{room_id}/messages/{parent}", json={"text": "who is in tonight?"})

        async def settled() -> bool:
            message = await client.call("GET", f"/v1/rooms/{room_id}/messages/{parent}")
            edits = await client.edits(room_id, parent)
            return message["reply_count"] == 1 and bool(message["reactions"]) and len(edits["versions"]) == 1

        await eventually(settled)

    code, thread = await cli("replies", room_id, parent, "--ids")
    assert code == 0, thread
    assert reply.strip() in thread and "count me in" in thread and f"↪ {parent}" in thread
    code, history = await cli("history", room_id)
    assert "who is in tonight?" in history and "(1 reply)" in history and "🎉 1" in history
    code, edits = await cli("edits", room_id, parent)
    assert code == 0 and "as sent who is in?" in " ".join(edits.split())
    code, out = await cli("unreact", room_id, parent, "🎉")
    assert (code, out.strip()) == (0, f"took back 🎉 on message {parent}")
