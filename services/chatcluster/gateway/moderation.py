"""Running a group room: who may do what (owner, admins, members), and carrying it out.

The owner and admins change a room's name, topic and privacy, invite people, kick and ban
members; the owner alone appoints and removes admins, hands the room to another member and
deletes it. Every change is stored first, then published: a `RoomEvent` on `chat.settings.<room>`
(which also refreshes every gateway's cached copy of the room, `listen_for_room_changes`) or a
`MembershipEvent` on `chat.room.<room>`; a removed member's sockets on every gateway drop the room
at once through `chat.member.<user>`. Direct-message rooms have no roles and none of this.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.membership import announce_membership, tell_sockets
from chatcluster.gateway.messages import publish_or_503
from chatcluster.gateway.read_state import mark_joined
from chatcluster.gateway.rooms import visible_room
from chatcluster.gateway.schemas import BanOut, BansOut, MemberOut, RoomOut, RoomUpdate
from chatcluster.gateway.security import Identity
from chatcluster.models import (
    SETTINGS_SUBJECT_PREFIX,
    Member,
    MembershipOp,
    Room,
    RoomEvent,
    RoomKind,
    RoomOp,
    RoomRole,
    User,
)
from chatcluster.store import JoinResult

log = logging.getLogger(__name__)

OWNER = frozenset({RoomRole.OWNER})
RUNNERS = frozenset({RoomRole.OWNER, RoomRole.ADMIN})  # who runs a room: its owner and admins


# -- the rules ------------------------------------------------------------------------------------


def removal_refusal(actor: RoomRole, target: RoomRole | None) -> str | None:
    """Why `actor` may not kick or ban someone holding `target` (None: not a member), or None when they may.
    The owner removes anyone else; an admin removes members and keeps out people who are not in the room."""
    if target is RoomRole.OWNER:
        return "the room's owner cannot be removed or banned"
    if actor is RoomRole.ADMIN and target is RoomRole.ADMIN:
        return "only the room's owner can remove or ban an admin"
    if actor not in RUNNERS:
        return "only the room's owner or an admin can remove or ban members"
    return None


def rights_sentence(allowed: frozenset[RoomRole], what: str) -> str:
    return f"only the room's owner can {what}" if allowed == OWNER else f"only the room's owner or an admin can {what}"


# -- carrying it out ------------------------------------------------------------------------------


async def runner(
    gw: Gateway, user: Identity, room_id: str, allowed: frozenset[RoomRole], what: str
) -> tuple[Room, RoomRole]:
    """The group room and the user's role in it, if that is one of the `allowed` roles; else 404 (a private room the
    user is not in), or 403 saying who may `what`."""
    room = await visible_room(gw, user, room_id)
    if room.kind is not RoomKind.GROUP:
        raise ApiError(403, "a direct-message room has no owner or admins: it cannot be changed")
    role = await gw.store.member_role(room_id, user.user_id)
    if role is None:
        raise ApiError(403, f"you are not a member of room '{room_id}'")
    if role not in allowed:
        raise ApiError(403, rights_sentence(allowed, what))
    return room, role


async def _publish_room(gw: Gateway, op: RoomOp, room: Room, by: int) -> None:
    event = RoomEvent(event_id=gw.ids.next_id(), op=op, room=room, by=by)
    await publish_or_503(gw, event, f"room:{event.event_id}")


async def update_room(gw: Gateway, user: Identity, room_id: str, body: RoomUpdate) -> RoomOut:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ApiError(422, "give at least one of name, topic or private to change")
    room, role = await runner(gw, user, room_id, RUNNERS, "change its name, topic or privacy")
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    changed = room.model_copy(update=changes)
    if not await gw.store.update_room(changed):
        raise not_found(f"room '{room_id}'")
    gw.remember_room(changed)
    # Published even when nothing changed: a retry after a lost event still refreshes every gateway's copy.
    await _publish_room(gw, RoomOp.UPDATED, changed, user.user_id)
    return RoomOut.of(changed, role)


async def delete_room(gw: Gateway, user: Identity, room_id: str) -> None:
    """Gone for everyone: the room, its memberships, bans and pins, so no one can read it again. Its members are
    told (a `room` frame, op deleted) and their sockets drop it."""
    room, _ = await runner(gw, user, room_id, OWNER, "delete it")
    members = await gw.store.members(room_id)
    await gw.store.delete_room(room_id)
    gw.forget_room(room_id)
    await _publish_room(gw, RoomOp.DELETED, room, user.user_id)
    for member in members:
        await tell_sockets(gw, member.user_id, room, joined=False)


async def _user(gw: Gateway, user_id: int) -> User:
    found = await gw.store.get_user(user_id)
    if found is None:
        raise not_found(f"user {user_id}")
    return found


async def _member(gw: Gateway, room_id: str, user_id: int) -> Member:
    for member in await gw.store.members(room_id):
        if member.user_id == user_id:
            return member
    raise not_found(f"member {user_id} of room '{room_id}'")


def _member_out(gw: Gateway, member: Member) -> MemberOut:
    return MemberOut(**member.model_dump(), presence=gw.presence.statuses([member.user_id])[member.user_id])


async def invite(gw: Gateway, user: Identity, room_id: str, username: str) -> MemberOut:
    """Add someone to the room directly (a private room's only way in); they are told at once on every socket."""
    room, _ = await runner(gw, user, room_id, RUNNERS, "invite people")
    guest = await gw.store.get_user_by_name(username)
    if guest is None or guest.deleted:
        raise not_found(f"user '{username}'")
    result = await gw.store.add_member(room_id, guest.user_id, gw.settings.room_member_limit)
    if result is JoinResult.BANNED:
        raise ApiError(409, f"'{guest.username}' is banned from this room: unban them first")
    if result is JoinResult.ALREADY_MEMBER:
        raise ApiError(409, f"'{guest.username}' is already a member of this room")
    if result is JoinResult.ROOM_FULL:
        raise ApiError(409, f"room '{room_id}' is full: it holds at most {gw.settings.room_member_limit} members")
    if result is JoinResult.NO_SUCH_ROOM:
        raise not_found(f"room '{room_id}'")
    await mark_joined(gw, guest.user_id, room_id)
    await announce_membership(
        gw, guest.user_id, guest.username, room, joined=True, role=RoomRole.MEMBER, by=user.user_id
    )
    return _member_out(gw, await _member(gw, room_id, guest.user_id))


async def _removable(
    gw: Gateway, user: Identity, room_id: str, target_id: int, verb: str
) -> tuple[Room, RoomRole | None]:
    """The room and the target's role in it (None: not a member), once `user` may `verb` (remove or ban) them."""
    room, actor = await runner(gw, user, room_id, RUNNERS, f"{verb} members")
    if target_id == user.user_id:
        raise ApiError(409, f"you cannot {verb} yourself; to go, leave the room (POST /v1/rooms/{{id}}/leave)")
    target = await gw.store.member_role(room_id, target_id)
    refusal = removal_refusal(actor, target)
    if refusal is not None:
        raise ApiError(403, refusal)
    return room, target


async def kick(gw: Gateway, user: Identity, room_id: str, target_id: int) -> None:
    """Remove a member, who may join again (unless the room is private: then only by invitation)."""
    room, role = await _removable(gw, user, room_id, target_id, "remove")
    if role is None or not await gw.store.remove_member(room_id, target_id):
        raise not_found(f"member {target_id} of room '{room_id}'")
    target = await _user(gw, target_id)
    await announce_membership(
        gw, target_id, target.username, room, joined=False, op=MembershipOp.KICKED, by=user.user_id
    )


async def ban(gw: Gateway, user: Identity, room_id: str, target_id: int) -> None:
    """Keep someone out of the room, removing them if they are in it; banning them again changes nothing."""
    room, role = await _removable(gw, user, room_id, target_id, "ban")
    target = await _user(gw, target_id)
    # Banned before removed: a join racing with this sees the ban.
    await gw.store.ban(room_id, target_id, user.user_id, datetime.now(UTC))
    if role is not None and await gw.store.remove_member(room_id, target_id):
        await announce_membership(
            gw, target_id, target.username, room, joined=False, op=MembershipOp.BANNED, by=user.user_id
        )


async def unban(gw: Gateway, user: Identity, room_id: str, target_id: int) -> None:
    """Let someone join again (a public room) or be invited again (a private one); idempotent."""
    await runner(gw, user, room_id, RUNNERS, "lift bans")
    await _user(gw, target_id)
    await gw.store.unban(room_id, target_id)


async def bans(gw: Gateway, user: Identity, room_id: str) -> BansOut:
    await runner(gw, user, room_id, RUNNERS, "see who is banned")
    found = await gw.store.bans(room_id)
    return BansOut(room_id=room_id, bans=[BanOut(user_id=b.user_id, username=b.username) for b in found])


async def set_role(gw: Gateway, user: Identity, room_id: str, target_id: int, role: RoomRole) -> MemberOut:
    """Make a member an admin, or an admin a member again."""
    room, _ = await runner(gw, user, room_id, OWNER, "appoint or remove admins")
    if target_id == user.user_id:
        raise ApiError(409, "the owner's role changes only by handing the room to another member (POST …/owner)")
    current = await gw.store.member_role(room_id, target_id)
    if current is None:
        raise not_found(f"member {target_id} of room '{room_id}'")
    if current is not role:
        if not await gw.store.set_member_role(room_id, target_id, role):
            raise not_found(f"member {target_id} of room '{room_id}'")
        target = await _user(gw, target_id)
        await announce_membership(
            gw, target_id, target.username, room, joined=True, op=MembershipOp.ROLE, role=role, by=user.user_id
        )
    return _member_out(gw, await _member(gw, room_id, target_id))


async def transfer(gw: Gateway, user: Identity, room_id: str, new_owner_id: int) -> RoomOut:
    """Hand the room to another member; the old owner stays on as an admin."""
    room, _ = await runner(gw, user, room_id, OWNER, "hand the room to someone else")
    if new_owner_id == user.user_id:
        raise ApiError(409, "you already own this room")
    if await gw.store.member_role(room_id, new_owner_id) is None:
        raise not_found(f"member {new_owner_id} of room '{room_id}'")
    # The new owner first: a failure in between leaves two owners, never none.
    if not await gw.store.set_member_role(room_id, new_owner_id, RoomRole.OWNER):
        raise not_found(f"member {new_owner_id} of room '{room_id}'")
    await gw.store.set_member_role(room_id, user.user_id, RoomRole.ADMIN)
    heir = await _user(gw, new_owner_id)
    for member_id, name, role in (
        (new_owner_id, heir.username, RoomRole.OWNER),
        (user.user_id, user.username, RoomRole.ADMIN),
    ):
        await announce_membership(
            gw, member_id, name, room, joined=True, op=MembershipOp.ROLE, role=role, by=user.user_id
        )
    await _publish_room(gw, RoomOp.UPDATED, room, user.user_id)
    return RoomOut.of(room, RoomRole.ADMIN)


# -- every gateway's copy of a room ---------------------------------------------------------------


async def listen_for_room_changes(gw: Gateway) -> Subscription:
    """Forget this gateway's cached copy of a room whenever any gateway changes or deletes it, so rights and
    privacy are checked against the room as it is now (the next read takes it from the store)."""

    async def on_change(msg: Msg) -> None:
        gw.forget_room(msg.subject.removeprefix(SETTINGS_SUBJECT_PREFIX))

    return await gw.nc.subscribe(f"{SETTINGS_SUBJECT_PREFIX}>", cb=on_change)
