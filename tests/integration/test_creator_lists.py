"""Creators and their lists against the real platform: a platform admin makes a creator, a creator keeps lists
(create, rename, add and remove members, delete), a member leaves a creator's lists, and every refusal is a 4xx
with a sentence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.store import Store, UserRef, open_store
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import eventually


async def refused(call: Any) -> tuple[int, str]:
    with pytest.raises(ApiProblem) as problem:
        await call
    return problem.value.status, problem.value.detail


@pytest.fixture
async def platform_store(shared_platform: Supervisor) -> AsyncIterator[Store]:
    store = await open_store(shared_platform.settings)
    yield store
    await store.close()


async def creator_of(store: Store, client: ChatClient) -> ChatClient:
    await store.set_creator(int(client.user_id or 0), True)
    return client


async def test_a_platform_admin_makes_a_creator_and_nobody_else_can(
    new_user: ClientFactory, platform_store: Store
) -> None:
    admin, alice, bob = await new_user(), await new_user(), await new_user()
    assert await refused(bob.call("PUT", f"/v1/creators/{alice.username}")) == (
        403,
        "only a platform admin can make or unmake a creator",
    )
    assert await refused(alice.call("POST", "/v1/lists", json={"name": "VIP"})) == (
        403,
        "only creators keep lists and broadcast; a platform admin makes a user a creator",
    )
    await platform_store.set_admin(int(admin.user_id or 0), True)

    granted = await eventually(lambda: admin.call("PUT", f"/v1/creators/{alice.username}"))

    assert granted == {"username": alice.username, "creator": True}
    assert (await alice.call("POST", "/v1/lists", json={"name": "VIP"}))["name"] == "VIP"
    assert await refused(admin.call("PUT", "/v1/creators/nobody_at_all")) == (
        404,
        "user 'nobody_at_all' does not exist",
    )


async def test_a_creator_keeps_lists_and_only_they_may_change_them(
    new_user: ClientFactory, platform_store: Store
) -> None:
    alice = await creator_of(platform_store, await new_user())
    bob, carol, mallory = await new_user(), await new_user(), await new_user()
    vip = await alice.call("POST", "/v1/lists", json={"name": "VIP"})
    path = f"/v1/lists/{vip['list_id']}"

    added = await alice.call("POST", f"{path}/members", json={"usernames": [bob.username, carol.username]})
    renamed = await alice.call("PATCH", path, json={"name": "VIPs"})
    await alice.call("DELETE", f"{path}/members/{carol.username}")

    assert added["size"] == 2
    assert renamed == {"list_id": vip["list_id"], "name": "VIPs", "size": 2}
    members = (await alice.call("GET", f"{path}/members"))["members"]
    assert [m["username"] for m in members] == [bob.username]
    assert await refused(mallory.call("PATCH", path, json={"name": "mine"})) == (
        403,
        f"list {vip['list_id']} is not yours: only its creator may change it or broadcast to it",
    )
    assert await refused(alice.call("POST", f"{path}/members", json={"usernames": ["ghost_user_x"]})) == (
        404,
        "user 'ghost_user_x' does not exist",
    )
    await alice.call("DELETE", path)
    assert (await alice.call("GET", "/v1/lists"))["lists"] == []
    assert await refused(alice.call("GET", f"{path}/members")) == (404, f"list {vip['list_id']} does not exist")


async def test_a_member_leaves_every_list_of_a_creator(new_user: ClientFactory, platform_store: Store) -> None:
    alice = await creator_of(platform_store, await new_user())
    bob = await new_user()
    lists = [await alice.call("POST", "/v1/lists", json={"name": name}) for name in ("VIP", "subscribers")]
    for item in lists:
        await alice.call("POST", f"/v1/lists/{item['list_id']}/members", json={"usernames": [bob.username]})

    await bob.call("DELETE", f"/v1/creators/{alice.username}/lists/me")

    assert [item["size"] for item in (await alice.call("GET", "/v1/lists"))["lists"]] == [0, 0]


async def test_a_list_larger_than_the_configured_maximum_is_refused_with_a_sentence(
    new_user: ClientFactory, platform_store: Store, shared_platform: Supervisor
) -> None:
    alice = await creator_of(platform_store, await new_user())
    vip = await alice.call("POST", "/v1/lists", json={"name": "VIP"})
    limit = shared_platform.settings.creator_list_max
    users = [await new_user() for _ in range(2)]
    # The list is filled to the brim directly in the store: registering that many users would take minutes.
    await platform_store.add_list_members(int(vip["list_id"]), [UserRef(10**12 + i, f"n{i}") for i in range(limit)])

    status, detail = await refused(
        alice.call("POST", f"/v1/lists/{vip['list_id']}/members", json={"usernames": [u.username for u in users]})
    )

    assert status == 409
    assert detail == f"list {vip['list_id']} would hold {limit + 2} members, more than the {limit} a list may hold"
