"""The Cassandra back end passes the same store contract as SQLite, against a real Cassandra 5."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatcluster.devcassandra import LocalCassandra
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, MessageEvent
from chatcluster.store.cassandra import CassandraStore
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


async def test_search_finds_messages_by_word_in_one_room(migrated: CassandraStore) -> None:
    ids = SnowflakeGenerator(worker_id=77)
    events = []
    for room, text in (("search-a", "the pizza is ready"), ("search-a", "coffee time"), ("search-b", "pizza too")):
        message_id = ids.next_id()
        message = Message(message_id=message_id, room_id=room, author_id=1, author="alice", text=text)
        events.append(MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message))
    await migrated.apply_events(events)
    found = await migrated.search("search-a", "pizza")
    assert [m.text for m in found] == ["the pizza is ready"]
