"""Blocks and Contacts in SQLite (the `Blocks` and `Contacts` roles)."""

from __future__ import annotations

from chatcluster.store.sqlite.connection import SqliteConnection


class SqliteBlocks(SqliteConnection):
    """The `Blocks` role (issue 14)."""


class SqliteContacts(SqliteConnection):
    """The `Contacts` role (issue 14)."""
