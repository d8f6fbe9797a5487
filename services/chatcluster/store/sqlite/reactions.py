"""Reactions in SQLite (the `Reactions` role): one row per (message, emoji, user), present or not, with the event
id that set it; an event with a lower id than the row's changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from chatcluster.models import ReactionEvent, ReactionOp
from chatcluster.reactions import ReactionSummary, StoredReaction, summarize
from chatcluster.store.sqlite.connection import SqliteConnection

_UPSERT_REACTION = """
INSERT INTO reactions (message_id, emoji, user_id, username, present, version)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (message_id, emoji, user_id) DO UPDATE SET
    username = excluded.username,
    present = excluded.present,
    version = excluded.version
WHERE excluded.version > reactions.version
"""


class SqliteReactions(SqliteConnection):
    async def apply_reactions(self, events: Sequence[ReactionEvent]) -> None:
        if not events:
            return
        rows = [
            (e.message_id, e.emoji, e.user_id, e.username, int(e.op is ReactionOp.ADDED), e.event_id) for e in events
        ]
        async with self._write() as db:
            await db.executemany(_UPSERT_REACTION, rows)

    async def reactions_of(self, message_ids: Sequence[int]) -> dict[int, list[ReactionSummary]]:
        if not message_ids:
            return {}
        rows = await self._all(
            "SELECT message_id, emoji, user_id, username, version FROM reactions "
            f"WHERE message_id IN ({','.join('?' * len(message_ids))}) AND present = 1",
            list(message_ids),
        )
        return summarize(
            StoredReaction(r["message_id"], r["emoji"], r["user_id"], r["username"], r["version"]) for r in rows
        )
