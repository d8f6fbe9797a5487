"""Replay from JetStream what a reconnecting client missed since its last event id: the messages of its
rooms, who joined or left them (`member` frames, never about the user itself, as live), and how far members
read them (`read` frames: read events are only published where members share receipts)."""

from __future__ import annotations

import contextlib

from nats.js import JetStreamContext

from chatcluster.bus import CHAT_STREAM, read_stream
from chatcluster.gateway.hub import Outbound, event_frame, member_notice, read_notice
from chatcluster.ids import id_timestamp_ms
from chatcluster.models import READ_SUBJECT_PREFIX, ROOM_SUBJECT_PREFIX, message_subject, read_subject, room_subject
from chatcluster.times import utc_datetime

MAX_REPLAY = 10_000
# Events are stamped at the gateway before their PubAck, so allow for skew between
# gateway replicas when turning an id into a stream start time.
CLOCK_SKEW_MS = 5_000


def replay_frame(subject: str, payload: bytes, user_id: int) -> Outbound | None:
    """The frame a replayed event becomes for `user_id`'s socket, or None when it gets none."""
    if subject.startswith(ROOM_SUBJECT_PREFIX):
        notice = member_notice(payload)
        return None if notice is None or notice.user_id == user_id else notice.frame
    if subject.startswith(READ_SUBJECT_PREFIX):
        receipt = read_notice(payload)
        return None if receipt is None else receipt.frame
    return event_frame(payload)


async def missed_events(
    js: JetStreamContext, rooms: list[str], since: int, max_bytes: int, user_id: int
) -> tuple[list[Outbound], bool]:
    """Events with event_id > since in the given rooms, in stream order; True if cut at MAX_REPLAY
    events or at `max_bytes` (what the socket may hold), after which the client pages back through history."""
    if not rooms:
        return [], False
    start = utc_datetime(id_timestamp_ms(since) - CLOCK_SKEW_MS)
    subjects = [subject for r in rooms for subject in (message_subject(r), room_subject(r), read_subject(r))]
    found: list[Outbound] = []
    size = 0
    async with contextlib.aclosing(read_stream(js, CHAT_STREAM, subjects, since=start, wait_seconds=2)) as batches:
        async for batch in batches:
            for msg in batch:
                item = replay_frame(msg.subject, msg.data, user_id)
                if item is not None and item.event_id is not None and item.event_id > since:
                    if size + item.size > max_bytes:
                        return found, True
                    size += item.size
                    found.append(item)
                    if len(found) >= MAX_REPLAY:
                        return found, True
    return found, False
