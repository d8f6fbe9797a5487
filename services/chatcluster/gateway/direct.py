"""Direct messages: the one private room of two people, opened by either, unless one blocked the other."""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.membership import announce_membership
from chatcluster.gateway.people import refuse_blocked
from chatcluster.gateway.read_state import mark_joined
from chatcluster.gateway.schemas import RoomOut
from chatcluster.gateway.security import Identity
from chatcluster.models import Room, RoomKind, dm_room_id
from chatcluster.store import JoinResult

DM_MEMBERS = 2


async def open_dm(gw: Gateway, user: Identity, username: str) -> RoomOut:
    """The direct-message room of `user` and `username`: the same id every time, for both; both are its members."""
    other = await gw.store.get_user_by_name(username)
    if other is None or other.deleted:  # a deleted account keeps its name but takes no new messages
        raise not_found(f"user '{username}'")
    if other.user_id == user.user_id:
        raise ApiError(400, "you cannot open a direct-message room with yourself")
    await refuse_blocked(gw, user.user_id, other.user_id)
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
    for member_id, name in ((user.user_id, user.username), (other.user_id, other.username)):
        if await gw.store.add_member(room_id, member_id, DM_MEMBERS) is JoinResult.JOINED:
            await mark_joined(gw, member_id, room_id)
            await announce_membership(gw, member_id, name, room, joined=True)
    return RoomOut.of(room)
