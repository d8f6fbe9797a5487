"""The embedded SQLite back end: one class per role over one shared connection, composed here.

WAL mode lets the gateway and the consumers of one machine share the file; every write is one
immediate transaction. The tables follow the Cassandra layout (`schema`), so both back ends answer
the same queries the same way.
"""

from __future__ import annotations

from chatcluster.store.sqlite.accounts import SqliteAccounts
from chatcluster.store.sqlite.aggregates import SqliteAggregates
from chatcluster.store.sqlite.creators import SqliteBroadcasts, SqliteCreatorLists
from chatcluster.store.sqlite.media import SqliteMedia
from chatcluster.store.sqlite.messages import SqliteMessages
from chatcluster.store.sqlite.notifications import SqliteDigests, SqliteNotifications, SqliteUserSettings
from chatcluster.store.sqlite.people import SqliteBlocks, SqliteContacts
from chatcluster.store.sqlite.pins import SqlitePins
from chatcluster.store.sqlite.quizzes import SqliteQuizzes
from chatcluster.store.sqlite.reactions import SqliteReactions
from chatcluster.store.sqlite.read_markers import SqliteReadMarkers
from chatcluster.store.sqlite.rooms import SqliteRooms
from chatcluster.store.sqlite.schema import MIGRATIONS
from chatcluster.store.sqlite.sentiments import SqliteSentiments
from chatcluster.store.sqlite.stats import SqliteStats

__all__ = ["MIGRATIONS", "SqliteStore"]


class SqliteStore(
    SqliteAccounts,
    SqliteRooms,
    SqliteMessages,
    SqliteSentiments,
    SqliteAggregates,
    SqliteStats,
    SqliteReadMarkers,
    SqliteNotifications,
    SqliteUserSettings,
    SqliteDigests,
    SqliteReactions,
    SqlitePins,
    SqliteBlocks,
    SqliteContacts,
    SqliteQuizzes,
    SqliteMedia,
    SqliteCreatorLists,
    SqliteBroadcasts,
):
    """Every role of the store on one file."""
