"""The statistics: counts by user and date, sentiment over time, top lists, rate, failures.

Figures over many rooms are computed for the caller's audience: public rooms for
everyone, every room (direct messages and private group rooms included) for a
platform admin. A figure of one room is shown whole to whoever may see that room
(`rooms.visible_room`, a platform admin included). The top rooms list only rooms
the caller may see now: a room made private since (its public days still count in
the public figures) or deleted leaves it. The rate and the failure counts are plain
counts and stay global; dead-letter contents (payloads, subjects naming rooms,
errors quoting text) are for platform admins only.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime

from chatcluster.bus import dead_letters
from chatcluster.counting import TopCount, TopKind
from chatcluster.errors import BusUnavailable
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.rooms import visible_room
from chatcluster.gateway.schemas import (
    Failed,
    GroupBy,
    MessageCountRow,
    MessageCounts,
    Rate,
    RatePoint,
    SentimentRow,
    SentimentSeries,
    Step,
    TopEntry,
    TopList,
    Window,
)
from chatcluster.gateway.security import Identity
from chatcluster.privacy import Audience, audience_of
from chatcluster.times import epoch_ms, utc_datetime

MAX_SENTIMENT_POINTS = 5000
DEFAULT_SENTIMENT_SPAN_MS = 86_400_000
RATE_WINDOW_SECONDS = 60
STEP_MS = {Step.MINUTE: 60_000, Step.HOUR: 3_600_000, Step.DAY: 86_400_000}
# The top rooms read this many more than asked, for those the caller may no longer see (private or deleted since).
ROOMS_LEFT_OUT = 50
WINDOW_MS = {Window.HOUR: 3_600_000, Window.DAY: 86_400_000, Window.ALL: None}


async def _audience(gw: Gateway, user: Identity, room_id: str | None) -> Audience:
    """Whose figures the caller sees. One room: all of it, once the caller may see the room. Every room:
    the caller's audience."""
    if room_id is None:
        return audience_of(is_admin=user.is_admin)
    await visible_room(gw, user, room_id, admins_see_private=True)
    return Audience.ALL


async def message_counts(
    gw: Gateway, user: Identity, group_by: GroupBy, from_day: date | None, to_day: date | None, room_id: str | None
) -> MessageCounts:
    if from_day and to_day and from_day > to_day:
        raise ApiError(400, "'from' must not be after 'to'")
    audience = await _audience(gw, user, room_id)
    rows = await gw.store.stats_messages(
        by_user=group_by in (GroupBy.USER, GroupBy.USER_DATE),
        by_day=group_by in (GroupBy.DATE, GroupBy.USER_DATE),
        from_day=from_day.isoformat() if from_day else None,
        to_day=to_day.isoformat() if to_day else None,
        room_id=room_id,
        audience=audience,
    )
    return MessageCounts(group_by=group_by, room=room_id, audience=audience, rows=[MessageCountRow.of(r) for r in rows])


def _ms(moment: datetime) -> int:
    """A time in the query string; one without a zone is UTC."""
    return epoch_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


async def sentiment_series(
    gw: Gateway, user: Identity, room_id: str | None, start: datetime | None, end: datetime | None, step: Step
) -> SentimentSeries:
    # Integer milliseconds, never datetime arithmetic: `to=0001-01-01T00:00:00Z` minus a day would overflow.
    end_ms = _ms(end or datetime.now(UTC))
    start_ms = _ms(start) if start else end_ms - DEFAULT_SENTIMENT_SPAN_MS
    if start_ms >= end_ms:
        raise ApiError(400, "'from' must be before 'to'")
    step_ms = STEP_MS[step]
    if (end_ms - start_ms) // step_ms > MAX_SENTIMENT_POINTS:
        raise ApiError(400, f"too many points: at most {MAX_SENTIMENT_POINTS} steps of a {step}; use a larger step")
    audience = await _audience(gw, user, room_id)
    points = await gw.store.stats_sentiment(
        room_id=room_id, from_ms=start_ms, to_ms=end_ms, step_ms=step_ms, audience=audience
    )
    return SentimentSeries(room=room_id, step=step, audience=audience, points=[SentimentRow.of(p) for p in points])


async def top_list(gw: Gateway, user: Identity, kind: TopKind, window: Window, limit: int) -> TopList:
    window_ms = WINDOW_MS[window]
    since = None if window_ms is None else int(time.time() * 1000) - window_ms
    audience = audience_of(is_admin=user.is_admin)
    if kind is TopKind.ROOMS:
        found = await gw.store.stats_top(kind, since_ms=since, limit=limit + ROOMS_LEFT_OUT, audience=audience)
        entries = (await _visible_entries(gw, user, found))[:limit]
    else:
        entries = await gw.store.stats_top(kind, since_ms=since, limit=limit, audience=audience)
    return TopList(kind=kind, window=window, audience=audience, entries=[TopEntry.of(e) for e in entries])


async def _visible_entries(gw: Gateway, user: Identity, entries: list[TopCount]) -> list[TopCount]:
    """The entries of the top rooms naming a room the caller may see now."""

    async def visible(room_id: str) -> bool:
        try:
            await visible_room(gw, user, room_id, admins_see_private=True)
        except ApiError:
            return False
        return True

    shown = await asyncio.gather(*(visible(e.key) for e in entries))
    return [e for e, show in zip(entries, shown, strict=True) if show]


async def rate(gw: Gateway) -> Rate:
    last = int(time.time())  # the current second counts, though it is still filling
    first = last - RATE_WINDOW_SECONDS + 1
    counts = await gw.store.stats_rate(from_ms=first * 1000, to_ms=(last + 1) * 1000)
    points = [RatePoint(second=utc_datetime(s * 1000), count=counts.get(s * 1000, 0)) for s in range(first, last + 1)]
    return Rate(
        per_second=round(sum(p.count for p in points) / RATE_WINDOW_SECONDS, 3),
        window_seconds=RATE_WINDOW_SECONDS,
        points=points,
    )


async def failed(gw: Gateway, user: Identity, limit: int) -> Failed:
    """Dead-letter counts for everyone; the latest letters themselves for a platform admin only."""
    try:
        letters = await dead_letters(gw.js, limit if user.is_admin else 0)
    except BusUnavailable as exc:
        raise ApiError(503, f"the message bus is unavailable ({exc}); retry shortly") from exc
    return Failed(total=letters.total, by_consumer=letters.by_consumer, recent=letters.recent)
