"""Read state: moving my read marker, my room list with what is new in each room, and how far the members of a
room have read.

A marker is written to the store before the call answers, so a room list asked for right after shows it,
from any gateway; then it is announced, coalesced per user and room (`receipts.ReadPublisher`): on the room's
`chat.read.<room>` where its members see receipts, else only to the reader's own sockets. Unread counts are
a bounded query of the store (`ReadMarkers.count_after`), never a history scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from chatcluster.bus import publish_event, publish_user_frame
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import not_found
from chatcluster.gateway.hub import read_fields
from chatcluster.gateway.messages import require_member, stored_message
from chatcluster.gateway.schemas import LastMessage, ReadMarkerOut, Receipt, ReceiptsOut, RoomOut, RoomSummary
from chatcluster.gateway.security import Identity
from chatcluster.models import ReadEvent, Room, RoomKind
from chatcluster.mood import current_mood
from chatcluster.unread import COUNT_CAP, SHOWN_CAP, activity_id, preview, shares_receipts, unread_figure

# Rooms summarised at once: enough to overlap the store's round trips, few enough to leave it to others.
SUMMARY_CONCURRENCY = 16


async def mark_read(gw: Gateway, user: Identity, room_id: str, message_id: int) -> ReadMarkerOut:
    """Move my marker in the room forward to `message_id`, a message of that room; never back."""
    room = await require_member(gw, room_id, user)
    message = await stored_message(gw, message_id)
    if message is None or message.room_id != room_id:
        raise not_found(f"message {message_id} in room '{room_id}'")
    marker = await gw.store.advance_read_marker(user.user_id, room_id, message_id)
    if marker == message_id:

        async def announce(latest: int) -> None:
            await _announce(gw, user.user_id, room, latest)

        await gw.reads.offer((user.user_id, room_id), marker, announce)
    return ReadMarkerOut(room_id=room_id, message_id=marker)


async def mark_joined(gw: Gateway, user_id: int, room_id: str) -> None:
    """A member starts with everything said before they joined read: only what comes after counts as new."""
    await gw.store.advance_read_marker(user_id, room_id, gw.ids.next_id())


async def _announce(gw: Gateway, user_id: int, room: Room, marker: int) -> None:
    event = ReadEvent(
        event_id=gw.ids.next_id(), room_id=room.room_id, user_id=user_id, message_id=marker, read_at=datetime.now(UTC)
    )
    if await _shares_receipts(gw, room):
        await publish_event(gw.js, event, event.dedup_key)
    else:
        await publish_user_frame(gw.nc, user_id, read_fields(event))


async def _shares_receipts(gw: Gateway, room: Room) -> bool:
    if room.kind is RoomKind.DIRECT:
        return True
    members = await gw.store.members(room.room_id)
    return shares_receipts(room.kind, len(members), gw.settings.read_receipts_max_members)


async def summaries(gw: Gateway, user: Identity, rooms: Sequence[Room] | None = None) -> list[RoomSummary]:
    """Each of my rooms (or of `rooms`, mine already read) with what is new there for me, newest activity first."""
    joined = list(rooms) if rooms is not None else await gw.store.rooms_of(user.user_id)
    markers, settings = await asyncio.gather(
        gw.store.read_markers_of(user.user_id), gw.store.get_settings(user.user_id)
    )
    mentions = await gw.store.unread_mentions_by_room(
        user.user_id, {room.room_id: markers.get(room.room_id, 0) for room in joined}, COUNT_CAP
    )
    muted = set(settings.muted_rooms)
    window = asyncio.Semaphore(SUMMARY_CONCURRENCY)

    async def summary(room: Room) -> RoomSummary:
        async with window:
            marker = markers.get(room.room_id)
            newest, role, mood = await asyncio.gather(
                gw.store.history(room.room_id, limit=1),
                gw.store.member_role(room.room_id, user.user_id),
                current_mood(gw.store, room.room_id),
            )
            last = newest[0] if newest else None
            count = 0
            if last is not None and (marker is None or last.message_id > marker):
                count = await gw.store.count_after(room.room_id, marker or 0, COUNT_CAP, not_by=user.user_id)
        unread, capped = unread_figure(count)
        return RoomSummary(
            **RoomOut.of(room, role, mood).model_dump(),
            unread=unread,
            unread_capped=capped,
            unread_mentions=min(mentions.get(room.room_id, 0), SHOWN_CAP),
            read_marker=marker,
            last_message=None
            if last is None
            else LastMessage(
                message_id=last.message_id,
                author=last.author,
                preview=preview(last.text),
                created_at=last.created_at,
                deleted=last.deleted,
            ),
            muted=room.room_id in muted,
        )

    found = await asyncio.gather(*(summary(room) for room in joined))
    return sorted(
        found,
        key=lambda s: activity_id(s.last_message.message_id if s.last_message else None, s.created_at),
        reverse=True,
    )


async def receipts(gw: Gateway, user: Identity, room_id: str) -> ReceiptsOut:
    """How far each member has read the room: in a room whose members share receipts; else only my own."""
    room = await require_member(gw, room_id, user)
    members = await gw.store.members(room_id)
    shared = shares_receipts(room.kind, len(members), gw.settings.read_receipts_max_members)
    markers = await gw.store.read_markers_in(room_id)
    return ReceiptsOut(
        room_id=room_id,
        shared=shared,
        receipts=[
            Receipt(user_id=m.user_id, username=m.username, message_id=markers.get(m.user_id))
            for m in members
            if shared or m.user_id == user.user_id
        ],
    )
