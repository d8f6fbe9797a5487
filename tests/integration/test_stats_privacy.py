"""Statistics respect privacy, on the real platform: what is said in a direct message or a private group room
never feeds what a non-member sees, dead-letter contents are for platform admins only, and aggregates that wait for a
recount (after the upgrade that gave them their layout) are recounted by the aggregator by itself.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

from chatcluster.aggregator import rebuild
from chatcluster.client import ChatClient
from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import dm_room_id
from chatcluster.privacy import Audience
from chatcluster.store import Store, open_store
from chatcluster.store.sqlite import SqliteStore
from chatcluster.store.sqlite import schema as sqlite_schema
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory, unique_name
from tests.contract.builders import created, scored
from tests.helpers import eventually

# Every durable consumer of chat.msg.> dead-letters an undecodable message on its own.
CHAT_CONSUMERS = ("persister", "scorer", "notifier")
PASSWORD = "correct horse battery"
SECRET = "zanzibar"  # said only in the direct message
HIDDEN = "tortuga"  # said only in a private group room


@pytest.fixture(params=["sqlite", "cassandra"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Each test runs on both stores: the embedded default, and a fresh keyspace of the real Cassandra."""
    if request.param == "sqlite":
        return None
    node: LocalCassandra = request.getfixturevalue("cassandra_node")
    return f"cassandra://127.0.0.1:{node.cql_port}/privacy_{uuid.uuid4().hex[:8]}?rf=1&consistency=ONE"


@pytest.fixture
async def platform(start_platform: PlatformFactory, store_url: str | None) -> Supervisor:
    # No rolling upgrade here, so no aggregator of a previous version to wait for before a recount.
    return await start_platform(recount_grace_seconds=0, **({"store_url": store_url} if store_url else {}))


@pytest.fixture
async def people(platform: Supervisor) -> AsyncIterator[dict[str, ChatClient]]:
    """alice and bob (who share a direct message), eve (an ordinary user) and root (a platform admin)."""
    clients = {name: ChatClient(platform.gateway_url) for name in ("alice", "bob", "eve", "root")}
    for client in clients.values():
        await client.register(unique_name(), PASSWORD)
    await make_admin(platform, clients["root"])
    yield clients
    for client in clients.values():
        await client.aclose()


async def make_admin(platform: Supervisor, client: ChatClient) -> None:
    """What `chatcluster admin grant` does, then a fresh sign-in: the new session carries the role."""
    store = await open_store(platform.settings)
    try:
        assert await store.set_admin(int(client.user_id or 0), True)
    finally:
        await store.close()
    await client.login(client.username or "", PASSWORD)


async def _stats(client: ChatClient, path: str, **params: Any) -> Any:
    return await client.call("GET", f"/v1/stats/{path}", params=params)


async def _per_user(client: ChatClient, **params: Any) -> dict[str, int]:
    rows = (await _stats(client, "messages", group_by="user", **params))["rows"]
    return {r["username"]: r["count"] for r in rows}


async def test_a_direct_message_feeds_only_an_admins_figures_and_its_members_view_of_that_room(
    people: dict[str, ChatClient],
) -> None:
    alice, bob, eve, root = people["alice"], people["bob"], people["eve"], people["root"]
    general = (await alice.create_room("general"))["room_id"]
    await bob.join(general)
    dm = (await alice.dm(bob.username or ""))["room_id"]
    await alice.send(general, "pizza tonight")
    await bob.send(general, "pizza party")
    await alice.send(dm, f"{SECRET} {SECRET} {SECRET}: our secret")
    await bob.send(dm, f"{SECRET} indeed")

    async def all_counted() -> bool:
        return sum((await _per_user(root)).values()) == 4

    await eventually(all_counted, timeout=60, interval=0.25)
    name = {person: client.username for person, client in people.items()}

    for window in ("hour", "day", "all"):
        public_words = await _stats(eve, "top/words", window=window, limit=100)
        assert public_words["audience"] == "public"
        assert {e["key"]: e["count"] for e in public_words["entries"]} == {"pizza": 2, "tonight": 1, "party": 1}
        for member in (alice, bob):  # members of the DM too: the top lists are what everyone sees
            words = await _stats(member, "top/words", window=window, limit=100)
            assert SECRET not in {e["key"] for e in words["entries"]}, window
        admin_words = await _stats(root, "top/words", window=window, limit=100)
        assert admin_words["audience"] == "all"
        assert {e["key"]: e["count"] for e in admin_words["entries"]}[SECRET] == 4, window

        rooms = await _stats(eve, "top/rooms", window=window)
        assert [(e["key"], e["count"]) for e in rooms["entries"]] == [(general, 2)], window
        admin_rooms = await _stats(root, "top/rooms", window=window)
        assert {e["key"]: e["count"] for e in admin_rooms["entries"]} == {general: 2, dm: 2}, window
        users = await _stats(eve, "top/users", window=window)
        assert {e["key"]: e["count"] for e in users["entries"]} == {name["alice"]: 1, name["bob"]: 1}, window

    public_counts = {name["alice"]: 1, name["bob"]: 1}
    assert await _per_user(eve) == public_counts
    assert await _per_user(bob) == public_counts, "a member's all-rooms counts leave the DM out too"
    assert await _per_user(root) == {name["alice"]: 2, name["bob"]: 2}
    in_dm = await _stats(bob, "messages", group_by="user", room=dm)
    assert (in_dm["audience"], {r["username"]: r["count"] for r in in_dm["rows"]}) == ("all", public_counts)
    not_yours = await eve.request("GET", "/v1/stats/messages", params={"room": dm})
    assert (not_yours.status_code, not_yours.json()["detail"]) == (404, f"room '{dm}' does not exist")

    async def sentiment_total(client: ChatClient, **params: Any) -> int:
        points = (await _stats(client, "sentiment", step="hour", **params))["points"]
        return sum(p["positive"] + p["neutral"] + p["negative"] for p in points)

    assert await sentiment_total(eve) == 2
    assert await sentiment_total(alice) == 2
    assert await sentiment_total(root) == 4
    assert await sentiment_total(alice, room=dm) == 2
    assert (await eve.request("GET", "/v1/stats/sentiment", params={"room": dm})).status_code == 404


async def test_a_word_said_only_in_a_private_group_room_never_reaches_a_non_members_top_words_while_an_admin_sees_it(
    people: dict[str, ChatClient],
) -> None:
    alice, bob, eve, root = people["alice"], people["bob"], people["eve"], people["root"]
    general = (await eve.create_room("general"))["room_id"]
    hideout = (await alice.create_room("hideout"))["room_id"]
    await alice.update_room(hideout, private=True)
    await alice.invite(hideout, bob.username or "")
    await eve.send(general, "pizza tonight")
    await alice.send(hideout, f"{HIDDEN} {HIDDEN}: our plans")
    await bob.send(hideout, f"{HIDDEN} agreed")

    async def all_counted() -> bool:
        return sum((await _per_user(root)).values()) == 3

    await eventually(all_counted, timeout=60, interval=0.25)
    name = {person: client.username for person, client in people.items()}

    for window in ("hour", "all"):
        for ordinary in (eve, bob):  # bob is a member, yet the top lists are what everyone sees
            words = await _stats(ordinary, "top/words", window=window, limit=100)
            assert {e["key"]: e["count"] for e in words["entries"]} == {"pizza": 1, "tonight": 1}, window
            rooms = await _stats(ordinary, "top/rooms", window=window)
            assert [(e["key"], e["count"]) for e in rooms["entries"]] == [(general, 1)], window
        admin_words = await _stats(root, "top/words", window=window, limit=100)
        assert {e["key"]: e["count"] for e in admin_words["entries"]}[HIDDEN] == 3, window
        admin_rooms = await _stats(root, "top/rooms", window=window)
        assert {e["key"]: e["count"] for e in admin_rooms["entries"]} == {general: 1, hideout: 2}, window

    assert await _per_user(eve) == {name["eve"]: 1}
    assert await _per_user(root) == {name["alice"]: 1, name["bob"]: 1, name["eve"]: 1}
    not_yours = await eve.request("GET", "/v1/stats/messages", params={"room": hideout})
    assert (not_yours.status_code, not_yours.json()["detail"]) == (404, f"room '{hideout}' does not exist")
    in_room = await _stats(bob, "messages", group_by="user", room=hideout)
    assert {r["username"]: r["count"] for r in in_room["rows"]} == {name["alice"]: 1, name["bob"]: 1}

    # Made public later, the room shows in the top rooms, but what was said while private stays out.
    await alice.update_room(hideout, private=False)
    await eve.send(general, "more pizza")
    await eventually(lambda: _counted(root, 4), timeout=60, interval=0.25)
    words = await _stats(eve, "top/words", window="all", limit=100)
    assert HIDDEN not in {e["key"] for e in words["entries"]}


async def _counted(client: ChatClient, expected: int) -> bool:
    return sum((await _per_user(client)).values()) == expected


async def test_dead_letter_payloads_show_only_to_a_platform_admin_and_their_counts_to_everyone(
    start_platform: PlatformFactory,
) -> None:
    platform = await start_platform()  # the letters live on the bus: one store is enough
    async with ChatClient(platform.gateway_url) as user, ChatClient(platform.gateway_url) as admin:
        await user.register(unique_name(), PASSWORD)
        await admin.register(unique_name(), PASSWORD)
        await make_admin(platform, admin)
        nc = await nats.connect(platform.settings.nats_url)
        await nc.jetstream().publish(f"chat.msg.{dm_room_id(1, 2)}", b"not json at all")
        await nc.close()

        async def both_failed() -> Any:
            failed = await _stats(admin, "failed")
            return failed if len(failed["recent"]) == len(CHAT_CONSUMERS) else None

        seen_by_admin = await eventually(both_failed, timeout=30)
        seen_by_user = await _stats(user, "failed", limit=100)

    assert {letter["consumer"] for letter in seen_by_admin["recent"]} == set(CHAT_CONSUMERS)
    assert all("undecodable payload" in letter["error"] for letter in seen_by_admin["recent"])
    assert all(letter["payload"] == "not json at all" for letter in seen_by_admin["recent"])
    assert all(letter["subject"] == f"chat.msg.{dm_room_id(1, 2)}" for letter in seen_by_admin["recent"])
    assert (seen_by_user["total"], seen_by_user["by_consumer"]) == (
        len(CHAT_CONSUMERS),
        dict.fromkeys(CHAT_CONSUMERS, 1),
    )
    assert seen_by_user["recent"] == [], "an ordinary user sees counts, never what a message said or where"


async def test_aggregates_awaiting_a_recount_are_recounted_by_the_aggregator_and_a_rebuild_equals_them(
    platform: Supervisor, people: dict[str, ChatClient]
) -> None:
    alice, bob, root = people["alice"], people["bob"], people["root"]
    general = (await alice.create_room("general"))["room_id"]
    dm = (await alice.dm(bob.username or ""))["room_id"]
    for i in range(5):
        await alice.send(general, f"pizza {i}")
        await bob.send(dm, f"{SECRET} {i}")

    async def counted(expected: int) -> bool:
        return sum((await _per_user(root)).values()) == expected

    await eventually(lambda: counted(10), timeout=60, interval=0.25)
    queries: list[tuple[str, dict[str, Any]]] = [
        ("messages", {"group_by": "user,date"}),
        ("top/words", {"limit": 20}),
        ("top/rooms", {}),
    ]
    before = {who: [await _stats(people[who], p, **q) for p, q in queries] for who in ("alice", "root")}

    # What the upgrade to this layout leaves: empty aggregates that wait for a recount.
    await platform.kill("aggregator")
    store: Store = await open_store(platform.settings)
    try:
        await store.reset_aggregates()
        assert await _per_user(root) == {}
        await platform.restart("aggregator")
        await eventually(lambda: counted(10), timeout=60, interval=0.25)
        await eventually(lambda: _not(store.recount_pending()), timeout=30)
        rows = await store.stats_messages(
            by_user=False, by_day=False, from_day=None, to_day=None, room_id=None, audience=Audience.ALL
        )
    finally:
        await store.close()
    assert [r.count for r in rows] == [10]
    assert {who: [await _stats(people[who], p, **q) for p, q in queries] for who in ("alice", "root")} == before

    read, recounted = await rebuild(platform.settings)
    assert (read, recounted) == (10, 10)
    assert {who: [await _stats(people[who], p, **q) for p, q in queries] for who in ("alice", "root")} == before


async def _not(pending: Any) -> bool:
    return not await pending


async def test_upgrading_a_sqlite_store_drops_the_unsplittable_counts_and_asks_for_a_recount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = next(i for i, script in enumerate(sqlite_schema.MIGRATIONS) if "stats_recount" in script)
    monkeypatch.setattr(sqlite_schema, "MIGRATIONS", sqlite_schema.MIGRATIONS[:layout])
    old = SqliteStore(tmp_path / "chat.db")
    await old.open()
    await old.db.execute("INSERT INTO agg_counted VALUES (1)")
    await old.db.execute("INSERT INTO agg_top_total VALUES ('words', 'zanzibar', 3)")
    await old.close()
    monkeypatch.undo()

    upgraded = SqliteStore(tmp_path / "chat.db")
    await upgraded.open()
    try:
        async with upgraded.db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'agg_%'") as cur:
            assert await cur.fetchall() == []
        assert await upgraded.recount_pending() is True
        ids = SnowflakeGenerator(worker_id=3)
        dm = dm_room_id(42, 43)
        assert await upgraded.record_aggregates([scored(created(ids, dm, "zanzibar"))]) == 1
        assert (
            await upgraded.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None) == []
        )
    finally:
        await upgraded.close()
