"""Store back ends behind one interface; `open_store` picks one from the settings."""

from __future__ import annotations

from chatcluster.config import Settings
from chatcluster.store.base import JoinResult, Store, StoreUnavailable
from chatcluster.store.sqlite import SqliteStore

__all__ = ["JoinResult", "SqliteStore", "Store", "StoreUnavailable", "open_store"]


async def open_store(settings: Settings) -> Store:
    store = SqliteStore(settings.sqlite_path())
    await store.open()
    return store
