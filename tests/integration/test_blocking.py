"""Blocking against the real platform: a blocked user's direct messages are refused with a sentence that says no
more than that; in a group room the blocker stops seeing the blocked user live, in history, replies, replay, search,
reactions and notifications, while the other members see everything and the blocked user notices nothing; a block
made through one gateway holds at once on a socket held by another."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import all_messages, eventually, frames_for, next_frame, second_gateway

PASSWORD = "correct horse battery"


async def refused(call: Any) -> tuple[int, str]:
    with pytest.raises(ApiProblem) as problem:
        await call
    return problem.value.status, problem.value.detail


async def events_until(ws: ClientConnection, message_id: str, timeout: float = 10.0) -> list[str]:
    """The ids of the messages this socket is sent, up to and including `message_id`."""
    seen: list[str] = []
    while message_id not in seen:
        frame = await next_frame(ws, "event", timeout)
        seen.append(frame["event"]["message"]["message_id"])
    return seen


async def room_of(owner: ChatClient, *members: ChatClient) -> str:
    room = str((await owner.create_room("blocking"))["room_id"])
    for member in members:
        await member.join(room)
    return room


async def test_a_blocked_users_direct_message_is_refused_with_a_sentence_that_says_no_more(
    new_user: ClientFactory,
) -> None:
    alice, bob = await new_user(), await new_user()
    dm = (await bob.dm(alice.username or ""))["room_id"]
    await bob.send(dm, "hi, before anything")

    await alice.block(bob.username or "")

    assert await refused(bob.send(dm, "hello?")) == (403, "you cannot message this user")
    assert await refused(bob.dm(alice.username or "")) == (403, "you cannot message this user")
    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        await ws.send(json.dumps({"type": "send", "room_id": dm, "text": "over the socket?", "ref": "r1"}))
        error = await next_frame(ws, "error")
    assert (error["ref"], error["status"], error["detail"]) == ("r1", 403, "you cannot message this user")
    assert await refused(alice.send(dm, "and me?")) == (403, "unblock this user to message them")
    assert [m["text"] for m in await all_messages(bob, dm)] == ["hi, before anything"]

    await alice.unblock(bob.username or "")

    assert (await bob.send(dm, "friends again?"))["duplicate"] is False


async def test_in_a_group_room_the_blocker_sees_nothing_of_the_blocked_user_while_the_others_see_everything(
    new_user: ClientFactory,
) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room = await room_of(alice, bob, carol)
    before = await bob.send(room, "ferrets, said before the block")
    await alice.block(bob.username or "")

    async with alice.websocket() as alice_ws, carol.websocket() as carol_ws:
        for ws in (alice_ws, carol_ws):
            await next_frame(ws, "ready")
        said = await bob.send(room, f"ferrets again, @{alice.username} @{carol.username}")
        reply = await bob.send(room, "ferrets in a thread", reply_to=before["message_id"])
        answer = await carol.send(room, f"ferrets too, @{alice.username}")
        alice_live = await events_until(alice_ws, answer["message_id"])
        carol_live = await events_until(carol_ws, answer["message_id"])
    await bob.react(room, answer["message_id"], "👍")

    assert alice_live == [answer["message_id"]]
    assert carol_live == [said["message_id"], reply["message_id"], answer["message_id"]]

    async def everything_stored() -> bool:
        return len(await all_messages(carol, room)) == 4

    await eventually(everything_stored)
    alice_history = await all_messages(alice, room)
    assert [m["message_id"] for m in alice_history] == [answer["message_id"]]
    assert [m["message_id"] for m in await all_messages(bob, room)] == [
        before["message_id"],
        said["message_id"],
        reply["message_id"],
        answer["message_id"],
    ]
    around = await alice.history(room, around=said["message_id"])
    assert [m["message_id"] for m in around["messages"]] == [answer["message_id"]]
    replies = await alice.replies(room, before["message_id"])
    assert replies["messages"] == []
    assert [m["message_id"] for m in (await carol.replies(room, before["message_id"]))["messages"]] == [
        reply["message_id"]
    ]

    async def reacted(client: ChatClient) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await client.call("GET", f"/v1/rooms/{room}/messages/{answer['message_id']}"))[
            "reactions"
        ]
        return found

    assert [r["emoji"] for r in await eventually(lambda: reacted(carol))] == ["👍"]
    assert await reacted(alice) == []

    carol_hits = await eventually(lambda: _hits(carol, "ferrets", 4))
    assert carol_hits == [answer["message_id"], reply["message_id"], said["message_id"], before["message_id"]]
    assert await _hits(alice, "ferrets", 0) == [answer["message_id"]]

    async def mentioned(client: ChatClient) -> list[str]:
        page = await client.call("GET", "/v1/notifications")
        return [n["message_id"] for n in page["notifications"]]

    assert await eventually(lambda: mentioned(carol)) == [said["message_id"]]
    assert await eventually(lambda: mentioned(alice)) == [answer["message_id"]]
    assert await bob.blocks() == []  # the blocked user is told nothing


async def _hits(client: ChatClient, q: str, at_least: int) -> list[str]:
    hits = [h["message"]["message_id"] for h in (await client.search(q))["results"]]
    return hits if len(hits) >= at_least else []


async def test_a_replay_after_a_reconnect_leaves_out_the_blocked_user(new_user: ClientFactory) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room = await room_of(alice, bob, carol)
    await alice.block(bob.username or "")
    mark = await carol.send(room, "the last thing alice saw")

    hidden = await bob.send(room, "said while alice was away")
    await bob.react(room, mark["message_id"], "🎉")
    seen = await carol.send(room, "also said while alice was away")

    async with alice.websocket(since=mark["message_id"]) as ws:
        frames = [f async for f in _until_replay_done(ws)]
    replayed = [f["event"]["message"]["message_id"] for f in frames if f["type"] == "event"]
    assert replayed == [seen["message_id"]]
    assert [f for f in frames if f["type"] == "reaction"] == []
    assert hidden["message_id"] not in replayed

    async with carol.websocket(since=mark["message_id"]) as ws:
        carols = [f async for f in _until_replay_done(ws)]
    assert [f["event"]["message"]["message_id"] for f in carols if f["type"] == "event"] == [
        hidden["message_id"],
        seen["message_id"],
    ]
    assert [f["event"]["user_id"] for f in carols if f["type"] == "reaction"] == [bob.user_id]


async def _until_replay_done(ws: ClientConnection) -> Any:
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "replay_done":
            return
        yield frame


async def test_a_block_made_through_one_gateway_holds_at_once_on_a_socket_held_by_another(
    new_user: ClientFactory, shared_platform: Supervisor
) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room = await room_of(alice, bob, carol)
    async with second_gateway(shared_platform) as other, ChatClient(other.gateway_url) as elsewhere:
        await elsewhere.login(alice.username or "", PASSWORD)
        async with elsewhere.websocket() as ws:
            await next_frame(ws, "ready")

            await alice.block(bob.username or "")  # through the first gateway
            told = await next_frame(ws, "blocks")
            await bob.send(room, "unseen on the other gateway")
            first = await carol.send(room, "seen on the other gateway")
            while_blocked = await events_until(ws, first["message_id"])

            await alice.unblock(bob.username or "")
            untold = await next_frame(ws, "blocks")
            back = await bob.send(room, "seen again")
            after = await events_until(ws, back["message_id"])

    assert told["user_ids"] == [bob.user_id]
    assert while_blocked == [first["message_id"]]
    assert untold["user_ids"] == []
    assert after == [back["message_id"]]


async def test_a_blocked_users_typing_never_reaches_the_blocker(new_user: ClientFactory) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room = await room_of(alice, bob, carol)
    await alice.block(bob.username or "")

    async with alice.websocket() as alice_ws, carol.websocket() as carol_ws, bob.websocket() as bob_ws:
        for ws in (alice_ws, carol_ws, bob_ws):
            await next_frame(ws, "ready")
        await bob_ws.send(json.dumps({"type": "typing", "room_id": room}))
        carol_saw = await next_frame(carol_ws, "typing")
        alice_saw = [f for f in await frames_for(alice_ws, 1.5) if f["type"] == "typing"]

    assert carol_saw["user_id"] == bob.user_id
    assert alice_saw == []
