from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from chatcluster.gateway import direct, read_state, rooms
from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import MembersOut, RoomCreate, RoomOut, RoomSummary
from chatcluster.models import USERNAME_PATTERN

router = APIRouter(prefix="/v1", tags=["rooms"], responses=error_responses(*SIGNED_IN, 403, 404, 409))


@router.post("/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomOut)
async def create_room(body: RoomCreate, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    return await rooms.create_room(gw, user, body.name)


@router.get("/rooms", response_model=list[RoomSummary], summary="List my rooms with what is new in each")
async def my_rooms(user: CurrentUser, gw: GatewayDep) -> list[RoomSummary]:
    """My rooms, newest activity first, each with its unread count (capped: `unread_capped` means 9,999+),
    unread mentions, last message and my read marker."""
    return await read_state.summaries(gw, user)


@router.get("/rooms/directory", response_model=list[RoomOut], summary="List group rooms anyone can join")
async def directory(
    _user: CurrentUser, gw: GatewayDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[RoomOut]:
    return await rooms.directory(gw, limit)


@router.get("/rooms/{room_id}", response_model=RoomOut)
async def get_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    return await rooms.get_room(gw, user, room_id)


@router.post("/rooms/{room_id}/join", response_model=RoomOut)
async def join_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    return await rooms.join_room(gw, user, room_id)


@router.post("/rooms/{room_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> None:
    await rooms.leave_room(gw, user, room_id)


@router.get("/rooms/{room_id}/members", response_model=MembersOut)
async def members(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> MembersOut:
    return await rooms.members(gw, user, room_id)


@router.post("/dms/{username}", response_model=RoomOut, tags=["direct messages"])
async def open_dm(
    username: Annotated[str, Path(pattern=USERNAME_PATTERN)], user: CurrentUser, gw: GatewayDep
) -> RoomOut:
    """The one direct-message room of you and `username`: the same id every time, for both."""
    return await direct.open_dm(gw, user, username)
