"""Rooms: creating, listing, reading, joining and leaving them, and who may see one.

A private room (a direct-message room, or a group room its owner or an admin made private,
`chatcluster.privacy`) shows only to its members: to anyone else it answers 404 as if it did
not exist, so its existence is private too. `visible_room` is that rule, for the rooms API and
the stats alike. Running a room (its settings, members, bans, pins) is `gateway.moderation`'s.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.membership import announce_membership
from chatcluster.gateway.messages import require_member
from chatcluster.gateway.read_state import mark_joined
from chatcluster.gateway.schemas import MemberOut, MembersOut, RoomOut
from chatcluster.gateway.security import Identity
from chatcluster.models import Room, RoomKind, RoomRole
from chatcluster.mood import current_mood
from chatcluster.privacy import is_private_room
from chatcluster.store import JoinResult


async def visible_room(gw: Gateway, user: Identity, room_id: str, *, admins_see_private: bool = False) -> Room:
    """The room, if `user` may see it; else 404. `admins_see_private`: a platform admin sees private rooms too
    (the stats show admins every room's figures; the rooms API shows them only the rooms they are in)."""
    room = await gw.room(room_id)
    if room is None or (
        is_private_room(room.room_id, private=room.private)
        and not (admins_see_private and user.is_admin)
        and not await gw.store.is_member(room_id, user.user_id)
    ):
        raise not_found(f"room '{room_id}'")
    return room


async def create_room(gw: Gateway, user: Identity, name: str) -> RoomOut:
    room = Room(
        room_id=str(gw.ids.next_id()),
        kind=RoomKind.GROUP,
        name=name.strip(),
        created_by=user.user_id,
        created_at=datetime.now(UTC),
    )
    await gw.store.create_room(room)
    await gw.store.add_member(room.room_id, user.user_id, gw.settings.room_member_limit, RoomRole.OWNER)
    await mark_joined(gw, user.user_id, room.room_id)
    await announce_membership(gw, user.user_id, user.username, room, joined=True, role=RoomRole.OWNER)
    return RoomOut.of(room, RoomRole.OWNER)


async def directory(gw: Gateway, limit: int) -> list[RoomOut]:
    """Public group rooms only: a private room is found by invitation, never here."""
    return [RoomOut.of(r) for r in await gw.store.group_rooms(limit)]


async def get_room(gw: Gateway, user: Identity, room_id: str) -> RoomOut:
    room = await visible_room(gw, user, room_id)
    role, mood = await asyncio.gather(gw.store.member_role(room_id, user.user_id), current_mood(gw.store, room_id))
    return RoomOut.of(room, role, mood)


async def join_room(gw: Gateway, user: Identity, room_id: str) -> RoomOut:
    room = await visible_room(gw, user, room_id)  # a private room is invite-only: 404 to anyone outside it
    if room.kind is RoomKind.DIRECT:
        raise ApiError(403, "direct-message rooms cannot be joined; use POST /v1/dms/{username}")
    result = await gw.store.add_member(room_id, user.user_id, gw.settings.room_member_limit)
    if result is JoinResult.BANNED:
        raise ApiError(403, "you are banned from this room")
    if result is JoinResult.ROOM_FULL:
        raise ApiError(409, f"room '{room_id}' is full: it holds at most {gw.settings.room_member_limit} members")
    if result is JoinResult.NO_SUCH_ROOM:
        raise not_found(f"room '{room_id}'")
    if result is JoinResult.JOINED:
        await mark_joined(gw, user.user_id, room_id)
        await announce_membership(gw, user.user_id, user.username, room, joined=True, role=RoomRole.MEMBER)
    return RoomOut.of(room, await gw.store.member_role(room_id, user.user_id))


async def leave_room(gw: Gateway, user: Identity, room_id: str) -> None:
    room = await require_member(gw, room_id, user)
    if room.kind is RoomKind.DIRECT:
        raise ApiError(409, "direct-message rooms cannot be left")
    if await gw.store.member_role(room_id, user.user_id) is RoomRole.OWNER:
        raise ApiError(
            409,
            "the owner cannot leave the room: transfer ownership first (POST /v1/rooms/{id}/owner) or delete the room",
        )
    await gw.store.remove_member(room_id, user.user_id)
    await announce_membership(gw, user.user_id, user.username, room, joined=False)


async def members(gw: Gateway, user: Identity, room_id: str) -> MembersOut:
    await require_member(gw, room_id, user)
    found = await gw.store.members(room_id)
    presence = gw.presence.statuses(m.user_id for m in found)
    members = [MemberOut(**m.model_dump(), presence=presence[m.user_id]) for m in found]
    return MembersOut(room_id=room_id, count=len(found), members=members)
