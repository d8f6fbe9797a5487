"""Store back ends behind one interface; `open_store` picks one from the settings."""

from __future__ import annotations

from chatcluster.config import Settings
from chatcluster.store.base import JoinResult, Store, StoreUnavailable
from chatcluster.store.sqlite import SqliteStore

__all__ = ["JoinResult", "SqliteStore", "Store", "StoreUnavailable", "open_store"]


async def open_store(settings: Settings) -> Store:
    """SQLite unless `store_url` names a Cassandra cluster (cassandra://hosts/keyspace?rf=3)."""
    store: Store
    if settings.store_url.startswith("cassandra://"):
        from chatcluster.store.cassandra import CassandraStore  # the driver only loads when asked for

        store = CassandraStore(settings.store_url)
    else:
        store = SqliteStore(settings.sqlite_path())
    await store.open()
    return store
