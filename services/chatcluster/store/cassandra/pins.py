"""Pins in Cassandra (the `Pins` role)."""

from __future__ import annotations

from chatcluster.store.cassandra.connection import CassandraConnection


class CassandraPins(CassandraConnection):
    """The `Pins` role (issue 14)."""
