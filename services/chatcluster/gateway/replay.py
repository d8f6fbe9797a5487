"""Replay from JetStream what a reconnecting client missed since its last event id: the messages of its
rooms, and every other event the hub relays live and the CHAT stream keeps (`hub.RELAYS`): who joined, left,
was kicked or banned or got a new role (`member` frames, never about the user itself, as live), how far members
read (`read`), reactions (`reaction`), pins (`pin`) and changes of the room itself (`room`)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection

from nats.js import JetStreamContext

from chatcluster.bus import CHAT_STREAM, read_stream
from chatcluster.gateway.hub import RELAYS, Outbound, event_frame, relay_of
from chatcluster.ids import id_timestamp_ms
from chatcluster.models import message_subject
from chatcluster.times import utc_datetime

MAX_REPLAY = 10_000
# Events are stamped at the gateway before their PubAck, so allow for skew between
# gateway replicas when turning an id into a stream start time.
CLOCK_SKEW_MS = 5_000


def replay_frame(subject: str, payload: bytes, user_id: int) -> Outbound | None:
    """The frame a replayed event becomes for `user_id`'s socket, or None when it gets none."""
    relay = relay_of(subject)
    if relay is None:
        return event_frame(payload)
    notice = relay.relayed(subject, payload)
    if notice is None or (notice.user_id == user_id and not relay.to_self):
        return None
    return notice.frame


def replay_subjects(room_id: str) -> list[str]:
    """The subjects of a room that a replay reads: its messages and every replayed relay's."""
    return [message_subject(room_id), *(relay.subject(room_id) for relay in RELAYS if relay.replayed)]


async def missed_events(
    js: JetStreamContext,
    rooms: list[str],
    since: int,
    max_bytes: int,
    user_id: int,
    hidden: Collection[int] = frozenset(),
) -> tuple[list[Outbound], bool]:
    """Events with event_id > since in the given rooms, in stream order, none by a user in `hidden` (whom the user
    blocked, as live); True if cut at MAX_REPLAY events or at `max_bytes` (what the socket may hold), after which
    the client pages back through history."""
    if not rooms:
        return [], False
    start = utc_datetime(id_timestamp_ms(since) - CLOCK_SKEW_MS)
    subjects = [subject for r in rooms for subject in replay_subjects(r)]
    found: list[Outbound] = []
    size = 0
    async with contextlib.aclosing(read_stream(js, CHAT_STREAM, subjects, since=start, wait_seconds=2)) as batches:
        async for batch in batches:
            for msg in batch:
                item = replay_frame(msg.subject, msg.data, user_id)
                if item is None or item.author_id in hidden:
                    continue
                if item.event_id is not None and item.event_id > since:
                    if size + item.size > max_bytes:
                        return found, True
                    size += item.size
                    found.append(item)
                    if len(found) >= MAX_REPLAY:
                        return found, True
    return found, False
