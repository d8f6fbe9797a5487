from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from chatcluster.gateway import threads
from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.messages import delete_message, edit_message, history_page, read_message, send_message
from chatcluster.gateway.schemas import EditHistory, HistoryPage, MessageEdit, MessageOut, MessageSend, SendAccepted
from chatcluster.models import Snowflake

router = APIRouter(
    prefix="/v1/rooms/{room_id}/messages",
    tags=["messages"],
    responses=error_responses(*SIGNED_IN, 403, 404, 409, 429),
)

MAX_PAGE = 200


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=SendAccepted)
async def send(room_id: RoomIdPath, body: MessageSend, user: CurrentUser, gw: GatewayDep) -> SendAccepted:
    """Accepted once JetStream has the message durably (its PubAck); stored moments later."""
    return await send_message(gw, user, room_id, body)


@router.get("", response_model=HistoryPage)
async def history(
    room_id: RoomIdPath,
    user: CurrentUser,
    gw: GatewayDep,
    before: Annotated[Snowflake | None, Query(description="Messages older than this id")] = None,
    after: Annotated[Snowflake | None, Query(description="Messages newer than this id")] = None,
    around: Annotated[
        Snowflake | None,
        Query(description="A page centred on this message of the room: it, about limit/2 older and the rest newer"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> HistoryPage:
    """At most one of `before`, `after` and `around`; none: the newest page."""
    return await history_page(gw, user, room_id, before, after, limit, around)


@router.get("/{message_id}", response_model=MessageOut)
async def get_one(room_id: RoomIdPath, message_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> MessageOut:
    return await read_message(gw, user, room_id, message_id)


@router.patch("/{message_id}", response_model=MessageOut)
async def edit(
    room_id: RoomIdPath, message_id: Snowflake, body: MessageEdit, user: CurrentUser, gw: GatewayDep
) -> MessageOut:
    return await edit_message(gw, user, room_id, message_id, body)


@router.delete("/{message_id}", response_model=MessageOut)
async def delete(room_id: RoomIdPath, message_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> MessageOut:
    """Deletes leave a tombstone in history so replies and cursors stay valid."""
    return await delete_message(gw, user, room_id, message_id)


@router.get("/{message_id}/replies", response_model=HistoryPage)
async def replies(
    room_id: RoomIdPath,
    message_id: Snowflake,
    user: CurrentUser,
    gw: GatewayDep,
    before: Annotated[Snowflake | None, Query(description="Replies older than this id")] = None,
    after: Annotated[Snowflake | None, Query(description="Replies newer than this id (0: the first)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> HistoryPage:
    """The replies to a message (deleted ones left out), oldest first; the newest page unless a cursor is given."""
    return await threads.replies_page(gw, user, room_id, message_id, before, after, limit)


@router.get("/{message_id}/edits", response_model=EditHistory)
async def edits(room_id: RoomIdPath, message_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> EditHistory:
    """The message's earlier texts, oldest first. For a deleted message, only the room's owners and admins see them
    (every text it had); anyone else gets a 404."""
    return await threads.edit_history(gw, user, room_id, message_id)
