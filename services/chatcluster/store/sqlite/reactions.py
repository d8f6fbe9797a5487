"""Reactions in SQLite (the `Reactions` role)."""

from __future__ import annotations

from chatcluster.store.sqlite.connection import SqliteConnection


class SqliteReactions(SqliteConnection):
    """The `Reactions` role (issue 14)."""
