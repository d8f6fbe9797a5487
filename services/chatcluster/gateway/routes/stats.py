"""The stats API: counts by user and date, sentiment over time, top lists, rate, failures.

Figures over many rooms are computed for the caller's audience: public rooms for
everyone, every room (direct messages included) for a platform admin. A figure
of one room is shown whole to whoever may read that room. The rate and the
failure counts are plain counts and stay global; dead-letter contents (payloads,
subjects naming rooms, errors quoting text) are for platform admins only.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from chatcluster.aggregation import MessageCountRow, SentimentRow, TopEntry, TopKind
from chatcluster.bus import dead_letters
from chatcluster.errors import BusUnavailable
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.deps import CurrentUser, GatewayDep, get_current_user
from chatcluster.gateway.errors import SIGNED_IN, ApiError, error_responses, not_found
from chatcluster.gateway.security import Identity
from chatcluster.models import ROOM_ID_PATTERN, DeadLetter
from chatcluster.privacy import Audience, audience_of, is_private_room

# Every statistic needs a signed-in user; routes that check rooms also name the user.
router = APIRouter(
    prefix="/v1/stats",
    tags=["stats"],
    dependencies=[Depends(get_current_user)],
    responses=error_responses(*SIGNED_IN, 403, 404),
)

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


AUDIENCE_DESCRIPTION = (
    "The rooms counted: 'public' (rooms anyone may read; direct messages never count) or 'all' "
    "(every room: for a platform admin, or for the one room asked about)"
)


class MessageCounts(BaseModel):
    group_by: GroupBy
    room: str | None
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    rows: list[MessageCountRow]


class SentimentSeries(BaseModel):
    room: str | None
    step: Step
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    points: list[SentimentRow]


class TopList(BaseModel):
    kind: TopKind
    window: Window
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
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
    recent: list[DeadLetter] = Field(
        description="The latest dead letters with their payloads, newest first: for a platform admin only "
        "(always empty for everyone else: payloads, subjects and errors show what was said in any room)"
    )


RoomQuery = Annotated[str | None, Query(pattern=ROOM_ID_PATTERN, description="Only this room")]


async def _audience(gw: Gateway, user: Identity, room_id: str | None) -> Audience:
    """Whose figures the caller sees. One room: all of it, once the caller may read it (a public room:
    everyone; a private one: its members and platform admins). Every room: the caller's audience."""
    if room_id is None:
        return audience_of(is_admin=user.is_admin)
    room = await gw.room(room_id)
    if room is None or (
        is_private_room(room.room_id) and not user.is_admin and not await gw.store.is_member(room_id, user.user_id)
    ):
        raise not_found(f"room '{room_id}'")
    return Audience.ALL


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
    audience = await _audience(gw, user, room)
    rows = await gw.store.stats_messages(
        by_user=group_by in (GroupBy.USER, GroupBy.USER_DATE),
        by_day=group_by in (GroupBy.DATE, GroupBy.USER_DATE),
        from_day=from_.isoformat() if from_ else None,
        to_day=to.isoformat() if to else None,
        room_id=room,
        audience=audience,
    )
    return MessageCounts(group_by=group_by, room=room, audience=audience, rows=rows)


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
    audience = await _audience(gw, user, room)
    points = await gw.store.stats_sentiment(
        room_id=room, from_ms=start_ms, to_ms=end_ms, step_ms=step_ms, audience=audience
    )
    return SentimentSeries(room=room, step=step, audience=audience, points=points)


@router.get("/top/{kind}", response_model=TopList, summary="Top words, users (nicks) or rooms")
async def top(
    kind: TopKind,
    user: CurrentUser,
    gw: GatewayDep,
    window: Window = Window.ALL,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopList:
    window_ms = WINDOW_MS[window]
    since = None if window_ms is None else int(time.time() * 1000) - window_ms
    audience = audience_of(is_admin=user.is_admin)
    entries = await gw.store.stats_top(kind, since_ms=since, limit=limit, audience=audience)
    return TopList(kind=kind, window=window, audience=audience, entries=entries)


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
async def failed(
    user: CurrentUser,
    gw: GatewayDep,
    limit: Annotated[int, Query(ge=0, le=100, description="How many of the latest letters (platform admins)")] = 10,
) -> Failed:
    try:
        letters = await dead_letters(gw.js, limit if user.is_admin else 0)
    except BusUnavailable as exc:
        raise ApiError(503, f"the message bus is unavailable ({exc}); retry shortly") from exc
    return Failed(total=letters.total, by_consumer=letters.by_consumer, recent=letters.recent)
