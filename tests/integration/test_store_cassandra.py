"""The Cassandra back end passes the same store contract as SQLite, against a real Cassandra 5."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.cassandra import CassandraStore, read_markers
from tests.contract.builders import created, deleted
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
