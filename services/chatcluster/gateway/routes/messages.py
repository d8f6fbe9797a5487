from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.messages import delete_message, edit_message, history_page, read_message, send_message
from chatcluster.gateway.schemas import HistoryPage, MessageEdit, MessageOut, MessageSend, SendAccepted
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
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> HistoryPage:
    return await history_page(gw, user, room_id, before, after, limit)


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
