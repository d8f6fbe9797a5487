"""The statistics' counts in SQLite (the `Aggregates` role): marked counted and added in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

import aiosqlite

from chatcluster.counting import AggregateDelta, TopKind, countable, delta_of
from chatcluster.models import ScoredEvent
from chatcluster.store.rows import AGGREGATE_TABLES
from chatcluster.store.sqlite.connection import SqliteConnection


async def _apply_delta(db: aiosqlite.Connection, delta: AggregateDelta) -> None:
    await db.executemany(
        "INSERT INTO stats_messages VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO UPDATE SET count = count + excluded.count, username = excluded.username",
        [(k.day, k.room_id, k.user_id, k.private, k.username, n) for k, n in delta.messages.items()],
    )
    await db.executemany(
        "INSERT INTO stats_sentiment VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
        "positive = positive + excluded.positive, neutral = neutral + excluded.neutral, "
        "negative = negative + excluded.negative",
        [(k.room_id, k.minute, k.private, c.positive, c.neutral, c.negative) for k, c in delta.sentiment.items()],
    )
    await db.executemany(
        "INSERT INTO stats_top_minute VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count",
        [(k.kind.value, k.private, k.minute, k.key, n) for k, n in delta.top.items()],
    )
    await db.executemany(
        "INSERT INTO stats_top_total VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count",
        [(kind.value, private, key, n) for (kind, private, key), n in delta.top_totals().items()],
    )
    await db.executemany(
        "INSERT INTO stats_rate VALUES (?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count",
        list(delta.per_second.items()),
    )


class SqliteAggregates(SqliteConnection):
    async def record_aggregates(self, scored: Sequence[ScoredEvent]) -> int:
        candidates = countable(scored)
        if not candidates:
            return 0
        async with self._write() as db:
            marks = ",".join("?" * len(candidates))
            async with db.execute(
                f"SELECT message_id FROM stats_counted WHERE message_id IN ({marks})", list(candidates)
            ) as cur:
                seen = {row[0] for row in await cur.fetchall()}
            fresh = [event for message_id, event in candidates.items() if message_id not in seen]
            await db.executemany("INSERT INTO stats_counted VALUES (?)", [(e.message.message_id,) for e in fresh])
            await _apply_delta(db, delta_of(fresh))
            return len(fresh)

    async def reset_aggregates(self) -> None:
        async with self._write() as db:
            for table in AGGREGATE_TABLES:
                await db.execute(f"DELETE FROM {table}")
            await db.execute("INSERT INTO stats_recount VALUES (1) ON CONFLICT DO NOTHING")

    async def recount_pending(self) -> bool:
        return await self._one("SELECT 1 FROM stats_recount") is not None

    async def recount_done(self) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM stats_recount")

    async def prune_aggregates(self, older_than_ms: int) -> None:
        kinds = tuple(kind.value for kind in TopKind)
        async with self._write() as db:
            # Naming every kind and privacy lets the primary key find the old minutes without a scan.
            await db.execute(
                f"DELETE FROM stats_top_minute WHERE kind IN ({','.join('?' * len(kinds))}) "
                "AND private IN (0, 1) AND minute < ?",
                (*kinds, older_than_ms),
            )
            await db.execute("DELETE FROM stats_rate WHERE second < ?", (older_than_ms,))
