"""Pinned messages: a room's owner and admins pin and unpin its messages; every member sees the list.

A pin or unpin that changes something is published as a `PinEvent` on `chat.pin.<room>`, live to the
room's sockets and in a reconnecting client's replay.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.messages import message_in, messages_out, publish_or_503, require_member
from chatcluster.gateway.moderation import RUNNERS, runner
from chatcluster.gateway.people import hidden_authors
from chatcluster.gateway.schemas import PinsOut
from chatcluster.gateway.security import Identity
from chatcluster.models import PinEvent

MAX_PINS = 100  # per room: a list people read, not an archive


async def pins(gw: Gateway, user: Identity, room_id: str) -> PinsOut:
    """The room's pinned messages, the newest pin first; a pinned message since deleted is left out."""
    await require_member(gw, room_id, user)
    found = await gw.store.pins(room_id)
    messages = await asyncio.gather(*(gw.store.get_message(p.message_id) for p in found))
    live = [m for m in messages if m is not None and m.room_id == room_id and not m.deleted]
    # A pin stays listed whoever wrote it (the room's runners chose it); who reacted leaves out whom I blocked.
    return PinsOut(room_id=room_id, pins=await messages_out(gw, live, await hidden_authors(gw, user.user_id)))


async def pin(gw: Gateway, user: Identity, room_id: str, message_id: int) -> None:
    await runner(gw, user, room_id, RUNNERS, "pin messages")
    message = await message_in(gw, room_id, message_id)
    if message.deleted:
        raise ApiError(409, f"message {message_id} has been deleted: it cannot be pinned")
    pinned = await gw.store.pins(room_id)
    if any(p.message_id == message_id for p in pinned):
        return
    if len(pinned) >= MAX_PINS:
        raise ApiError(409, f"room '{room_id}' already has {MAX_PINS} pinned messages, the most it keeps: unpin one")
    if await gw.store.pin(room_id, message_id, user.user_id, datetime.now(UTC)):
        await _announce(gw, room_id, message_id, pinned=True, by=user.user_id)


async def unpin(gw: Gateway, user: Identity, room_id: str, message_id: int) -> None:
    """Idempotent: unpinning a message that is not pinned changes nothing."""
    await runner(gw, user, room_id, RUNNERS, "unpin messages")
    if await gw.store.unpin(room_id, message_id):
        await _announce(gw, room_id, message_id, pinned=False, by=user.user_id)


async def _announce(gw: Gateway, room_id: str, message_id: int, *, pinned: bool, by: int) -> None:
    event = PinEvent(event_id=gw.ids.next_id(), room_id=room_id, message_id=message_id, pinned=pinned, by=by)
    await publish_or_503(gw, event, f"pin:{event.event_id}")
