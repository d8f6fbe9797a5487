"""Sending, editing, deleting and reading messages: the one path REST and WebSocket share."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from nats.errors import Error as NatsError

from chatcluster.bus import Published, event_at_sequence, publish_event
from chatcluster.gateway import media
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.mentions import mentions_in
from chatcluster.gateway.people import hidden_authors, refuse_blocked_dm, without_hidden
from chatcluster.gateway.schemas import HistoryPage, MessageEdit, MessageOut, MessageSend, SendAccepted
from chatcluster.gateway.security import Identity
from chatcluster.ids import EPOCH_MS, MAX_ID_MS, id_timestamp_ms
from chatcluster.models import ChatEvent, EventKind, Message, MessageEvent, Room, RoomKind, RoomRole
from chatcluster.privacy import is_private_room
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
        if room_is_private(room):  # its existence is its members' to know (`rooms.visible_room`)
            raise not_found(f"room '{room_id}'")
        raise ApiError(403, f"you are not a member of room '{room_id}'")
    return room


async def messages_out(
    gw: Gateway, messages: Sequence[Message], hidden: Collection[int] = frozenset()
) -> list[MessageOut]:
    """Messages as the API answers them, each with its reply count and reactions (none on a deleted message; none
    by the `hidden` users, whom the viewer blocked), read for the whole batch at once: every answer holding messages
    goes through here."""
    ids = [m.message_id for m in messages]
    counts, reactions = await asyncio.gather(gw.store.reply_counts(ids), gw.store.reactions_of(ids))
    return [
        MessageOut.of(
            m,
            reply_count=counts.get(m.message_id, 0),
            reactions=() if m.deleted else without_hidden(reactions.get(m.message_id, ()), hidden),
        )
        for m in messages
    ]


async def message_in(gw: Gateway, room_id: str, message_id: int) -> Message:
    """A message of the room (deleted or not), waiting briefly for a fresh one; else 404."""
    message = await stored_message(gw, message_id)
    if message is None or message.room_id != room_id:
        raise not_found(f"message {message_id} in room '{room_id}'")
    return message


async def page_of(
    gw: Gateway,
    room_id: str,
    found: Sequence[Message],
    limit: int,
    after: int | None,
    hidden: Collection[int] = frozenset(),
) -> HistoryPage:
    """A page of messages in id order with the cursors of the pages around it: `before` when the page is full and
    was not read forward (there may be older ones), `after` from its newest message. Messages by the `hidden` users
    (whom the viewer blocked) are left out; the cursors still count them, so paging goes on past them."""
    return HistoryPage(
        room_id=room_id,
        messages=await messages_out(gw, [m for m in found if m.author_id not in hidden], hidden),
        before=found[0].message_id if found and len(found) == limit and after is None else None,
        after=found[-1].message_id if found else after,
    )


async def history_page(
    gw: Gateway,
    user: Identity,
    room_id: str,
    before: int | None,
    after: int | None,
    limit: int,
    around: int | None = None,
) -> HistoryPage:
    """A page of the room's history, oldest first, with the cursors of the pages around it; `around` centres it on
    a message, however far back (a search result, the original of a reply)."""
    if sum(cursor is not None for cursor in (before, after, around)) > 1:
        raise ApiError(400, "give at most one of 'before', 'after' and 'around'")
    await require_member(gw, room_id, user)
    hidden = await hidden_authors(gw, user.user_id)
    if around is not None:
        return await _around(gw, room_id, await message_in(gw, room_id, around), limit, hidden)
    found = await gw.store.history(room_id, before=before, after=after, limit=limit)
    return await page_of(gw, room_id, found, limit, after, hidden)


async def _around(gw: Gateway, room_id: str, centre: Message, limit: int, hidden: Collection[int]) -> HistoryPage:
    """The message with up to (limit - 1) // 2 older ones before it and the rest of `limit` newer after it."""
    older_limit = (limit - 1) // 2
    older = await gw.store.history(room_id, before=centre.message_id, limit=older_limit) if older_limit else []
    # `after` is exclusive: one below the centre's id starts the page at the centre itself.
    newer = await gw.store.history(room_id, after=centre.message_id - 1, limit=limit - len(older))
    found = [*older, *newer]
    return HistoryPage(
        room_id=room_id,
        messages=await messages_out(gw, [m for m in found if m.author_id not in hidden], hidden),
        before=found[0].message_id if len(older) == older_limit else None,
        after=found[-1].message_id if found else centre.message_id,
    )


async def read_message(gw: Gateway, user: Identity, room_id: str, message_id: int) -> MessageOut:
    await require_member(gw, room_id, user)
    message = await message_in(gw, room_id, message_id)
    return (await messages_out(gw, [message], await hidden_authors(gw, user.user_id)))[0]


async def runs_room(gw: Gateway, room: Room, user: Identity) -> bool:
    """Whether the user is an owner or admin of the group room: they may delete anyone's messages there and read
    the edit history of deleted ones (a direct-message room has no roles)."""
    if room.kind is not RoomKind.GROUP:
        return False
    return await gw.store.member_role(room.room_id, user.user_id) in (RoomRole.OWNER, RoomRole.ADMIN)


def room_is_private(room: Room) -> bool:
    """What a message event of the room says of its privacy (`MessageEvent.private`): stamped when published, so
    the figures non-members see leave it out whatever the room becomes later."""
    return is_private_room(room.room_id, private=room.private)


def check_rate(gw: Gateway, user: Identity) -> None:
    """Each user's sends, edits and reactions draw on one allowance; past it, a 429 saying when to retry."""
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


async def publish_or_503(gw: Gateway, event: ChatEvent, dedup_key: str) -> Published:
    """Publish and wait for the PubAck; the bus being unavailable is a 503 the client retries."""
    try:
        return await publish_event(gw.js, event, dedup_key)
    except (TimeoutError, NatsError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc


async def _publish(gw: Gateway, event: MessageEvent, dedup_key: str) -> MessageEvent | None:
    """Publish; None when it is new, else the event JetStream already holds under `dedup_key`."""
    published = await publish_or_503(gw, event, dedup_key)
    if not published.duplicate:
        return None
    try:
        return await event_at_sequence(gw.js, published.stream_sequence)
    except (TimeoutError, NatsError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc


def send_dedup_key(user_id: int, room_id: str, client_id: str | None, message_id: int) -> str:
    """The Nats-Msg-Id of a send: a client_id is scoped to its user and room, so reusing it elsewhere sends anew.

    User and room ids hold no ':', so the key is unambiguous though a client_id may hold one.
    """
    return f"{user_id}:{room_id}:{client_id}" if client_id else str(message_id)


def same_send(original: Message, retry: Message) -> bool:
    return (original.text, original.reply_to, original.attachments) == (retry.text, retry.reply_to, retry.attachments)


async def send_message(gw: Gateway, user: Identity, room_id: str, body: MessageSend) -> SendAccepted:
    room = await require_member(gw, room_id, user)
    await refuse_blocked_dm(gw, user.user_id, room)  # a blocked user's DM: 403, never dropped silently
    check_rate(gw, user)
    if body.reply_to is not None:
        parent = await stored_message(gw, body.reply_to)
        if parent is None or parent.room_id != room_id:
            raise ApiError(400, f"reply_to: message {body.reply_to} is not in room '{room_id}'")
        if parent.deleted:
            raise ApiError(409, f"reply_to: message {body.reply_to} has been deleted")
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
        attachments=await media.attachments_for(gw, user, body.attachments),
    )
    await media.link_attachments(gw, room_id, message_id, message.attachments)
    event = MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message, private=room_is_private(room))
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


async def _changeable(gw: Gateway, user: Identity, room_id: str, message_id: int) -> tuple[Room, Message]:
    """The room and a message of it that is not deleted, the user being a member; else 403, 404 or 409."""
    room = await require_member(gw, room_id, user)
    message = await message_in(gw, room_id, message_id)
    if message.deleted:
        raise ApiError(409, f"message {message_id} has been deleted")
    return room, message


async def edit_message(gw: Gateway, user: Identity, room_id: str, message_id: int, body: MessageEdit) -> MessageOut:
    room, current = await _changeable(gw, user, room_id, message_id)
    if current.author_id != user.user_id:
        raise ApiError(403, "you can only edit your own messages")
    check_rate(gw, user)
    event_id = gw.ids.next_id()
    mentions = await mentions_in(gw, room_id, body.text)
    edited = current.model_copy(update={"text": body.text, "edited_at": datetime.now(UTC), "mentions": mentions})
    event = MessageEvent(kind=EventKind.EDITED, event_id=event_id, message=edited, private=room_is_private(room))
    await _publish(gw, event, str(event_id))
    return (await messages_out(gw, [edited]))[0]


async def delete_message(gw: Gateway, user: Identity, room_id: str, message_id: int) -> MessageOut:
    """The author deletes their message; an owner or admin of a group room deletes anyone's."""
    room, current = await _changeable(gw, user, room_id, message_id)
    if current.author_id != user.user_id and not await runs_room(gw, room, user):
        raise ApiError(403, "you can only delete your own messages (owners and admins of a room may delete any)")
    event_id = gw.ids.next_id()
    tombstone = current.model_copy(
        update={"text": "", "deleted": True, "edited_at": datetime.now(UTC), "attachments": ()}
    )
    event = MessageEvent(kind=EventKind.DELETED, event_id=event_id, message=tombstone, private=room_is_private(room))
    await _publish(gw, event, str(event_id))
    return (await messages_out(gw, [tombstone]))[0]
