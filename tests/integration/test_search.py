"""Message search against the real platform: only the rooms the caller is a member of, never another room and
never a private room of others, on SQLite and on Cassandra; edits found by their new text, deletes not at all;
newest first, paged, narrowed by room and author, the matched words marked; bad queries answered with a sentence."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, PlatformFactory, unique_name
from tests.helpers import eventually

PASSWORD = "correct horse battery"


def word() -> str:
    """A word nobody else's test says: letters only, so the index keeps it."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def texts(page: dict[str, Any]) -> list[str]:
    return [hit["message"]["text"] for hit in page["results"]]


async def found(client: ChatClient, q: str, count: int, **params: Any) -> dict[str, Any]:
    """The search answer once it holds `count` results (the persister writes a moment after the send's ack)."""

    async def ready() -> dict[str, Any] | None:
        page = await client.search(q, **params)
        return page if len(page["results"]) >= count else None

    page = await eventually(ready)
    assert len(page["results"]) == count
    return page


async def nothing_but_what_others_may_not_see(
    alice: ChatClient, bob: ChatClient, carol: ChatClient, secret: str
) -> None:
    """Alice has a room of her own, Bob another; a private room and a direct message hold the secret word too.
    Every one of Bob's rooms finds it for him; Alice (a member of none but her own) and Carol find nothing."""
    room_a = (await alice.create_room("room A"))["room_id"]
    room_b = (await bob.create_room("room B"))["room_id"]
    hidden = (await bob.create_room("hidden room"))["room_id"]
    await bob.update_room(hidden, private=True)
    dm = (await bob.dm(carol.username or ""))["room_id"]
    await alice.send(room_a, "nothing to see in room A")
    for room in (room_b, hidden, dm):
        await bob.send(room, f"the {secret} is here")

    mine = await found(bob, secret, 3)

    assert {hit["message"]["room_id"] for hit in mine["results"]} == {room_b, hidden, dm}
    assert (await alice.search(secret))["results"] == []
    assert (await carol.search(secret, room=dm))["results"] != []  # a DM member finds it in the DM...
    assert [hit["message"]["room_id"] for hit in (await carol.search(secret))["results"]] == [dm]  # ...only there
    with pytest.raises(ApiProblem) as not_member:
        await alice.search(secret, room=room_b)
    assert not_member.value.status == 403
    for private in (hidden, dm):
        with pytest.raises(ApiProblem) as absent:
            await alice.search(secret, room=private)
        assert absent.value.status == 404, "a private room answers as if it did not exist"


async def test_a_member_of_room_a_searching_for_a_word_only_in_room_b_finds_nothing(new_user: ClientFactory) -> None:
    alice, bob, carol = [await new_user() for _ in range(3)]

    await nothing_but_what_others_may_not_see(alice, bob, carol, word())


async def test_search_on_cassandra_finds_only_what_the_caller_may_read(
    start_platform: PlatformFactory, cassandra_node: LocalCassandra, tmp_path: Path
) -> None:
    url = f"cassandra://127.0.0.1:{cassandra_node.cql_port}/search_{uuid.uuid4().hex[:8]}?rf=1&consistency=ONE"
    platform = await start_platform(tmp_path / "on-cassandra", store_url=url)
    clients = [ChatClient(platform.gateway_url) for _ in range(3)]
    try:
        for client in clients:
            await client.register(unique_name("searcher"), PASSWORD)
        alice, bob, carol = clients

        await nothing_but_what_others_may_not_see(alice, bob, carol, word())
    finally:
        for client in clients:
            await client.aclose()


async def test_an_edited_message_is_found_by_its_new_text_and_a_deleted_one_is_not(new_user: ClientFactory) -> None:
    alice = await new_user()
    room = (await alice.create_room("edits"))["room_id"]
    before, after, gone = word(), word(), word()
    edited = (await alice.send(room, f"first {before}"))["message_id"]
    deleted = (await alice.send(room, f"soon {gone}"))["message_id"]
    await found(alice, before, 1)
    await found(alice, gone, 1)

    await alice.call("PATCH", f"/v1/rooms/{room}/messages/{edited}", json={"text": f"now {after}"})
    await alice.call("DELETE", f"/v1/rooms/{room}/messages/{deleted}")

    page = await found(alice, after, 1)
    assert page["results"][0]["message"]["message_id"] == edited
    assert await eventually(lambda: _empty(alice, before))
    assert await eventually(lambda: _empty(alice, gone))


async def _empty(client: ChatClient, q: str) -> bool:
    return (await client.search(q))["results"] == []


async def test_results_come_newest_first_a_page_at_a_time_with_the_words_marked(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    rooms = [(await alice.create_room(f"room {n}"))["room_id"] for n in range(2)]
    for room in rooms:
        await bob.join(room)
    key = word()
    sent = []
    for n in range(7):
        author = alice if n % 2 else bob
        sent.append((await author.send(rooms[n % 2], f"{key.upper()} number {n}, yes {key}!"))["message_id"])
    await found(alice, key, 7, limit=20)

    first = await alice.search(key, limit=3)
    second = await alice.search(key, limit=3, before=first["before"])
    last = await alice.search(key, limit=3, before=second["before"])

    ids = [hit["message"]["message_id"] for page in (first, second, last) for hit in page["results"]]
    assert ids == list(reversed(sent))
    assert last["before"] is None
    hit = first["results"][0]
    text = hit["message"]["text"]
    assert [text[start:end] for start, end in hit["highlights"]] == [key.upper(), key]
    assert texts(await alice.search(key, room=rooms[0])) == [
        f"{key.upper()} number {n}, yes {key}!" for n in (6, 4, 2, 0)
    ]
    by_alice = await alice.search(key, from_user=alice.username)
    assert [h["message"]["message_id"] for h in by_alice["results"]] == [sent[5], sent[3], sent[1]]
    newer = await alice.search(key, after=sent[4])
    assert [h["message"]["message_id"] for h in newer["results"]] == [sent[6], sent[5]]


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"q": "the and of"}, 422, "at least one word"),
        ({"q": "1234"}, 422, "at least one word"),
        ({"q": ""}, 422, "q"),
        ({"q": "x" * 201}, 422, "q"),
        ({"q": "pizza", "room": "Not A Room!"}, 422, "room"),
        ({"q": "pizza", "room": "no-such-room"}, 404, "no-such-room"),
        ({"q": "pizza", "from_user": "nobody_at_all_here"}, 404, "nobody_at_all_here"),
        ({"q": "pizza", "from_user": "x"}, 422, "from_user"),
        ({"q": "pizza", "limit": 0}, 422, "limit"),
        ({"q": "pizza", "limit": 101}, 422, "limit"),
        ({"q": "pizza", "before": "-1"}, 422, "before"),
        ({"q": "pizza", "after": "abc"}, 422, "after"),
    ],
)
async def test_a_bad_search_answers_4xx_with_a_sentence(
    new_user: ClientFactory, params: dict[str, Any], status: int, says: str
) -> None:
    alice = await new_user()

    response = await alice.request("GET", "/v1/search", params=params)

    assert response.status_code == status
    assert says in response.json()["detail"]


async def test_search_needs_a_signed_in_user(shared_platform: Supervisor) -> None:
    async with ChatClient(shared_platform.gateway_url) as anonymous:
        response = await anonymous.request("GET", "/v1/search", params={"q": "pizza"})

    assert response.status_code == 401
    assert response.json()["detail"]
