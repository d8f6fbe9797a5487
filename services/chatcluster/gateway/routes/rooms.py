from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from chatcluster.gateway import direct, moderation, pins, read_state, rooms
from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import (
    BansOut,
    Invitation,
    MemberOut,
    MembersOut,
    OwnerChange,
    PinsOut,
    RoleChange,
    RoomCreate,
    RoomOut,
    RoomSummary,
    RoomUpdate,
)
from chatcluster.models import USERNAME_PATTERN, Snowflake

router = APIRouter(prefix="/v1", tags=["rooms"], responses=error_responses(*SIGNED_IN, 403, 404, 409))


@router.post("/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomOut)
async def create_room(body: RoomCreate, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    return await rooms.create_room(gw, user, body.name)


@router.get("/rooms", response_model=list[RoomSummary], summary="List my rooms with what is new in each")
async def my_rooms(user: CurrentUser, gw: GatewayDep) -> list[RoomSummary]:
    """My rooms, newest activity first, each with its unread count (capped: `unread_capped` means 9,999+),
    unread mentions, last message and my read marker."""
    return await read_state.summaries(gw, user)


@router.get("/rooms/directory", response_model=list[RoomOut], summary="List the public group rooms anyone can join")
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


# -- running a room: owner and admins (gateway.moderation) ----------------------------------------


@router.patch("/rooms/{room_id}", response_model=RoomOut, summary="Rename a room, set its topic, make it private")
async def update_room(room_id: RoomIdPath, body: RoomUpdate, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    """Owner or admins. A private room is invite-only and hidden from the directory and from non-members."""
    return await moderation.update_room(gw, user, room_id, body)


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a room and its history")
async def delete_room(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> None:
    """Owner only. Its members are told (a `room` frame, op deleted, then `left`) and nobody can read it again."""
    await moderation.delete_room(gw, user, room_id)


@router.post(
    "/rooms/{room_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    summary="Invite someone: add them to the room",
)
async def invite(room_id: RoomIdPath, body: Invitation, user: CurrentUser, gw: GatewayDep) -> MemberOut:
    """Owner or admins; the way into a private room. A banned user is refused (409) until unbanned."""
    return await moderation.invite(gw, user, room_id, body.username)


@router.delete(
    "/rooms/{room_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove (kick) a member"
)
async def kick(room_id: RoomIdPath, user_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    """The owner removes anyone else; an admin removes members. Their sockets on every gateway drop the room."""
    await moderation.kick(gw, user, room_id, user_id)


@router.put("/rooms/{room_id}/bans/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Ban someone")
async def ban(room_id: RoomIdPath, user_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    """Remove them if they are in the room and keep them out; the same rights as a kick."""
    await moderation.ban(gw, user, room_id, user_id)


@router.delete("/rooms/{room_id}/bans/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Lift a ban")
async def unban(room_id: RoomIdPath, user_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    await moderation.unban(gw, user, room_id, user_id)


@router.get("/rooms/{room_id}/bans", response_model=BansOut, summary="Who is banned (owner and admins)")
async def bans(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> BansOut:
    return await moderation.bans(gw, user, room_id)


@router.put(
    "/rooms/{room_id}/members/{user_id}/role", response_model=MemberOut, summary="Make a member an admin or not"
)
async def set_role(
    room_id: RoomIdPath, user_id: Snowflake, body: RoleChange, user: CurrentUser, gw: GatewayDep
) -> MemberOut:
    """Owner only."""
    return await moderation.set_role(gw, user, room_id, user_id, body.role)


@router.post("/rooms/{room_id}/owner", response_model=RoomOut, summary="Hand the room to another member")
async def transfer(room_id: RoomIdPath, body: OwnerChange, user: CurrentUser, gw: GatewayDep) -> RoomOut:
    """Owner only; the old owner becomes an admin."""
    return await moderation.transfer(gw, user, room_id, body.user_id)


# -- pinned messages (gateway.pins) ---------------------------------------------------------------


@router.get("/rooms/{room_id}/pins", response_model=PinsOut, summary="The room's pinned messages, newest pin first")
async def list_pins(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> PinsOut:
    return await pins.pins(gw, user, room_id)


@router.put("/rooms/{room_id}/pins/{message_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Pin a message")
async def pin(room_id: RoomIdPath, message_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    """Owner or admins; pinning a pinned message changes nothing."""
    await pins.pin(gw, user, room_id, message_id)


@router.delete("/rooms/{room_id}/pins/{message_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Unpin a message")
async def unpin(room_id: RoomIdPath, message_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    """Owner or admins; unpinning a message that is not pinned changes nothing."""
    await pins.unpin(gw, user, room_id, message_id)


@router.post("/dms/{username}", response_model=RoomOut, tags=["direct messages"])
async def open_dm(
    username: Annotated[str, Path(pattern=USERNAME_PATTERN)], user: CurrentUser, gw: GatewayDep
) -> RoomOut:
    """The one direct-message room of you and `username`: the same id every time, for both."""
    return await direct.open_dm(gw, user, username)
