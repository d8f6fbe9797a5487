"""A client_id makes a send idempotent within one room: a retry is deduplicated, a reuse elsewhere is a new message."""

from __future__ import annotations

import asyncio

from chatcluster.client import ApiProblem, ChatClient
from tests.conftest import ClientFactory
from tests.helpers import all_messages, eventually


async def _texts_once_settled(client: ChatClient, room_id: str, count: int) -> list[str]:
    async def stored() -> list[str] | None:
        found = [m["text"] for m in await all_messages(client, room_id)]
        return found if len(found) >= count else None

    await eventually(stored)
    await asyncio.sleep(0.5)  # give a wrongly duplicated or lost write time to show
    return [m["text"] for m in await all_messages(client, room_id)]


async def test_a_reused_client_id_in_another_room_sends_a_new_message(new_user: ClientFactory) -> None:
    alice = await new_user()
    first_room, second_room = (
        (await alice.create_room("first"))["room_id"],
        (await alice.create_room("second"))["room_id"],
    )
    first = await alice.send(first_room, "hello first", client_id="k1")
    second = await alice.send(second_room, "hello second", client_id="k1")

    assert (first["duplicate"], second["duplicate"]) == (False, False)
    assert second["message_id"] != first["message_id"]
    assert second["room_id"] == second_room
    assert await _texts_once_settled(alice, second_room, 1) == ["hello second"]
    assert await _texts_once_settled(alice, first_room, 1) == ["hello first"]


async def test_a_resend_with_the_same_text_in_the_same_room_is_deduplicated(new_user: ClientFactory) -> None:
    alice = await new_user()
    room_id = (await alice.create_room("retries"))["room_id"]
    first = await alice.send(room_id, "only once", client_id="retry-1")
    second = await alice.send(room_id, "only once", client_id="retry-1")

    assert (second["message_id"], second["duplicate"]) == (first["message_id"], True)
    assert await _texts_once_settled(alice, room_id, 1) == ["only once"]


async def test_a_reused_client_id_with_a_different_text_is_refused_with_409(new_user: ClientFactory) -> None:
    alice = await new_user()
    room_id = (await alice.create_room("conflict"))["room_id"]
    first = await alice.send(room_id, "the original", client_id="k2")
    try:
        await alice.send(room_id, "something else", client_id="k2")
        raise AssertionError("a different message under a used client_id was accepted")
    except ApiProblem as problem:
        assert problem.status == 409
        assert "client_id 'k2' was already used" in problem.detail
        assert first["message_id"] in problem.detail
    assert await _texts_once_settled(alice, room_id, 1) == ["the original"]


async def test_two_users_may_use_the_same_client_id_in_one_room(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = (await alice.create_room("shared keys"))["room_id"]
    await bob.join(room_id)
    from_alice = await alice.send(room_id, "from alice", client_id="same")
    from_bob = await bob.send(room_id, "from bob", client_id="same")

    assert (from_alice["duplicate"], from_bob["duplicate"]) == (False, False)
    assert sorted(await _texts_once_settled(alice, room_id, 2)) == ["from alice", "from bob"]
