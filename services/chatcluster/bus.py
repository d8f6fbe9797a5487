"""NATS JetStream: the streams ChatCluster owns and the one way to publish to them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from chatcluster.config import Settings
from chatcluster.errors import BusUnavailable
from chatcluster.models import SCORED_SUBJECT_PREFIX, MessageEvent, ScoredEvent

log = logging.getLogger(__name__)

CHAT_STREAM = "CHAT"
SCORED_STREAM = "CHAT_SCORED"
DLQ_STREAM = "CHAT_DLQ"
DLQ_SUBJECT_PREFIX = "chat.dlq."


def chat_stream_config(settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=CHAT_STREAM,
        subjects=["chat.msg.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.dedup_window_seconds),
        allow_direct=True,
    )


def scored_stream_config(settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=SCORED_STREAM,
        subjects=[f"{SCORED_SUBJECT_PREFIX}>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.dedup_window_seconds),
        allow_direct=True,
    )


def dlq_stream_config() -> StreamConfig:
    return StreamConfig(
        name=DLQ_STREAM,
        subjects=[f"{DLQ_SUBJECT_PREFIX}>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=30 * 24 * 3600.0,
        allow_direct=True,  # the stats API reads recent dead letters with direct gets
    )


async def connect(settings: Settings, name: str) -> NATS:
    """A connection that keeps reconnecting forever: nats-server restarts are routine."""
    return await nats.connect(
        settings.nats_url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
    )


async def ensure_streams(js: JetStreamContext, settings: Settings) -> None:
    """Create or update the streams; safe to run from every process at start."""
    for config in (chat_stream_config(settings), scored_stream_config(settings), dlq_stream_config()):
        try:
            await js.stream_info(config.name or "")
            await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(config)
            log.info("created stream %s", config.name)


@dataclass(frozen=True)
class Published:
    stream_sequence: int
    duplicate: bool


async def publish_event(
    js: JetStreamContext, event: MessageEvent, dedup_key: str, headers: dict[str, str] | None = None
) -> Published:
    """Publish and wait for JetStream's PubAck; the dedup key makes retries harmless."""
    ack = await js.publish(
        event.subject,
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": dedup_key, **(headers or {})},
        stream=CHAT_STREAM,
    )
    return Published(stream_sequence=ack.seq, duplicate=bool(ack.duplicate))


async def publish_scored(js: JetStreamContext, events: list[ScoredEvent]) -> None:
    """Publish scores concurrently and wait for every PubAck; dedup on the scored event id."""
    try:
        await asyncio.gather(
            *(
                js.publish(
                    e.subject,
                    e.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": f"scored:{e.event_id}"},
                    stream=SCORED_STREAM,
                )
                for e in events
            )
        )
    except (NatsError, TimeoutError) as exc:
        raise BusUnavailable(f"publishing scores failed: {exc!r}") from exc


async def event_at_sequence(js: JetStreamContext, sequence: int) -> MessageEvent:
    raw = await js.get_msg(CHAT_STREAM, seq=sequence, direct=True)
    return MessageEvent.model_validate_json(raw.data or b"")
