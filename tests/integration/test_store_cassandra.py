"""The Cassandra back end passes the same store contract as SQLite, against a real Cassandra 5."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.cassandra import CassandraStore, people, read_markers
from tests.contract.builders import created, deleted, new_user
from tests.contract.store_contract import StoreContract

KEYSPACE = "contract"


@pytest.fixture(scope="session")
async def migrated(cassandra_node: LocalCassandra) -> AsyncIterator[CassandraStore]:
    store = CassandraStore(f"cassandra://127.0.0.1:{cassandra_node.cql_port}/{KEYSPACE}?rf=1&consistency=ONE")
    await store.open()
    yield store
    await store.close()


class TestCassandraStore(StoreContract):
    @pytest.fixture
    async def store(self, migrated: CassandraStore) -> AsyncIterator[CassandraStore]:
        """The contract wants an empty store: truncate every table rather than migrate again per test."""
        tables = await migrated._run(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (KEYSPACE,)
        )
        for row in tables:
            if row.table_name not in {"schema_migrations", "schema_lock"}:
                await migrated._run(f"TRUNCATE {row.table_name}")
        yield migrated


async def test_migrating_twice_applies_nothing_the_second_time(migrated: CassandraStore) -> None:
    assert await migrated.migrate() == []


async def test_an_unread_count_pages_through_a_bucket_and_stops_at_its_cap(
    migrated: CassandraStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_markers, "PAGE", 3)  # the real page is 5,000 messages: too many for a test
    ids = SnowflakeGenerator(worker_id=23)
    room = f"paged-{ids.next_id()}"
    events = [created(ids, room, f"message {n}") for n in range(11)]
    await migrated.apply_events(events)
    await migrated.apply_events([deleted(events[5], ids.next_id())])

    assert await migrated.count_after(room, 0, cap=100) == 10
    assert await migrated.count_after(room, events[1].message.message_id, cap=100) == 8
    assert await migrated.count_after(room, 0, cap=7) == 7
    assert await migrated.count_after(room, 0, cap=11) == 11


async def test_accounts_made_before_the_user_directory_are_copied_into_it_once(
    migrated: CassandraStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(people, "BACKFILL_PAGE", 2)  # the real page is 1,000 accounts: read several pages here
    ids = SnowflakeGenerator(worker_id=24)
    stem = f"early{ids.next_id() % 1_000_000}_"
    accounts = [new_user(ids, f"{stem}{n}") for n in range(5)]
    for account in accounts:
        assert await migrated.create_user(account)
    assert await migrated.delete_user(accounts[4].user_id)
    # As a store of the version before the directory leaves it: accounts, no directory rows, the copy pending.
    await migrated._run("TRUNCATE users_by_prefix")
    await migrated._run("INSERT INTO directory_backfill (name) VALUES ('pending')")

    assert await migrated.migrate() == []

    assert [u.username for u in await migrated.users_by_prefix(stem, 10)] == [a.username for a in accounts[:4]]
    assert await migrated._run("SELECT name FROM directory_backfill") == []
