"""Pins in SQLite (the `Pins` role)."""

from __future__ import annotations

from chatcluster.store.sqlite.connection import SqliteConnection


class SqlitePins(SqliteConnection):
    """The `Pins` role (issue 14)."""
