"""The Cassandra back end passes the same store contract as SQLite, against a real Cassandra 5."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatcluster.dev.cassandra import LocalCassandra
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
