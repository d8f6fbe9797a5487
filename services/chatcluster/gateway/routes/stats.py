"""The stats API: counts by user and date, sentiment over time, top lists, rate, failures."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from nats.errors import Error as NatsError
from pydantic import BaseModel, Field

from chatcluster.aggregation import MessageCountRow, SentimentRow, TopEntry, TopKind
from chatcluster.bus import DLQ_STREAM, DLQ_SUBJECT_PREFIX
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.deps import CurrentUser, GatewayDep, get_current_user
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.security import Identity
from chatcluster.models import ROOM_ID_PATTERN, DeadLetter, RoomKind

# Every statistic needs a signed-in user; routes that check rooms also name the user.
router = APIRouter(prefix="/v1/stats", tags=["stats"], dependencies=[Depends(get_current_user)])

MAX_SENTIMENT_POINTS = 5000
DEFAULT_SENTIMENT_SPAN_MS = 86_400_000
RATE_WINDOW_SECONDS = 60


class GroupBy(StrEnum):
    USER = "user"
    DATE = "date"
    USER_DATE = "user,date"


class Step(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"
    ALL = "all"


STEP_MS = {Step.MINUTE: 60_000, Step.HOUR: 3_600_000, Step.DAY: 86_400_000}
WINDOW_MS = {Window.HOUR: 3_600_000, Window.DAY: 86_400_000, Window.ALL: None}


class MessageCounts(BaseModel):
    group_by: GroupBy
    room: str | None
    rows: list[MessageCountRow]


class SentimentSeries(BaseModel):
    room: str | None
    step: Step
    points: list[SentimentRow]


class TopList(BaseModel):
    kind: TopKind
    window: Window
    entries: list[TopEntry]


class RatePoint(BaseModel):
    second: datetime
    count: int


class Rate(BaseModel):
    per_second: float = Field(description="Mean messages per second over the window")
    window_seconds: int
    points: list[RatePoint] = Field(description="One point per second, zeros included, oldest first")


class Failed(BaseModel):
    total: int
    by_consumer: dict[str, int]
    recent: list[DeadLetter] = Field(description="The latest dead letters, newest first")


RoomQuery = Annotated[str | None, Query(pattern=ROOM_ID_PATTERN, description="Only this room")]


async def _check_room(gw: Gateway, user: Identity, room_id: str | None) -> None:
    """Group rooms are open to every analyst; a direct-message room only to its two members."""
    if room_id is None:
        return
    room = await gw.room(room_id)
    if room is None or (room.kind is RoomKind.DIRECT and not await gw.store.is_member(room_id, user.user_id)):
        raise not_found(f"room '{room_id}'")


@router.get("/messages", response_model=MessageCounts, summary="Messages by user, by UTC date, or both")
async def messages(
    user: CurrentUser,
    gw: GatewayDep,
    group_by: GroupBy = GroupBy.USER_DATE,
    from_: Annotated[date | None, Query(alias="from", description="First UTC day, inclusive")] = None,
    to: Annotated[date | None, Query(description="Last UTC day, inclusive")] = None,
    room: RoomQuery = None,
) -> MessageCounts:
    if from_ and to and from_ > to:
        raise ApiError(400, "'from' must not be after 'to'")
    await _check_room(gw, user, room)
    rows = await gw.store.stats_messages(
        by_user=group_by in (GroupBy.USER, GroupBy.USER_DATE),
        by_day=group_by in (GroupBy.DATE, GroupBy.USER_DATE),
        from_day=from_.isoformat() if from_ else None,
        to_day=to.isoformat() if to else None,
        room_id=room,
    )
    return MessageCounts(group_by=group_by, room=room, rows=rows)


def _ms(moment: datetime) -> int:
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000)


@router.get("/sentiment", response_model=SentimentSeries, summary="Sentiment counts and mean per step")
async def sentiment(
    user: CurrentUser,
    gw: GatewayDep,
    room: RoomQuery = None,
    from_: Annotated[datetime | None, Query(alias="from", description="Default: 24 hours ago")] = None,
    to: Annotated[datetime | None, Query(description="Default: now")] = None,
    step: Step = Step.MINUTE,
) -> SentimentSeries:
    # Integer milliseconds, never datetime arithmetic: `to=0001-01-01T00:00:00Z` minus a day would overflow.
    end_ms = _ms(to or datetime.now(UTC))
    start_ms = _ms(from_) if from_ else end_ms - DEFAULT_SENTIMENT_SPAN_MS
    if start_ms >= end_ms:
        raise ApiError(400, "'from' must be before 'to'")
    step_ms = STEP_MS[step]
    if (end_ms - start_ms) // step_ms > MAX_SENTIMENT_POINTS:
        raise ApiError(400, f"too many points: at most {MAX_SENTIMENT_POINTS} steps of a {step}; use a larger step")
    await _check_room(gw, user, room)
    points = await gw.store.stats_sentiment(room_id=room, from_ms=start_ms, to_ms=end_ms, step_ms=step_ms)
    return SentimentSeries(room=room, step=step, points=points)


@router.get("/top/{kind}", response_model=TopList, summary="Top words, users (nicks) or rooms")
async def top(
    kind: TopKind,
    gw: GatewayDep,
    window: Window = Window.ALL,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopList:
    window_ms = WINDOW_MS[window]
    since = None if window_ms is None else int(time.time() * 1000) - window_ms
    # Direct-message rooms are private: over-fetch, then keep group rooms only.
    fetch = limit * 3 + 20 if kind is TopKind.ROOMS else limit
    entries = await gw.store.stats_top(kind, since_ms=since, limit=fetch)
    if kind is TopKind.ROOMS:
        entries = [e for e in entries if not e.key.startswith("dm-")][:limit]
    return TopList(kind=kind, window=window, entries=entries)


@router.get("/rate", response_model=Rate, summary="Messages per second over the last minute")
async def rate(gw: GatewayDep) -> Rate:
    last = int(time.time())  # the current second counts, though it is still filling
    first = last - RATE_WINDOW_SECONDS + 1
    counts = await gw.store.stats_rate(from_ms=first * 1000, to_ms=(last + 1) * 1000)
    points = [
        RatePoint(second=datetime.fromtimestamp(s, tz=UTC), count=counts.get(s * 1000, 0))
        for s in range(first, last + 1)
    ]
    return Rate(
        per_second=round(sum(p.count for p in points) / RATE_WINDOW_SECONDS, 3),
        window_seconds=RATE_WINDOW_SECONDS,
        points=points,
    )


@router.get("/failed", response_model=Failed, summary="Dead-lettered messages (the CHAT_DLQ stream)")
async def failed(gw: GatewayDep, limit: Annotated[int, Query(ge=0, le=100)] = 10) -> Failed:
    try:
        info = await gw.js.stream_info(DLQ_STREAM, subjects_filter=">")
        recent: list[DeadLetter] = []
        sequence = info.state.last_seq
        while len(recent) < limit and sequence >= max(info.state.first_seq, 1) and info.state.messages:
            raw = await gw.js.get_msg(DLQ_STREAM, seq=sequence, direct=True)
            recent.append(DeadLetter.model_validate_json(raw.data or b""))
            sequence -= 1
    except (NatsError, TimeoutError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc
    by_consumer = {s.removeprefix(DLQ_SUBJECT_PREFIX): n for s, n in (info.state.subjects or {}).items()}
    return Failed(total=info.state.messages, by_consumer=by_consumer, recent=recent)
