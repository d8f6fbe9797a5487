"""NATS JetStream: the streams ChatCluster owns and the one way to publish to them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from opentelemetry.context import Context

from chatcluster.config import Settings
from chatcluster.errors import BusUnavailable
from chatcluster.models import (
    MESSAGE_SUBJECT_PREFIX,
    PIN_SUBJECT_PREFIX,
    REACTION_SUBJECT_PREFIX,
    READ_SUBJECT_PREFIX,
    ROOM_SUBJECT_PREFIX,
    SCORED_SUBJECT_PREFIX,
    SETTINGS_SUBJECT_PREFIX,
    ChatEvent,
    DeadLetter,
    MessageEvent,
    ScoredEvent,
    user_subject,
)
from chatcluster.presence import PresenceBoard
from chatcluster.telemetry.instruments import instruments
from chatcluster.telemetry.messaging import record_operation, sending, tracing_enabled

log = logging.getLogger(__name__)

CHAT_STREAM = "CHAT"
SCORED_STREAM = "CHAT_SCORED"
DLQ_STREAM = "CHAT_DLQ"
DLQ_SUBJECT_PREFIX = "chat.dlq."
PRESENCE_BUCKET = "PRESENCE"


def _event_stream(name: str, subjects: list[str], settings: Settings) -> StreamConfig:
    """A stream of events: file storage, deduplicated on Nats-Msg-Id, replicated across the NATS cluster."""
    return StreamConfig(
        name=name,
        subjects=subjects,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.dedup_window_seconds),
        allow_direct=True,
        num_replicas=settings.stream_replicas,
    )


def chat_stream_config(settings: Settings) -> StreamConfig:
    # Each consumer filters on the subjects it decodes (the persister and the scorer on `chat.msg.>`), so other
    # events of a room never reach them, let alone their dead-letter path.
    prefixes = (
        MESSAGE_SUBJECT_PREFIX,
        ROOM_SUBJECT_PREFIX,
        READ_SUBJECT_PREFIX,
        REACTION_SUBJECT_PREFIX,
        PIN_SUBJECT_PREFIX,
        SETTINGS_SUBJECT_PREFIX,
    )
    return _event_stream(CHAT_STREAM, [f"{prefix}>" for prefix in prefixes], settings)


def scored_stream_config(settings: Settings) -> StreamConfig:
    return _event_stream(SCORED_STREAM, [f"{SCORED_SUBJECT_PREFIX}>"], settings)


def dlq_stream_config(settings: Settings) -> StreamConfig:
    return StreamConfig(
        name=DLQ_STREAM,
        subjects=[f"{DLQ_SUBJECT_PREFIX}>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=30 * 24 * 3600.0,
        allow_direct=True,  # the stats API reads recent dead letters with direct gets
        num_replicas=settings.stream_replicas,
    )


def presence_bucket_config(settings: Settings) -> StreamConfig:
    """The stream behind the `PRESENCE` key-value bucket, as `js.create_key_value` would make it (history 1): an
    entry lives `presence_ttl_seconds` after its last write, so the keys of a gateway that died go by themselves.
    On file like the other streams, so it is still there after a nats-server restart."""
    ttl = settings.presence_ttl_seconds
    return StreamConfig(
        name=f"KV_{PRESENCE_BUCKET}",
        subjects=[f"$KV.{PRESENCE_BUCKET}.>"],
        allow_direct=True,
        allow_rollup_hdrs=True,
        deny_delete=True,
        discard=DiscardPolicy.NEW,
        duplicate_window=min(120.0, ttl),
        max_age=ttl,
        max_msgs_per_subject=1,
        max_consumers=-1,
        max_msgs=-1,
        storage=StorageType.FILE,
        num_replicas=settings.stream_replicas,
    )


async def connect(settings: Settings, name: str) -> NATS:
    """A connection that keeps reconnecting forever: nats-server restarts are routine."""
    return await nats.connect(
        settings.nats_url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        tls=tls_context(settings),
    )


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """TLS verified against the cluster's CA (and the URL's host name) when a CA is configured; else plain."""
    if settings.nats_tls_ca is None:
        return None
    return ssl.create_default_context(cafile=str(settings.nats_tls_ca))


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.stream_info(config.name or "")
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)
        log.info("created stream %s", config.name)


async def ensure_streams(js: JetStreamContext, settings: Settings) -> None:
    """Create or update the streams; safe to run from every process at start."""
    for config in (chat_stream_config(settings), scored_stream_config(settings), dlq_stream_config(settings)):
        await _ensure_stream(js, config)


async def presence_bucket(js: JetStreamContext, settings: Settings) -> KeyValue:
    """The `PRESENCE` bucket, created or updated to the configured TTL. Only gateways write it, so only they
    ensure it: a process with another TTL configured cannot flip it back and forth (the notifier only reads it,
    through `js.key_value`)."""
    config = presence_bucket_config(settings)
    try:
        await _ensure_stream(js, config)
    except APIError:
        # A setting that cannot change in place (its storage): drop and recreate it, harmlessly, since every
        # gateway rewrites its keys within a third of the TTL.
        log.warning("recreating the %s bucket with its new settings", PRESENCE_BUCKET)
        await js.delete_stream(config.name or "")
        await js.add_stream(config)
    return await js.key_value(PRESENCE_BUCKET)


async def watch_presence(
    kv: KeyValue, board: PresenceBoard, ttl_seconds: float, caught_up: asyncio.Event | None = None
) -> None:
    """Mirror the PRESENCE bucket into `board` until cancelled; `caught_up` is set once every key's latest
    value has been applied. A watch that fails is started again; so is one that hears nothing for a whole TTL
    (every gateway rewrites its keys every third of it, so the watch may have died with a nats-server restart):
    it replays each key's latest value, cheaply."""
    while True:
        try:
            watcher = await kv.watchall()
        except (NatsError, TimeoutError) as exc:
            log.warning("cannot watch the presence bucket (%s); retrying", exc)
            await asyncio.sleep(1)
            continue
        try:
            while True:
                entry = await watcher.updates(timeout=ttl_seconds)  # type: ignore[no-untyped-call]
                if entry is None:  # the end of the replay: what follows is live
                    if caught_up is not None:
                        caught_up.set()
                    continue
                gone = entry.operation in (KV_DEL, KV_PURGE)
                board.apply(entry.key, None if gone else entry.value)
        except TimeoutError:
            pass
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Published:
    stream_sequence: int
    duplicate: bool


async def publish_event(
    js: JetStreamContext, event: ChatEvent, dedup_key: str, headers: dict[str, str] | None = None
) -> Published:
    """Publish to the CHAT stream and wait for JetStream's PubAck; the dedup key makes retries harmless.

    The publish is a `send` span of the current trace, whose context travels in the headers."""
    headers = {"Nats-Msg-Id": dedup_key, **(headers or {})}
    counted = isinstance(event, MessageEvent)  # chatcluster.messages.published counts message events only
    try:
        with sending(event.subject, headers, event.event_id):
            ack = await js.publish(event.subject, event.model_dump_json().encode(), headers=headers, stream=CHAT_STREAM)
    except Exception:
        if counted:
            instruments().published.add(1, {"outcome": "error"})
        raise
    if counted:
        instruments().published.add(1, {"outcome": "ok"})
    return Published(stream_sequence=ack.seq, duplicate=bool(ack.duplicate))


async def publish_scored(
    js: JetStreamContext, events: list[ScoredEvent], parents: list[Context | None] | None = None
) -> None:
    """Publish scores concurrently and wait for every PubAck; dedup on the scored event id.

    `parents` are the trace contexts of the messages scored (their `process` spans), so each
    score continues its message's trace to the aggregator. The publishes overlap, so one
    `send` duration is recorded for the batch, until its last PubAck: the same figure each
    publish would report, for one measurement instead of hundreds."""

    traced = tracing_enabled()

    async def publish(event: ScoredEvent, parent: Context | None) -> None:
        headers = {"Nats-Msg-Id": f"scored:{event.event_id}"}
        data = event.model_dump_json().encode()
        if not traced:
            await js.publish(event.subject, data, headers=headers, stream=SCORED_STREAM)
            return
        with sending(event.subject, headers, event.event_id, parent, timed=False):
            await js.publish(event.subject, data, headers=headers, stream=SCORED_STREAM)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(publish(e, p) for e, p in zip(events, parents or [None] * len(events), strict=True)))
    except (NatsError, TimeoutError) as exc:
        record_operation("send", SCORED_SUBJECT_PREFIX, time.perf_counter() - started, type(exc).__qualname__)
        raise BusUnavailable(f"publishing scores failed: {exc!r}") from exc
    record_operation("send", SCORED_SUBJECT_PREFIX, time.perf_counter() - started)


async def publish_user_frame(nc: NATS, user_id: int, frame: Mapping[str, Any]) -> None:
    """A live frame for every socket of `user_id`, on whichever gateways hold them (`chat.user.<user>`, core NATS:
    nothing is kept for a user with no socket open). `frame` is what the page receives: a JSON object with a `type`."""
    await nc.publish(user_subject(user_id), json.dumps(frame).encode())


async def event_at_sequence(js: JetStreamContext, sequence: int) -> MessageEvent:
    raw = await js.get_msg(CHAT_STREAM, seq=sequence, direct=True)
    return MessageEvent.model_validate_json(raw.data or b"")


async def read_stream(
    js: JetStreamContext,
    stream: str,
    subjects: Sequence[str],
    *,
    since: datetime | None = None,
    batch: int = 500,
    wait_seconds: float = 5.0,
) -> AsyncGenerator[list[Msg]]:
    """What `stream` holds on `subjects`, in stream order, a batch at a time: from its first message, or
    from the time `since`, as far as the stream reached when the reading began (what comes later is the
    live consumers' to take). The replay of a reconnecting client and the recount of the aggregates.

    An ephemeral consumer that acknowledges nothing, deleted at the end: wrap the iterator in
    `contextlib.aclosing` so that leaving the loop early deletes it at once."""
    end = (await js.stream_info(stream)).state.last_seq
    if not end:
        return
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL if since is None else DeliverPolicy.BY_START_TIME,
        opt_start_time=since,
        ack_policy=AckPolicy.NONE,
        filter_subjects=list(subjects),
        inactive_threshold=60.0,  # removes it should this process die before deleting it
        mem_storage=True,
    )
    sub = await js.pull_subscribe("", stream=stream, config=config)
    reached = 0
    try:
        # `num_pending` ends the reading where the subjects' last message is, without waiting out a fetch.
        while reached < end and (await sub.consumer_info()).num_pending:
            try:
                msgs = await sub.fetch(batch, timeout=wait_seconds)
            except TimeoutError:
                return
            reached = max([reached, *(msg.metadata.sequence.stream for msg in msgs)])
            yield msgs
    finally:
        await sub.unsubscribe()
        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(stream, config.name or "")


@dataclass(frozen=True)
class DeadLetters:
    total: int
    by_consumer: dict[str, int]
    recent: list[DeadLetter]  # newest first


async def dead_letters(js: JetStreamContext, limit: int) -> DeadLetters:
    """What CHAT_DLQ holds: its size, per consumer, and up to `limit` of the latest letters (direct gets).

    The letters carry whole payloads: who may read them is the caller's decision."""
    try:
        info = await js.stream_info(DLQ_STREAM, subjects_filter=">")
        recent: list[DeadLetter] = []
        sequence = info.state.last_seq
        while len(recent) < limit and sequence >= max(info.state.first_seq, 1) and info.state.messages:
            with contextlib.suppress(NotFoundError):  # aged out since the stream info was read
                raw = await js.get_msg(DLQ_STREAM, seq=sequence, direct=True)
                recent.append(DeadLetter.model_validate_json(raw.data or b""))
            sequence -= 1
    except (NatsError, TimeoutError) as exc:
        raise BusUnavailable(f"reading {DLQ_STREAM} failed: {type(exc).__name__}") from exc
    by_consumer = {s.removeprefix(DLQ_SUBJECT_PREFIX): n for s, n in (info.state.subjects or {}).items()}
    return DeadLetters(total=info.state.messages, by_consumer=by_consumer, recent=recent)
