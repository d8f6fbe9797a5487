"""Live chat over the WebSocket against a real nats-server, gateway and persister."""

from __future__ import annotations

import asyncio
import json

from chatcluster.client import ApiProblem
from tests.conftest import ClientFactory
from tests.helpers import all_messages, eventually, frames_for, next_frame


async def test_a_message_sent_in_a_room_reaches_its_members_live_and_nobody_else(new_user: ClientFactory) -> None:
    alice, bob, eve = await new_user(), await new_user(), await new_user()
    room = await alice.create_room("live")
    await bob.join(room["room_id"])

    async with alice.websocket() as a_ws, bob.websocket() as b_ws, eve.websocket() as e_ws:
        for ws in (a_ws, b_ws, e_ws):
            await next_frame(ws, "ready")
        await a_ws.send(json.dumps({"type": "send", "ref": "r1", "room_id": room["room_id"], "text": "hi bob"}))
        ack = await next_frame(a_ws, "ack")
        received = await next_frame(b_ws, "event")
        eve_saw = await frames_for(e_ws, 1.0)

    assert ack["ref"] == "r1"
    assert received["event"]["kind"] == "created"
    assert received["event"]["message"]["message_id"] == ack["message_id"]
    assert received["event"]["message"]["text"] == "hi bob"
    assert [f for f in eve_saw if f["type"] == "event"] == []
    try:
        await eve.history(room["room_id"])
        raise AssertionError("a non-member read the history")
    except ApiProblem as problem:
        assert problem.status == 403
        assert "not a member" in problem.detail


async def test_sending_twice_with_one_client_id_stores_one_message(new_user: ClientFactory) -> None:
    alice = await new_user()
    room = await alice.create_room("idempotent")
    first = await alice.send(room["room_id"], "only once", client_id="retry-1")
    second = await alice.send(room["room_id"], "only once", client_id="retry-1")

    assert second["message_id"] == first["message_id"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    await eventually(lambda: all_messages(alice, room["room_id"]))
    await asyncio.sleep(0.5)  # give a wrongly duplicated write time to land
    stored = await all_messages(alice, room["room_id"])
    assert [m["message_id"] for m in stored] == [first["message_id"]]


async def test_reconnecting_with_since_replays_missed_messages_in_order_once(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room = await alice.create_room("replay")
    await bob.join(room["room_id"])
    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        await alice.send(room["room_id"], "before the drop")
        last_seen = (await next_frame(ws, "event"))["event"]["event_id"]

    missed = [(await alice.send(room["room_id"], f"missed {i}"))["message_id"] for i in range(20)]

    async with bob.websocket(since=last_seen) as ws:
        await next_frame(ws, "ready")
        done_at = None
        replayed: list[str] = []
        while done_at is None:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "event":
                replayed.append(frame["event"]["message"]["message_id"])
            elif frame["type"] == "replay_done":
                done_at = frame
        await alice.send(room["room_id"], "after reconnect")
        live = await next_frame(ws, "event")
        extra = [f for f in await frames_for(ws, 0.5) if f["type"] == "event"]

    assert replayed == missed
    assert done_at["count"] == 20
    assert live["event"]["message"]["text"] == "after reconnect"
    assert extra == []


async def test_edits_and_deletes_reach_members_live_and_leave_a_tombstone(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room = await alice.create_room("edits")
    await bob.join(room["room_id"])
    sent = await alice.send(room["room_id"], "typo heer")
    message_path = f"/v1/rooms/{room['room_id']}/messages/{sent['message_id']}"
    await eventually(lambda: _exists(alice, message_path))

    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        await alice.call("PATCH", message_path, json={"text": "typo here"})
        edited = await next_frame(ws, "event")
        await eventually(lambda: _text_is(alice, message_path, "typo here"))
        await alice.call("DELETE", message_path)
        deleted = await next_frame(ws, "event")

    assert (edited["event"]["kind"], edited["event"]["message"]["text"]) == ("edited", "typo here")
    assert (deleted["event"]["kind"], deleted["event"]["message"]["deleted"]) == ("deleted", True)
    stored = await eventually(lambda: _deleted(alice, message_path))
    assert stored["text"] == ""
    assert stored["edited_at"] is not None


async def _exists(client: object, path: str) -> bool:
    try:
        await client.call("GET", path)  # type: ignore[attr-defined]
        return True
    except ApiProblem:
        return False


async def _text_is(client: object, path: str, text: str) -> bool:
    return bool((await client.call("GET", path))["text"] == text)  # type: ignore[attr-defined]


async def _deleted(client: object, path: str) -> dict[str, object] | None:
    message = await client.call("GET", path)  # type: ignore[attr-defined]
    return message if message["deleted"] else None


async def test_joining_a_room_while_connected_starts_live_delivery_without_reconnecting(
    new_user: ClientFactory,
) -> None:
    alice, bob = await new_user(), await new_user()
    room = await alice.create_room("late join")
    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        await bob.join(room["room_id"])
        joined = await next_frame(ws, "joined")
        await alice.send(room["room_id"], "welcome")
        event = await next_frame(ws, "event")
    assert joined["room"]["room_id"] == room["room_id"]
    assert event["event"]["message"]["text"] == "welcome"


async def test_a_direct_message_room_is_the_same_for_both_users(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    from_alice = await alice.dm(bob.username or "")
    from_bob = await bob.dm(alice.username or "")
    again = await alice.dm(bob.username or "")
    assert from_alice["room_id"] == from_bob["room_id"] == again["room_id"]
    assert from_alice["kind"] == "direct"
    await alice.send(from_alice["room_id"], "psst")
    stored = await eventually(lambda: all_messages(bob, from_alice["room_id"]))
    assert [m["text"] for m in stored] == ["psst"]
