"""The cluster back end, Apache Cassandra through cassandra-driver: one class per role over one shared
session (`connection`), composed here. The schema's versioned migrations are in `schema`."""

from __future__ import annotations

from chatcluster.store.cassandra.accounts import CassandraAccounts
from chatcluster.store.cassandra.aggregates import CassandraAggregates
from chatcluster.store.cassandra.connection import CassandraConfig, write_timestamp
from chatcluster.store.cassandra.creators import CassandraBroadcasts, CassandraCreatorLists
from chatcluster.store.cassandra.media import CassandraMedia
from chatcluster.store.cassandra.messages import CassandraMessages
from chatcluster.store.cassandra.notifications import (
    CassandraDigests,
    CassandraNotifications,
    CassandraUserSettings,
)
from chatcluster.store.cassandra.people import CassandraBlocks, CassandraContacts
from chatcluster.store.cassandra.pins import CassandraPins
from chatcluster.store.cassandra.quizzes import CassandraQuizzes
from chatcluster.store.cassandra.reactions import CassandraReactions
from chatcluster.store.cassandra.read_markers import CassandraReadMarkers
from chatcluster.store.cassandra.rooms import CassandraRooms
from chatcluster.store.cassandra.sentiments import CassandraSentiments
from chatcluster.store.cassandra.stats import CassandraStats

__all__ = ["CassandraConfig", "CassandraStore", "write_timestamp"]


class CassandraStore(
    CassandraAccounts,
    CassandraRooms,
    CassandraMessages,
    CassandraSentiments,
    CassandraAggregates,
    CassandraStats,
    CassandraReadMarkers,
    CassandraNotifications,
    CassandraUserSettings,
    CassandraDigests,
    CassandraReactions,
    CassandraPins,
    CassandraBlocks,
    CassandraContacts,
    CassandraQuizzes,
    CassandraMedia,
    CassandraCreatorLists,
    CassandraBroadcasts,
):
    """Every role of the store on one cluster session."""
