"""The statistics read back from SQLite (the `Stats` role): grouped and summed in SQL."""

from __future__ import annotations

from typing import Any, Unpack

from chatcluster.counting import MessageCount, SentimentStep, TopCount, TopKind, sentiment_row
from chatcluster.privacy import Audience
from chatcluster.store.base import MessageCounts
from chatcluster.store.sqlite.connection import SqliteConnection


def _private_in(audience: Audience) -> str:
    """The condition keeping the counts of the rooms this audience sees; its parameters are `private_flags`."""
    return f"private IN ({','.join('?' * len(audience.private_flags))})"


class SqliteStats(SqliteConnection):
    async def stats_messages(self, **query: Unpack[MessageCounts]) -> list[MessageCount]:
        by_day, by_user, audience = query["by_day"], query["by_user"], query.get("audience", Audience.PUBLIC)
        groups = [c for c, wanted in (("day", by_day), ("user_id", by_user)) if wanted]
        select = ", ".join([*groups, *(["MAX(username) AS username"] if by_user else []), "SUM(count) AS count"])
        where: list[str] = [_private_in(audience)]
        params: list[Any] = [*audience.private_flags]
        for clause, value in (
            ("day >= ?", query["from_day"]),
            ("day <= ?", query["to_day"]),
            ("room_id = ?", query["room_id"]),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        group = f" GROUP BY {', '.join(groups)} ORDER BY {', '.join(groups)}" if groups else ""
        rows = await self._all(f"SELECT {select} FROM stats_messages WHERE {' AND '.join(where)}{group}", params)
        return [
            MessageCount(
                day=row["day"] if by_day else None,
                user_id=row["user_id"] if by_user else None,
                username=row["username"] if by_user else None,
                count=row["count"] or 0,
            )
            for row in rows
            if row["count"] is not None
        ]

    async def stats_sentiment(
        self, *, room_id: str | None, from_ms: int, to_ms: int, step_ms: int, audience: Audience = Audience.PUBLIC
    ) -> list[SentimentStep]:
        room_clause = "AND room_id = ?" if room_id is not None else ""
        params: list[Any] = [
            step_ms,
            step_ms,
            *audience.private_flags,
            from_ms,
            to_ms,
            *([room_id] if room_id is not None else []),
        ]
        rows = await self._all(
            "SELECT (minute / ?) * ? AS start, SUM(positive), SUM(neutral), SUM(negative) FROM stats_sentiment "
            f"WHERE {_private_in(audience)} AND minute >= ? AND minute < ? {room_clause} GROUP BY start ORDER BY start",
            params,
        )
        return [sentiment_row(r[0], r[1], r[2], r[3]) for r in rows]

    async def stats_top(
        self, kind: TopKind, *, since_ms: int | None, limit: int, audience: Audience = Audience.PUBLIC
    ) -> list[TopCount]:
        flags = audience.private_flags
        if since_ms is None and len(flags) == 1:
            rows = await self._all(  # one privacy: the count index answers in order
                "SELECT key, count FROM stats_top_total WHERE kind = ? AND private = ? "
                "ORDER BY count DESC, key LIMIT ?",
                (kind.value, *flags, limit),
            )
        elif since_ms is None:
            rows = await self._all(
                f"SELECT key, SUM(count) AS total FROM stats_top_total WHERE kind = ? AND {_private_in(audience)} "
                "GROUP BY key ORDER BY total DESC, key LIMIT ?",
                (kind.value, *flags, limit),
            )
        else:
            rows = await self._all(
                "SELECT key, SUM(count) AS total FROM stats_top_minute "
                f"WHERE kind = ? AND {_private_in(audience)} AND minute >= ? "
                "GROUP BY key ORDER BY total DESC, key LIMIT ?",
                (kind.value, *flags, since_ms, limit),
            )
        return [TopCount(key=r[0], count=r[1]) for r in rows]

    async def stats_rate(self, *, from_ms: int, to_ms: int) -> dict[int, int]:
        rows = await self._all(
            "SELECT second, count FROM stats_rate WHERE second >= ? AND second < ?", (from_ms, to_ms)
        )
        return {r[0]: r[1] for r in rows}
