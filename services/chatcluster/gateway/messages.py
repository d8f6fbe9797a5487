"""Sending, editing, deleting and reading messages: the one path REST and WebSocket share."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from nats.errors import Error as NatsError

from chatcluster.bus import event_at_sequence, publish_event
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.mentions import mentions_in
from chatcluster.gateway.schemas import HistoryPage, MessageEdit, MessageOut, MessageSend, SendAccepted
from chatcluster.gateway.security import Identity
from chatcluster.ids import EPOCH_MS, MAX_ID_MS, id_timestamp_ms
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Room,
)
from chatcluster.telemetry.instruments import instruments

log = logging.getLogger(__name__)

FRESH_MESSAGE_MS = 30_000
PERSIST_WAIT_SECONDS = 3.0


async def stored_message(gw: Gateway, message_id: int) -> Message | None:
    """The stored message, waiting briefly for the persister when the id is fresh.

    A client may edit, delete or reply to a message the moment it sees it live,
    a few milliseconds before the persister has written it: read-your-writes.
    """
    message = await gw.store.get_message(message_id)
    fresh = time.time() * 1000 - id_timestamp_ms(message_id) < FRESH_MESSAGE_MS
    deadline = time.monotonic() + PERSIST_WAIT_SECONDS
    while message is None and fresh and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        message = await gw.store.get_message(message_id)
    return message


async def require_member(gw: Gateway, room_id: str, user: Identity) -> Room:
    room = await gw.room(room_id)
    if room is None:
        raise not_found(f"room '{room_id}'")
    if not await gw.store.is_member(room_id, user.user_id):
        raise ApiError(403, f"you are not a member of room '{room_id}'")
    return room


async def history_page(
    gw: Gateway, user: Identity, room_id: str, before: int | None, after: int | None, limit: int
) -> HistoryPage:
    """A page of the room's history, oldest first, with the cursors of the pages around it."""
    if before is not None and after is not None:
        raise ApiError(400, "give either 'before' or 'after', not both")
    await require_member(gw, room_id, user)
    found = await gw.store.history(room_id, before=before, after=after, limit=limit)
    full = len(found) == limit
    return HistoryPage(
        room_id=room_id,
        messages=[MessageOut.of(m) for m in found],
        before=found[0].message_id if found and full and after is None else None,
        after=found[-1].message_id if found else after,
    )


async def read_message(gw: Gateway, user: Identity, room_id: str, message_id: int) -> MessageOut:
    await require_member(gw, room_id, user)
    message = await stored_message(gw, message_id)
    if message is None or message.room_id != room_id:
        raise not_found(f"message {message_id} in room '{room_id}'")
    return MessageOut.of(message)


def _check_rate(gw: Gateway, user: Identity) -> None:
    wait = gw.limiter.acquire(user.user_id)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise ApiError(
            429,
            f"too many messages: at most {gw.settings.send_rate_per_second:g} per second; retry in {seconds}s",
            headers={"Retry-After": str(seconds)},
        )


def _pinned_ms(gw: Gateway, sent_at: datetime | None) -> int | None:
    if sent_at is None:
        return None
    if not gw.settings.test_clock:
        raise ApiError(400, "sent_at is only accepted by a gateway running with the test clock")
    moment = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
    ms = int(moment.timestamp() * 1000)
    if not EPOCH_MS <= ms <= MAX_ID_MS:
        # An id minted outside these bounds would not fit in 63 bits, or would sort before every other.
        first, last = (datetime.fromtimestamp(m / 1000, tz=UTC).isoformat() for m in (EPOCH_MS, MAX_ID_MS))
        raise ApiError(422, f"sent_at must lie between {first} and {last}, the times a message id can carry")
    return ms


async def _publish(gw: Gateway, event: MessageEvent, dedup_key: str) -> MessageEvent | None:
    """Publish; None when it is new, else the event JetStream already holds under `dedup_key`."""
    try:
        published = await publish_event(gw.js, event, dedup_key)
        if not published.duplicate:
            return None
        return await event_at_sequence(gw.js, published.stream_sequence)
    except (TimeoutError, NatsError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc


def send_dedup_key(user_id: int, room_id: str, client_id: str | None, message_id: int) -> str:
    """The Nats-Msg-Id of a send: a client_id is scoped to its user and room, so reusing it elsewhere sends anew.

    User and room ids hold no ':', so the key is unambiguous though a client_id may hold one.
    """
    return f"{user_id}:{room_id}:{client_id}" if client_id else str(message_id)


def same_send(original: Message, retry: Message) -> bool:
    return (original.text, original.reply_to) == (retry.text, retry.reply_to)


async def send_message(gw: Gateway, user: Identity, room_id: str, body: MessageSend) -> SendAccepted:
    await require_member(gw, room_id, user)
    _check_rate(gw, user)
    if body.reply_to is not None:
        parent = await stored_message(gw, body.reply_to)
        if parent is None or parent.room_id != room_id:
            raise ApiError(400, f"reply_to: message {body.reply_to} is not in room '{room_id}'")
    message_id = gw.ids.next_id(_pinned_ms(gw, body.sent_at))
    message = Message(
        message_id=message_id,
        room_id=room_id,
        author_id=user.user_id,
        author=user.username,
        text=body.text,
        reply_to=body.reply_to,
        client_id=body.client_id,
        mentions=await mentions_in(gw, room_id, body.text),
    )
    event = MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message)
    original = await _publish(gw, event, send_dedup_key(user.user_id, room_id, body.client_id, message_id))
    if original is None:
        instruments().accepted.add(1)
        return SendAccepted(message_id=message_id, room_id=room_id, duplicate=False)
    if not same_send(original.message, message):
        raise ApiError(
            409,
            f"client_id '{body.client_id}' was already used in room '{room_id}' for a different message "
            f"({original.message.message_id}); use a new client_id for a new message",
        )
    return SendAccepted(message_id=original.message.message_id, room_id=room_id, duplicate=True)


async def _own_message(gw: Gateway, user: Identity, room_id: str, message_id: int) -> Message:
    await require_member(gw, room_id, user)
    message = await stored_message(gw, message_id)
    if message is None or message.room_id != room_id:
        raise not_found(f"message {message_id} in room '{room_id}'")
    if message.author_id != user.user_id:
        raise ApiError(403, "you can only change your own messages")
    if message.deleted:
        raise ApiError(409, f"message {message_id} has been deleted")
    return message


async def edit_message(gw: Gateway, user: Identity, room_id: str, message_id: int, body: MessageEdit) -> MessageOut:
    current = await _own_message(gw, user, room_id, message_id)
    _check_rate(gw, user)
    event_id = gw.ids.next_id()
    mentions = await mentions_in(gw, room_id, body.text)
    edited = current.model_copy(update={"text": body.text, "edited_at": datetime.now(UTC), "mentions": mentions})
    await _publish(gw, MessageEvent(kind=EventKind.EDITED, event_id=event_id, message=edited), str(event_id))
    return MessageOut.of(edited)


async def delete_message(gw: Gateway, user: Identity, room_id: str, message_id: int) -> MessageOut:
    current = await _own_message(gw, user, room_id, message_id)
    event_id = gw.ids.next_id()
    tombstone = current.model_copy(update={"text": "", "deleted": True, "edited_at": datetime.now(UTC)})
    await _publish(gw, MessageEvent(kind=EventKind.DELETED, event_id=event_id, message=tombstone), str(event_id))
    return MessageOut.of(tombstone)
