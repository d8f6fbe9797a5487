"""The statistics read back from Cassandra (the `Stats` role): the partitions a query needs, summed here.

Every figure reads one partition per privacy its audience sees (`Audience.private_flags`), so a
public figure never reads a private count.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Unpack

from chatcluster.counting import MINUTE_MS, MessageCount, SentimentStep, TopCount, TopKind, sentiment_row
from chatcluster.privacy import Audience
from chatcluster.store.base import MessageCounts
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.cassandra.schema import ALL_ROOMS, RATE_BUCKET_MS, rate_bucket
from chatcluster.times import epoch_ms


class CassandraStats(CassandraConnection):
    async def stats_messages(self, **query: Unpack[MessageCounts]) -> list[MessageCount]:
        by_day, by_user, room_id = query["by_day"], query["by_user"], query["room_id"]
        from_day, to_day = query["from_day"], query["to_day"]
        days = [r.day for r in await self._q("SELECT day FROM stats_days WHERE scope = 'all'")]
        days = [d for d in days if (from_day is None or d >= from_day) and (to_day is None or d <= to_day)]
        per_day = await self._many(
            (self._q("SELECT day, room_id, user_id, count FROM stats_messages WHERE day = ? AND private = ?", d, p))
            for d in days
            for p in query.get("audience", Audience.PUBLIC).private_flags
        )
        counts: Counter[tuple[str | None, int | None]] = Counter()
        for rows in per_day:
            for r in rows:
                if room_id is None or r.room_id == room_id:
                    counts[(r.day if by_day else None, r.user_id if by_user else None)] += r.count
        names: dict[int, str] = {}
        if by_user:
            for user_id in {u for _, u in counts if u is not None}:
                names[user_id] = await self._username(user_id) or str(user_id)
        return [
            MessageCount(day=day, user_id=user_id, username=names.get(user_id) if user_id else None, count=n)
            for (day, user_id), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or 0))
            if n
        ]

    async def stats_sentiment(
        self, *, room_id: str | None, from_ms: int, to_ms: int, step_ms: int, audience: Audience = Audience.PUBLIC
    ) -> list[SentimentStep]:
        per_privacy = await self._many(
            self._q(
                "SELECT minute, positive, neutral, negative FROM stats_sentiment "
                "WHERE room_id = ? AND private = ? AND minute >= ? AND minute < ?",
                room_id or ALL_ROOMS,
                private,
                from_ms,
                to_ms,
            )
            for private in audience.private_flags
        )
        steps: dict[int, list[int]] = {}
        for rows in per_privacy:
            for r in rows:
                acc = steps.setdefault(r.minute - r.minute % step_ms, [0, 0, 0])
                acc[0] += r.positive or 0
                acc[1] += r.neutral or 0
                acc[2] += r.negative or 0
        return [sentiment_row(start, *acc) for start, acc in sorted(steps.items())]

    async def stats_top(
        self, kind: TopKind, *, since_ms: int | None, limit: int, audience: Audience = Audience.PUBLIC
    ) -> list[TopCount]:
        if since_ms is None:
            partitions = await self._many(
                self._q("SELECT key, count FROM stats_top_total WHERE kind = ? AND private = ?", kind.value, p)
                for p in audience.private_flags
            )
        else:
            now = epoch_ms(datetime.now(UTC))
            partitions = await self._many(
                self._q(
                    "SELECT key, count FROM stats_top_minute WHERE kind = ? AND private = ? AND minute = ?",
                    kind.value,
                    p,
                    m,
                )
                for m in range(since_ms - since_ms % MINUTE_MS, now + 1, MINUTE_MS)
                for p in audience.private_flags
            )
        counts: Counter[str] = Counter()
        for rows in partitions:
            for r in rows:
                counts[r.key] += r.count
        ranked = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
        return [TopCount(key=k, count=n) for k, n in ranked[:limit]]

    async def stats_rate(self, *, from_ms: int, to_ms: int) -> dict[int, int]:
        found: dict[int, int] = {}
        for bucket in range(rate_bucket(from_ms), to_ms, RATE_BUCKET_MS):
            for r in await self._q(
                "SELECT second, count FROM stats_rate WHERE second_bucket = ? AND second >= ? AND second < ?",
                bucket,
                from_ms,
                to_ms,
            ):
                found[r.second] = r.count
        return found
