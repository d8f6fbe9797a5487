"""Store back ends behind one set of role protocols; `open_store` picks one from the settings.

A caller names the roles it uses (`Accounts`, `Rooms`, `Messages`, `Sentiments`, `Aggregates`,
`Stats`, `ReadMarkers`, `Notifications`, `UserSettingsStore`, `Digests`, `Reactions`, `Pins`, `Blocks`,
`Contacts`); `Store` is all of them, what a
back end implements and `open_store` returns.
"""

from __future__ import annotations

from chatcluster.config import Settings
from chatcluster.store.base import (
    Accounts,
    Aggregates,
    Blocks,
    Contacts,
    Digests,
    JoinResult,
    Lifecycle,
    Messages,
    Notifications,
    Pin,
    Pins,
    Reactions,
    ReadMarkers,
    RoomBan,
    Rooms,
    Sentiments,
    Stats,
    Store,
    StoreUnavailable,
    UserRef,
    UserSettingsStore,
)
from chatcluster.store.sqlite import SqliteStore
from chatcluster.telemetry.messaging import tracing_enabled

__all__ = [
    "Accounts",
    "Aggregates",
    "Blocks",
    "Contacts",
    "Digests",
    "JoinResult",
    "Lifecycle",
    "Messages",
    "Notifications",
    "Pin",
    "Pins",
    "Reactions",
    "ReadMarkers",
    "RoomBan",
    "Rooms",
    "Sentiments",
    "SqliteStore",
    "Stats",
    "Store",
    "StoreUnavailable",
    "UserRef",
    "UserSettingsStore",
    "open_store",
]


async def open_store(settings: Settings) -> Store:
    """SQLite unless `store_url` names a Cassandra cluster (cassandra://hosts/keyspace?rf=3)."""
    store: Store
    if settings.store_url.startswith("cassandra://"):
        from chatcluster.store.cassandra import CassandraStore  # the driver only loads when asked for

        store, system = CassandraStore(settings.store_url), "cassandra"
    else:
        store, system = SqliteStore(settings.sqlite_path()), "sqlite"
    await store.open()
    if tracing_enabled():  # a span per store call; an untraced process calls the store directly
        from chatcluster.telemetry.stores import traced_store

        store = traced_store(store, system)
    return store
