"""The BROADCASTS stream and the one way to publish a broadcast."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from chatcluster.bus import Published, _ensure_stream, _event_stream
from chatcluster.config import Settings
from chatcluster.creators.models import BROADCAST_SUBJECT_PREFIX, BroadcastEvent

BROADCAST_STREAM = "BROADCASTS"


def broadcast_stream_config(settings: Settings) -> StreamConfig:
    return _event_stream(BROADCAST_STREAM, [f"{BROADCAST_SUBJECT_PREFIX}>"], settings)


async def ensure_broadcast_stream(js: JetStreamContext, settings: Settings) -> None:
    await _ensure_stream(js, broadcast_stream_config(settings))


async def publish_broadcast(js: JetStreamContext, event: BroadcastEvent) -> Published:
    """Publish and wait for the PubAck; a retried send's duplicate answers with the original's sequence."""
    ack = await js.publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": event.dedup_key},
        stream=BROADCAST_STREAM,
    )
    return Published(stream_sequence=ack.seq, duplicate=bool(ack.duplicate))


async def broadcast_at(js: JetStreamContext, sequence: int) -> BroadcastEvent:
    raw = await js.get_msg(BROADCAST_STREAM, seq=sequence, direct=True)
    return BroadcastEvent.model_validate_json(raw.data or b"")
