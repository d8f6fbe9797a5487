"""The statistics' counts in Cassandra (the `Aggregates` role): counter tables keyed by their queries.

A lightweight transaction claims each message once in `stats_counted`; only the winner adds its
counts, so a redelivery, a replay or two aggregators at once never count a message twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from chatcluster.counting import AggregateDelta, countable, delta_of
from chatcluster.models import ScoredEvent
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.cassandra.schema import ALL_ROOMS, rate_bucket
from chatcluster.store.rows import AGGREGATE_TABLES

_ADD_MESSAGES = (
    "UPDATE stats_messages SET count = count + ? WHERE day = ? AND private = ? AND room_id = ? AND user_id = ?"
)
_ADD_SENTIMENT = (
    "UPDATE stats_sentiment SET positive = positive + ?, neutral = neutral + ?, negative = negative + ? "
    "WHERE room_id = ? AND private = ? AND minute = ?"
)
_ADD_TOP_MINUTE = (
    "UPDATE stats_top_minute SET count = count + ? WHERE kind = ? AND private = ? AND minute = ? AND key = ?"
)
_ADD_TOP_TOTAL = "UPDATE stats_top_total SET count = count + ? WHERE kind = ? AND private = ? AND key = ?"
_ADD_RATE = "UPDATE stats_rate SET count = count + ? WHERE second_bucket = ? AND second = ?"


class CassandraAggregates(CassandraConnection):
    async def record_aggregates(self, scored: Sequence[ScoredEvent]) -> int:
        candidates = countable(scored)
        claims = await self._many(
            (self._q("INSERT INTO stats_counted (message_id) VALUES (?) IF NOT EXISTS", mid)) for mid in candidates
        )
        fresh = [event for (mid, event), claim in zip(candidates.items(), claims, strict=True) if claim[0][0]]
        await self._apply_delta(delta_of(fresh))
        return len(fresh)

    async def _apply_delta(self, delta: AggregateDelta) -> None:
        writes: list[Awaitable[list[Any]]] = []
        for count, n in delta.messages.items():
            writes.append(self._q(_ADD_MESSAGES, n, count.day, count.private, count.room_id, count.user_id))
        for day in {count.day for count in delta.messages}:
            writes.append(self._q("INSERT INTO stats_days (scope, day) VALUES ('all', ?)", day))
        for cell, c in delta.sentiment.items():
            for target in (cell.room_id, ALL_ROOMS):
                writes.append(
                    self._q(_ADD_SENTIMENT, c.positive, c.neutral, c.negative, target, cell.private, cell.minute)
                )
        for top, n in delta.top.items():
            writes.append(self._q(_ADD_TOP_MINUTE, n, top.kind.value, top.private, top.minute, top.key))
        for (kind, private, key), n in delta.top_totals().items():
            writes.append(self._q(_ADD_TOP_TOTAL, n, kind.value, private, key))
        for second, n in delta.per_second.items():
            writes.append(self._q(_ADD_RATE, n, rate_bucket(second), second))
        await self._many(writes)

    async def reset_aggregates(self) -> None:
        for table in (*AGGREGATE_TABLES, "stats_days"):
            await self._run(f"TRUNCATE {table}")
        await self._q("INSERT INTO stats_recount (name) VALUES ('pending')")

    async def recount_pending(self) -> bool:
        return bool(await self._q("SELECT name FROM stats_recount WHERE name = 'pending'"))

    async def recount_done(self) -> None:
        await self._q("DELETE FROM stats_recount WHERE name = 'pending'")

    async def prune_aggregates(self, older_than_ms: int) -> None:
        """Not yet: counter tables take no TTL, so per-minute detail is kept (queries only read recent
        partitions, so it costs disk, not speed). Deleting old minute partitions is the next step."""
