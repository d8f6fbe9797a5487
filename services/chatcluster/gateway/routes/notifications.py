from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chatcluster.gateway import notifications
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import NotificationPage, NotificationsRead, UnreadOut
from chatcluster.models import Snowflake, UserSettings

router = APIRouter(prefix="/v1", tags=["notifications"], responses=error_responses(*SIGNED_IN))

MAX_PAGE = 200


@router.get("/notifications", response_model=NotificationPage, summary="My notifications, newest first")
async def feed(
    user: CurrentUser,
    gw: GatewayDep,
    before: Annotated[Snowflake | None, Query(description="Notifications older than this notification id")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> NotificationPage:
    """Mentions of me, direct messages to me and replies to my messages, with the unread count."""
    return await notifications.feed(gw, user, before, limit)


@router.post("/notifications/read", response_model=UnreadOut, summary="Mark notifications read")
async def mark_read(body: NotificationsRead, user: CurrentUser, gw: GatewayDep) -> UnreadOut:
    """`{"ids": [...]}` marks those, `{"all": true}` every one; answers the unread count left."""
    return await notifications.mark_read(gw, user, body)


@router.get("/settings", response_model=UserSettings, summary="My notification settings")
async def get_settings(user: CurrentUser, gw: GatewayDep) -> UserSettings:
    return await notifications.settings_of(gw, user)


@router.put("/settings", response_model=UserSettings, summary="Replace my notification settings")
async def put_settings(body: UserSettings, user: CurrentUser, gw: GatewayDep) -> UserSettings:
    """The whole object; a field left out takes its default. A bad value answers 422 and saves nothing."""
    return await notifications.save_settings(gw, user, body)
