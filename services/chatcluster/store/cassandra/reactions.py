"""Reactions in Cassandra (the `Reactions` role): one row per (message, emoji, user), written by an add and
deleted by a remove, each with a write timestamp taken from its event id, so the highest event id wins without
read-before-write, whatever order the events land in and however often."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from chatcluster.models import ReactionEvent, ReactionOp
from chatcluster.reactions import ReactionSummary, StoredReaction, summarize
from chatcluster.store.cassandra.connection import CassandraConnection, write_timestamp


class CassandraReactions(CassandraConnection):
    def _reaction_write(self, event: ReactionEvent) -> Awaitable[list[Any]]:
        ts = write_timestamp(event.event_id)
        if event.op is ReactionOp.ADDED:
            return self._q(
                "INSERT INTO reactions (message_id, emoji, user_id, username, event_id) VALUES (?, ?, ?, ?, ?) "
                "USING TIMESTAMP ?",
                event.message_id,
                event.emoji,
                event.user_id,
                event.username,
                event.event_id,
                ts,
            )
        return self._q(
            "DELETE FROM reactions USING TIMESTAMP ? WHERE message_id = ? AND emoji = ? AND user_id = ?",
            ts,
            event.message_id,
            event.emoji,
            event.user_id,
        )

    async def apply_reactions(self, events: Sequence[ReactionEvent]) -> None:
        await self._many(self._reaction_write(event) for event in events)

    async def reactions_of(self, message_ids: Sequence[int]) -> dict[int, list[ReactionSummary]]:
        found = await self._many(
            self._q("SELECT message_id, emoji, user_id, username, event_id FROM reactions WHERE message_id = ?", m)
            for m in dict.fromkeys(message_ids)
        )
        return summarize(
            StoredReaction(r.message_id, r.emoji, r.user_id, r.username, r.event_id) for rows in found for r in rows
        )
