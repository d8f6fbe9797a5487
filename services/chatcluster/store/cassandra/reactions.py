"""Reactions in Cassandra (the `Reactions` role)."""

from __future__ import annotations

from chatcluster.store.cassandra.connection import CassandraConnection


class CassandraReactions(CassandraConnection):
    """The `Reactions` role (issue 14)."""
