from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chatcluster.gateway import search as searching
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import MAX_QUERY_CHARS, SearchPage
from chatcluster.models import ROOM_ID_PATTERN, USERNAME_PATTERN, Snowflake

router = APIRouter(prefix="/v1", tags=["search"], responses=error_responses(*SIGNED_IN, 403, 404))

MAX_PAGE = 100


@router.get("/search", response_model=SearchPage, summary="Search the messages of my rooms, newest first")
async def search(
    user: CurrentUser,
    gw: GatewayDep,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Words a message must all hold, any case")
    ],
    room: Annotated[
        str | None, Query(pattern=ROOM_ID_PATTERN, description="Only this room (one of mine); else all of mine")
    ] = None,
    from_user: Annotated[
        str | None, Query(pattern=USERNAME_PATTERN, description="Only messages by this username")
    ] = None,
    before: Annotated[
        Snowflake | None, Query(description="Only messages older than this id: the next page's cursor")
    ] = None,
    after: Annotated[Snowflake | None, Query(description="Only messages newer than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
) -> SearchPage:
    """Messages of the rooms I am a member of holding every word of `q` (edited ones by their current text, deleted
    ones never; none by users I blocked), newest first, each with the places of the matched words in its text."""
    return await searching.search(
        gw, user, q, room_id=room, from_user=from_user, before=before, after=after, limit=limit
    )
