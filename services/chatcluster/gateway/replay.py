"""Replay from JetStream what a reconnecting client missed since its last event id."""

from __future__ import annotations

import contextlib

from nats.js import JetStreamContext

from chatcluster.bus import CHAT_STREAM, read_stream
from chatcluster.gateway.hub import Outbound, event_frame
from chatcluster.ids import id_timestamp_ms
from chatcluster.models import message_subject
from chatcluster.times import utc_datetime

MAX_REPLAY = 10_000
# Events are stamped at the gateway before their PubAck, so allow for skew between
# gateway replicas when turning an id into a stream start time.
CLOCK_SKEW_MS = 5_000


async def missed_events(
    js: JetStreamContext, rooms: list[str], since: int, max_bytes: int
) -> tuple[list[Outbound], bool]:
    """Events with event_id > since in the given rooms, in stream order; True if cut at MAX_REPLAY
    events or at `max_bytes` (what the socket may hold), after which the client pages back through history."""
    if not rooms:
        return [], False
    start = utc_datetime(id_timestamp_ms(since) - CLOCK_SKEW_MS)
    subjects = [message_subject(r) for r in rooms]
    found: list[Outbound] = []
    size = 0
    async with contextlib.aclosing(read_stream(js, CHAT_STREAM, subjects, since=start, wait_seconds=2)) as batches:
        async for batch in batches:
            for msg in batch:
                item = event_frame(msg.data)
                if item.event_id is not None and item.event_id > since:
                    if size + item.size > max_bytes:
                        return found, True
                    size += item.size
                    found.append(item)
                    if len(found) >= MAX_REPLAY:
                        return found, True
    return found, False
