"""Blocks and Contacts in Cassandra (the `Blocks` and `Contacts` roles)."""

from __future__ import annotations

from chatcluster.store.cassandra.connection import CassandraConnection


class CassandraBlocks(CassandraConnection):
    """The `Blocks` role (issue 14)."""


class CassandraContacts(CassandraConnection):
    """The `Contacts` role (issue 14)."""
