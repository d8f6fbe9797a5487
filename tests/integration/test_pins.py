"""Pinned messages on the real platform: owners and admins pin, every member reads the list (newest pin first),
live and in a reconnecting client's replay; everyone else is refused with a sentence."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from chatcluster.client import ApiProblem, ChatClient
from tests.conftest import ClientFactory
from tests.helpers import eventually, next_frame


@pytest.fixture
async def people(new_user: ClientFactory) -> list[ChatClient]:
    """owner, admin, member, outsider"""
    return [await new_user() for _ in range(4)]


async def refused(call: Any) -> tuple[int, str]:
    with pytest.raises(ApiProblem) as problem:
        await call
    return problem.value.status, problem.value.detail


async def stored(client: ChatClient, room: str, text: str) -> str:
    """Send, and wait until the message can be read back (pinning waits briefly for the persister too)."""
    message_id: str = (await client.send(room, text))["message_id"]

    async def readable() -> bool:
        return any(m["message_id"] == message_id for m in (await client.history(room))["messages"])

    await eventually(readable)
    return message_id


async def room_of(people: list[ChatClient]) -> str:
    owner, admin, member, _ = people
    room: str = (await owner.create_room("pinboard"))["room_id"]
    for person in (admin, member):
        await person.join(room)
    await owner.set_role(room, str(admin.user_id), "admin")
    return room


def pinned_texts(pins: dict[str, Any]) -> list[str]:
    return [m["text"] for m in pins["pins"]]


async def test_owners_and_admins_pin_and_every_member_sees_the_newest_pin_first(people: list[ChatClient]) -> None:
    owner, admin, member, outsider = people
    room = await room_of(people)
    first, second, third = [await stored(member, room, text) for text in ("first", "second", "third")]

    await owner.pin(room, second)
    await admin.pin(room, first)
    await admin.pin(room, third)
    await owner.pin(room, second)  # pinned already: nothing changes

    assert pinned_texts(await member.pins(room)) == ["third", "first", "second"]
    await admin.pin(room, first, pinned=False)
    await admin.pin(room, first, pinned=False)  # not pinned: nothing changes
    assert pinned_texts(await member.pins(room)) == ["third", "second"]
    assert await refused(member.pin(room, first)) == (403, "only the room's owner or an admin can pin messages")
    assert await refused(member.pin(room, third, pinned=False)) == (
        403,
        "only the room's owner or an admin can unpin messages",
    )
    assert await refused(outsider.pins(room)) == (403, f"you are not a member of room '{room}'")


async def test_a_deleted_message_leaves_the_pins_and_cannot_be_pinned_again(people: list[ChatClient]) -> None:
    owner, _, member, _ = people
    room = await room_of(people)
    kept, gone = [await stored(member, room, text) for text in ("kept", "gone")]
    for message_id in (kept, gone):
        await owner.pin(room, message_id)

    await member.call("DELETE", f"/v1/rooms/{room}/messages/{gone}")

    async def only_kept() -> bool:  # once the persister has stored the delete
        return pinned_texts(await member.pins(room)) == ["kept"]

    await eventually(only_kept)
    assert await refused(owner.pin(room, gone)) == (409, f"message {gone} has been deleted: it cannot be pinned")


async def test_pinning_a_message_of_another_room_or_no_message_is_not_found(people: list[ChatClient]) -> None:
    owner, _, _, _ = people
    room = await room_of(people)
    elsewhere = (await owner.create_room("elsewhere"))["room_id"]
    other = await stored(owner, elsewhere, "not here")

    assert await refused(owner.pin(room, other)) == (404, f"message {other} in room '{room}' does not exist")
    assert await refused(owner.pin(room, "123")) == (404, f"message 123 in room '{room}' does not exist")
    response = await owner.request("PUT", f"/v1/rooms/{room}/pins/abc")
    assert (response.status_code, response.json()["detail"].split(":")[0]) == (422, "path.message_id")


async def test_pins_reach_the_members_live_and_in_a_replay(people: list[ChatClient]) -> None:
    owner, _, member, _ = people
    room = await room_of(people)
    message_id = await stored(owner, room, "read me")
    async with member.websocket() as ws:
        ready = await next_frame(ws, "ready")
        await owner.pin(room, message_id)
        live = await next_frame(ws, "pin")
    since = str(int(live["event"]["event_id"]) - 1)
    assert ready["type"] == "ready"
    assert (live["event"]["room_id"], live["event"]["message_id"], live["event"]["pinned"], live["event"]["by"]) == (
        room,
        message_id,
        True,
        str(owner.user_id),
    )

    async with member.websocket(since=since) as ws:
        replayed: list[dict[str, Any]] = []
        while not replayed or replayed[-1]["type"] != "replay_done":
            replayed.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))

    assert [f["event"]["event_id"] for f in replayed if f["type"] == "pin"] == [live["event"]["event_id"]]
