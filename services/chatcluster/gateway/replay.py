"""Replay from JetStream what a reconnecting client missed since its last event id."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from chatcluster.bus import CHAT_STREAM
from chatcluster.gateway.hub import Outbound, event_frame
from chatcluster.ids import id_timestamp_ms
from chatcluster.models import message_subject

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
    start = datetime.fromtimestamp((id_timestamp_ms(since) - CLOCK_SKEW_MS) / 1000, tz=UTC)
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_TIME,
        opt_start_time=start,
        ack_policy=AckPolicy.NONE,
        filter_subjects=[message_subject(r) for r in rooms],
        inactive_threshold=30.0,
        mem_storage=True,
    )
    sub = await js.pull_subscribe("", stream=CHAT_STREAM, config=config)
    found: list[Outbound] = []
    size = 0
    try:
        while len(found) < MAX_REPLAY:
            if (await sub.consumer_info()).num_pending == 0:
                break
            try:
                batch = await sub.fetch(min(500, MAX_REPLAY - len(found)), timeout=2)
            except TimeoutError:
                break
            for msg in batch:
                item = event_frame(msg.data)
                if item.event_id is not None and item.event_id > since:
                    if size + item.size > max_bytes:
                        return found, True
                    size += item.size
                    found.append(item)
        return found, len(found) >= MAX_REPLAY
    finally:
        await sub.unsubscribe()
        if config.name:
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(CHAT_STREAM, config.name)
