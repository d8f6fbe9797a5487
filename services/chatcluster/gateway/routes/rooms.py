from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, ApiError, error_responses, not_found
from chatcluster.gateway.messaging import announce_membership, require_member
from chatcluster.gateway.schemas import MembersOut, RoomCreate, RoomOut
from chatcluster.models import USERNAME_PATTERN, Room, RoomKind, dm_room_id
from chatcluster.store import JoinResult

router = APIRouter(prefix="/v1", tags=["rooms"], responses=error_responses(*SIGNED_IN, 403, 404, 409))


@router.post("/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomOut)
async def create_room(body: RoomCreate, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    room = Room(
        room_id=str(gw.ids.next_id()),
        kind=RoomKind.GROUP,
        name=body.name.strip(),
        created_by=user.user_id,
        created_at=datetime.now(UTC),
    )
    await gw.store.create_room(room)
    await gw.store.add_member(room.room_id, user.user_id, gw.settings.room_member_limit)
    await announce_membership(gw, user.user_id, room, joined=True)
    return RoomOut.of(room)


@router.get("/rooms", response_model=list[RoomOut], summary="List my rooms")
async def my_rooms(user: CurrentUser, gw: GatewayDep) -> list[RoomOut]:
    return [RoomOut.of(r) for r in await gw.store.rooms_of(user.user_id)]


@router.get("/rooms/directory", response_model=list[RoomOut], summary="List group rooms anyone can join")
async def directory(
    _user: CurrentUser, gw: GatewayDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[RoomOut]:
    return [RoomOut.of(r) for r in await gw.store.group_rooms(limit)]


@router.get("/rooms/{room_id}", response_model=RoomOut)
async def get_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    room = await gw.store.get_room(room_id)
    if room is None or (room.kind is RoomKind.DIRECT and not await gw.store.is_member(room_id, user.user_id)):
        raise not_found(f"room '{room_id}'")
    return RoomOut.of(room)


@router.post("/rooms/{room_id}/join", response_model=RoomOut)
async def join_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    room = await gw.store.get_room(room_id)
    if room is None:
        raise not_found(f"room '{room_id}'")
    if room.kind is RoomKind.DIRECT:
        raise ApiError(403, "direct-message rooms cannot be joined; use POST /v1/dms/{username}")
    result = await gw.store.add_member(room_id, user.user_id, gw.settings.room_member_limit)
    if result is JoinResult.ROOM_FULL:
        raise ApiError(409, f"room '{room_id}' is full: it holds at most {gw.settings.room_member_limit} members")
    if result is JoinResult.NO_SUCH_ROOM:
        raise not_found(f"room '{room_id}'")
    if result is JoinResult.JOINED:
        await announce_membership(gw, user.user_id, room, joined=True)
    return RoomOut.of(room)


@router.post("/rooms/{room_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> None:
    room = await require_member(gw, room_id, user)
    if room.kind is RoomKind.DIRECT:
        raise ApiError(409, "direct-message rooms cannot be left")
    await gw.store.remove_member(room_id, user.user_id)
    await announce_membership(gw, user.user_id, room, joined=False)


@router.get("/rooms/{room_id}/members", response_model=MembersOut)
async def members(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> MembersOut:
    await require_member(gw, room_id, user)
    found = await gw.store.members(room_id)
    return MembersOut(room_id=room_id, count=len(found), members=found)


@router.post("/dms/{username}", response_model=RoomOut, tags=["direct messages"])
async def open_dm(
    username: Annotated[str, Path(pattern=USERNAME_PATTERN)], user: CurrentUser, gw: GatewayDep
) -> RoomOut:
    """The one direct-message room of you and `username`: the same id every time, for both."""
    other = await gw.store.get_user_by_name(username)
    if other is None or other.deleted:  # a deleted account keeps its name but takes no new messages
        raise not_found(f"user '{username}'")
    if other.user_id == user.user_id:
        raise ApiError(400, "you cannot open a direct-message room with yourself")
    room_id = dm_room_id(user.user_id, other.user_id)
    room = await gw.store.get_room(room_id)
    if room is None:
        low, high = sorted((user.username, other.username), key=str.lower)
        room = Room(
            room_id=room_id,
            kind=RoomKind.DIRECT,
            name=f"{low} & {high}",
            created_by=user.user_id,
            created_at=datetime.now(UTC),
        )
        await gw.store.create_room(room)
        room = await gw.store.get_room(room_id) or room  # another request may have won the insert
    for member in (user, other):
        if await gw.store.add_member(room_id, member.user_id, 2) is JoinResult.JOINED:
            await announce_membership(gw, member.user_id, room, joined=True)
    return RoomOut.of(room)
