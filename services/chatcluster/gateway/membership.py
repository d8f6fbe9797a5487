"""Announcing a change of membership: to the user's sockets on every gateway, and to the room's members.

Joining, leaving, being invited, kicked or banned, and a new role all go out the same way: the user's
own sockets (on whichever gateways hold them) subscribe or drop the room at once through
`chat.member.<user>`, and the room hears of it through a `MembershipEvent` on `chat.room.<room>`, live
and in a reconnecting client's replay.
"""

from __future__ import annotations

import contextlib
import json
import logging

from nats.errors import Error as NatsError

from chatcluster.bus import publish_event
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.hub import member_notice
from chatcluster.models import MembershipEvent, MembershipOp, Room, RoomRole, membership_subject, user_subject

log = logging.getLogger(__name__)


async def announce_membership(
    gw: Gateway,
    user_id: int,
    username: str,
    room: Room,
    joined: bool,
    *,
    op: MembershipOp | None = None,
    role: RoomRole | None = None,
    by: int | None = None,
) -> None:
    """Tell whichever gateways hold this user's sockets to (un)subscribe the room, and the room's other members
    (live and in their replay) what happened: `op` (by default joined or left), the user's `role` after it, and
    `by`, the owner or admin who did it. A new role (`MembershipOp.ROLE`) changes no subscription."""
    op = op or (MembershipOp.JOINED if joined else MembershipOp.LEFT)
    if op is not MembershipOp.ROLE:
        await tell_sockets(gw, user_id, room, joined)
    event = MembershipEvent(
        event_id=gw.ids.next_id(),
        room_id=room.room_id,
        user_id=user_id,
        username=username,
        op=op,
        role=role,
        by=by,
    )
    try:
        await publish_event(gw.js, event, f"member:{event.event_id}")
    except (NatsError, TimeoutError) as exc:
        # The membership itself is stored; only the others' notice is lost, and their member lists show it.
        log.warning("membership event of user %s in room %s not published: %r", user_id, room.room_id, exc)
    if op is MembershipOp.ROLE:
        await _tell_member(gw, event)


async def _tell_member(gw: Gateway, event: MembershipEvent) -> None:
    """The member's own sockets get their new role as the room's other members do (the room's feed skips a
    member's own membership frames: a join or leave reaches them as `joined`/`left` instead)."""
    notice = member_notice(event.model_dump_json().encode())
    if notice is not None:
        with contextlib.suppress(NatsError):  # their page reads the role again with the room list
            await gw.nc.publish(user_subject(event.user_id), notice.frame.frame.encode())


async def tell_sockets(gw: Gateway, user_id: int, room: Room, joined: bool) -> None:
    """Have the user's sockets, on whichever gateways hold them, subscribe or drop the room at once (and each is
    told with a `joined` or `left` frame); the room's members hear nothing of it."""
    notice = {"op": "join" if joined else "leave", "room": json.loads(room.model_dump_json())}
    with contextlib.suppress(NatsError):  # live sockets pick the change up on their next reconnect
        await gw.nc.publish(membership_subject(user_id), json.dumps(notice).encode())
