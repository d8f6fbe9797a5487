from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.presence import presence_of
from chatcluster.models import Snowflake
from chatcluster.presence import MAX_PRESENCE_QUERY, Status

router = APIRouter(prefix="/v1", tags=["presence"], responses=error_responses(*SIGNED_IN))


@router.get("/presence", response_model=dict[str, Status], summary="Who is online, away or offline")
async def presence(
    _user: CurrentUser,
    gw: GatewayDep,
    users: Annotated[
        list[Snowflake],
        Query(
            alias="user",
            min_length=1,
            max_length=MAX_PRESENCE_QUERY,
            description=f"A user id; repeat it for up to {MAX_PRESENCE_QUERY} users (?user=1&user=2)",
        ),
    ],
) -> dict[str, Status]:
    """Each user's presence, by user id: `online` (a page of theirs is open and in use), `away` (every open page
    is hidden or idle) or `offline` (none is open; also an unknown id). Presence follows the sockets within
    CHATCLUSTER_PRESENCE_TTL_SECONDS, even when a gateway dies."""
    return presence_of(gw.presence, users)
