"""Contacts, the user directory and the block list against the real platform, through the API and the CLI:
names found by prefix in any case, contacts with their presence, lists kept once per person, and a sentence for
every bad request."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import eventually, next_frame
from tests.integration.test_cli_accounts import PASSWORD, Cli

pytestmark = pytest.mark.usefixtures("shared_platform")


async def named(shared_platform: Supervisor, *names: str) -> list[ChatClient]:
    clients = []
    for name in names:
        client = ChatClient(shared_platform.gateway_url)
        await client.register(name, PASSWORD)
        clients.append(client)
    return clients


async def test_the_directory_finds_usernames_by_prefix_in_any_case_with_their_presence(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    stem = f"dir{uuid.uuid4().hex[:6]}"
    people = await named(shared_platform, f"{stem}_Zoe", f"{stem}_amy", f"{stem}_Bob", f"x{stem}")
    asker = await new_user()
    try:
        async with people[1].websocket() as ws:
            await next_frame(ws, "ready")

            async def amy_online() -> list[dict[str, str]] | None:
                found = await asker.users(stem.upper())
                return found if found[0]["presence"] == "online" else None

            found = await eventually(amy_online)
        first_two = await asker.users(stem, limit=2)
    finally:
        for client in people:
            await client.aclose()

    assert [(u["username"], u["presence"]) for u in found] == [
        (f"{stem}_amy", "online"),
        (f"{stem}_Bob", "offline"),
        (f"{stem}_Zoe", "offline"),
    ]
    assert [u["username"] for u in first_two] == [f"{stem}_amy", f"{stem}_Bob"]
    assert found[0]["user_id"] == people[1].user_id


async def test_contacts_are_added_once_listed_with_presence_and_removed(new_user: ClientFactory) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()

    await alice.add_contact(carol.username or "")
    await alice.add_contact(bob.username or "")
    await alice.add_contact((bob.username or "").upper())
    async with bob.websocket() as ws:
        await next_frame(ws, "ready")

        async def bob_online() -> list[dict[str, str]] | None:
            found = await alice.contacts()
            return found if any(c["presence"] == "online" for c in found) else None

        listed = await eventually(bob_online)
    await alice.remove_contact(bob.username or "")
    await alice.remove_contact(bob.username or "")

    by_name = sorted([bob, carol], key=lambda c: (c.username or "").lower())
    assert [c["username"] for c in listed] == [c.username for c in by_name]
    assert {c["username"]: c["presence"] for c in listed} == {bob.username: "online", carol.username: "offline"}
    assert [c["username"] for c in await alice.contacts()] == [carol.username]
    assert await bob.contacts() == []


async def test_a_block_list_holds_each_person_once(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()

    await alice.block(bob.username or "")
    await alice.block(bob.username or "")

    assert await alice.blocks() == [{"user_id": bob.user_id, "username": bob.username}]
    await alice.unblock(bob.username or "")
    await alice.unblock(bob.username or "")
    assert await alice.blocks() == []


@pytest.mark.parametrize(
    ("method", "path", "status", "says"),
    [
        ("PUT", "/v1/contacts/{me}", 400, "yourself"),
        ("POST", "/v1/blocks/{me}", 400, "yourself"),
        ("PUT", "/v1/contacts/nobody_by_that_name", 404, "nobody_by_that_name"),
        ("POST", "/v1/blocks/nobody_by_that_name", 404, "nobody_by_that_name"),
        ("DELETE", "/v1/contacts/nobody_by_that_name", 404, "nobody_by_that_name"),
        ("DELETE", "/v1/blocks/nobody_by_that_name", 404, "nobody_by_that_name"),
        ("PUT", "/v1/contacts/x", 422, "username"),
        ("POST", "/v1/blocks/has%20space", 422, "username"),
        ("GET", "/v1/users", 422, "prefix"),
        ("GET", "/v1/users?prefix=", 422, "prefix"),
        ("GET", "/v1/users?prefix=a%25", 422, "prefix"),
        ("GET", "/v1/users?prefix=ab&limit=0", 422, "limit"),
        ("GET", "/v1/users?prefix=ab&limit=101", 422, "limit"),
    ],
)
async def test_a_bad_request_about_people_answers_4xx_with_a_sentence(
    new_user: ClientFactory, method: str, path: str, status: int, says: str
) -> None:
    alice = await new_user()

    response = await alice.request(method, path.replace("{me}", alice.username or ""))

    assert response.status_code == status
    assert says in response.json()["detail"]


async def test_the_cli_finds_users_keeps_contacts_blocks_and_searches(
    shared_platform: Supervisor, new_user: ClientFactory, tmp_path: Path
) -> None:
    cli = Cli(shared_platform, tmp_path / "config")
    me, friend = await new_user(), await new_user()
    assert (await cli("login", me.username or "", stdin=f"{PASSWORD}\n"))[0] == 0
    room = (await me.create_room("cli search"))["room_id"]
    await me.send(room, "the wombats are loose")

    found = await cli("users", (friend.username or "")[:-2].upper())
    added = await cli("contacts", "add", friend.username or "")
    listed = await cli("contacts")
    blocked = await cli("block", friend.username or "")
    blocks = await cli("blocks")
    unblocked = await cli("unblock", friend.username or "")
    await eventually(lambda: _found(me, "wombats"))
    searched = await cli("search", "WOMBATS", "--room", room)

    assert found[0] == 0 and friend.username in found[1]
    assert added[0] == 0 and f"{friend.username} offline" in added[1]
    assert listed[0] == 0 and friend.username in listed[1]
    assert blocked == (0, f"blocked {friend.username}\n")
    assert blocks[0] == 0 and friend.username in blocks[1]
    assert unblocked == (0, f"unblocked {friend.username}\n")
    assert searched[0] == 0 and "the wombats are loose" in searched[1]
    missing = await cli("contacts", "add")
    assert missing[0] != 0 and "needs the username" in missing[1]


async def _found(client: ChatClient, q: str) -> bool:
    return bool((await client.search(q))["results"])
