"""The stats API: counts by user and date, sentiment over time, top lists, rate, failures.

Who sees which figures is `gateway.statistics`' to decide.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from chatcluster.counting import TopKind
from chatcluster.gateway import statistics
from chatcluster.gateway.deps import CurrentUser, GatewayDep, get_current_user
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import Failed, GroupBy, MessageCounts, Rate, SentimentSeries, Step, TopList, Window
from chatcluster.models import ROOM_ID_PATTERN

# Every statistic needs a signed-in user; routes that check rooms also name the user.
router = APIRouter(
    prefix="/v1/stats",
    tags=["stats"],
    dependencies=[Depends(get_current_user)],
    responses=error_responses(*SIGNED_IN, 403, 404),
)

RoomQuery = Annotated[str | None, Query(pattern=ROOM_ID_PATTERN, description="Only this room")]


@router.get("/messages", response_model=MessageCounts, summary="Messages by user, by UTC date, or both")
async def messages(
    user: CurrentUser,
    gw: GatewayDep,
    group_by: GroupBy = GroupBy.USER_DATE,
    from_: Annotated[date | None, Query(alias="from", description="First UTC day, inclusive")] = None,
    to: Annotated[date | None, Query(description="Last UTC day, inclusive")] = None,
    room: RoomQuery = None,
) -> MessageCounts:
    return await statistics.message_counts(gw, user, group_by, from_, to, room)


@router.get("/sentiment", response_model=SentimentSeries, summary="Sentiment counts and mean per step")
async def sentiment(
    user: CurrentUser,
    gw: GatewayDep,
    room: RoomQuery = None,
    from_: Annotated[datetime | None, Query(alias="from", description="Default: 24 hours ago")] = None,
    to: Annotated[datetime | None, Query(description="Default: now")] = None,
    step: Step = Step.MINUTE,
) -> SentimentSeries:
    return await statistics.sentiment_series(gw, user, room, from_, to, step)


@router.get("/top/{kind}", response_model=TopList, summary="Top words, users (nicks) or rooms")
async def top(
    kind: TopKind,
    user: CurrentUser,
    gw: GatewayDep,
    window: Window = Window.ALL,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> TopList:
    return await statistics.top_list(gw, user, kind, window, limit)


@router.get("/rate", response_model=Rate, summary="Messages per second over the last minute")
async def rate(gw: GatewayDep) -> Rate:
    return await statistics.rate(gw)


@router.get("/failed", response_model=Failed, summary="Dead-lettered messages (the CHAT_DLQ stream)")
async def failed(
    user: CurrentUser,
    gw: GatewayDep,
    limit: Annotated[int, Query(ge=0, le=100, description="How many of the latest letters (platform admins)")] = 10,
) -> Failed:
    return await statistics.failed(gw, user, limit)
