"""The one durable JetStream pull-consumer loop that persister, scorer and aggregator share.

Guarantees: a message is acked only after its handler committed; a store outage
holds the batch and retries with backoff (the messages stay in hand, so an
outage never pushes good messages to the dead-letter stream); a message that
fails on its own is redelivered a bounded number of times, then written to
`CHAT_DLQ` with the error and acked. Those decisions are `chatcluster.redelivery`'s;
this module carries them out on JetStream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry.trace import Span
from pydantic import ValidationError

from chatcluster.bus import DLQ_STREAM, DLQ_SUBJECT_PREFIX, connect, ensure_streams
from chatcluster.config import Settings
from chatcluster.redelivery import (
    FIRST_BACKOFF_SECONDS,
    Action,
    Verdict,
    dead_letter_msg_id,
    dead_letter_of,
    holds_batch,
    next_backoff,
    undecodable,
    verdict,
)
from chatcluster.telemetry.health import HEALTH
from chatcluster.telemetry.instruments import MESSAGING_CONSUMER_GROUP_NAME, instruments
from chatcluster.telemetry.messaging import (
    finish_processing,
    record_operation,
    record_process,
    sending,
    start_processing,
    tracing_enabled,
    within,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

ACK_WAIT_SECONDS = 30.0
BACKLOG_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Delivery(Generic[T]):
    msg: Msg
    value: T
    span: Span | None = None  # this message's `process` span, when tracing is on


@dataclass(frozen=True)
class ConsumerSpec(Generic[T]):
    durable: str
    stream: str
    filter_subject: str
    decode: Callable[[bytes], T]
    handle: Callable[[Sequence[Delivery[T]]], Awaitable[None]]
    message_id: Callable[[T], object] | None = None  # `messaging.message.id` of a decoded message
    reports_dlq: bool = False  # this service reports the size of CHAT_DLQ (one service should)
    max_wait_seconds: float = 1.0  # a batch is handled once it is full or this long after the fetch began
    ack_wait_seconds: float = ACK_WAIT_SECONDS  # an unacked message comes back this long after its delivery


def consumer_config(durable: str, filter_subject: str, ack_wait: float = ACK_WAIT_SECONDS) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=-1,  # the DLQ decision is ours, so the server never silently stops delivering
        filter_subject=filter_subject,
        max_ack_pending=20_000,
    )


async def dead_letter(js: JetStreamContext, consumer: str, msg: Msg, error: str) -> None:
    meta = msg.metadata
    letter = dead_letter_of(
        consumer, msg.subject, meta.sequence.stream, meta.num_delivered, error, msg.data, datetime.now(UTC)
    )
    subject = f"{DLQ_SUBJECT_PREFIX}{consumer}"
    headers = {"Nats-Msg-Id": dead_letter_msg_id(consumer, meta.sequence.stream)}
    with sending(subject, headers):
        await js.publish(subject, letter.model_dump_json().encode(), headers=headers)
    await msg.ack()
    instruments().dead_lettered.add(1, {MESSAGING_CONSUMER_GROUP_NAME: consumer})
    log.warning("dead-lettered stream seq %s on %s: %s", meta.sequence.stream, msg.subject, error)


class ConsumerLoop(Generic[T]):
    def __init__(self, settings: Settings, spec: ConsumerSpec[T]) -> None:
        self.settings = settings
        self.spec = spec
        self.processed = 0

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect(self.settings, name=self.spec.durable)
        js = nc.jetstream(timeout=5)
        await ensure_streams(js, self.settings)
        await self._ensure_consumer(js)
        sub = await js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)
        log.info("%s consuming %s", self.spec.durable, self.spec.filter_subject)
        watching = asyncio.create_task(self._watch_backlog(js, stop))
        beating = asyncio.create_task(HEALTH.beat(stop))
        try:
            while not stop.is_set():
                HEALTH.connected = nc.is_connected
                started = time.perf_counter()
                try:
                    batch = await sub.fetch(self.settings.consumer_batch, timeout=self.spec.max_wait_seconds)
                except (TimeoutError, NatsTimeoutError):
                    continue  # an idle wait, not a receive worth timing
                except NatsError as exc:
                    record_operation("receive", self.spec.filter_subject, time.perf_counter() - started, _kind(exc))
                    log.warning("fetch failed (%s); retrying", exc)
                    await asyncio.sleep(0.5)
                    continue
                record_operation("receive", self.spec.filter_subject, time.perf_counter() - started)
                await self._process(js, batch, stop)
        finally:
            watching.cancel()  # it only sleeps and polls; nothing to wait for
            beating.cancel()
            # close() flushes our pending acks; drain() would wait out the open pull request.
            await nc.close()

    async def _watch_backlog(self, js: JetStreamContext, stop: asyncio.Event) -> None:
        """Poll this durable's pending counts (and the DLQ size) for the observable gauges."""
        backlog = instruments().backlog
        durable = self.spec.durable
        while not stop.is_set():
            try:
                info = await js.consumer_info(self.spec.stream, durable)
                backlog.pending[durable] = info.num_pending or 0
                backlog.ack_pending[durable] = info.num_ack_pending or 0
                if self.spec.reports_dlq:
                    backlog.dlq_messages = (await js.stream_info(DLQ_STREAM)).state.messages
            except Exception as exc:  # NATS restarting: keep the last figures, try again later
                log.debug("backlog poll failed: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), BACKLOG_POLL_SECONDS)

    async def _ensure_consumer(self, js: JetStreamContext) -> None:
        config = consumer_config(self.spec.durable, self.spec.filter_subject, self.spec.ack_wait_seconds)
        try:
            await js.consumer_info(self.spec.stream, self.spec.durable)
        except NotFoundError:
            await js.add_consumer(self.spec.stream, config)

    def _span(self, msg: Msg, value: T | None, batch_size: int) -> Span | None:
        message_id = self.spec.message_id(value) if self.spec.message_id and value is not None else None
        return start_processing(msg.subject, msg.headers, message_id, self.spec.durable, batch_size)

    async def _process(self, js: JetStreamContext, batch: list[Msg], stop: asyncio.Event) -> None:
        started = time.perf_counter()
        traced = tracing_enabled()
        good: list[Delivery[T]] = []
        for msg in batch:
            try:
                value = self.spec.decode(msg.data)
            except (ValidationError, ValueError) as exc:
                span = self._span(msg, None, len(batch)) if traced else None
                with within(span):
                    await dead_letter(js, self.spec.durable, msg, undecodable(exc).error)
                finish_processing(span, exc)
                continue
            good.append(Delivery(msg, value, self._span(msg, value, len(batch)) if traced else None))
        if not good:
            return
        try:
            with within(good[0].span):  # the batch's shared work nests under its first message
                await self._handle_until_stored(good, stop)
        except Exception as exc:  # a bug or a poison message: isolate it one by one
            log.warning("batch of %d failed (%s); retrying one by one", len(good), exc)
            await self._handle_one_by_one(js, good)
            record_process(self.spec.filter_subject, self.spec.durable, time.perf_counter() - started, _kind(exc))
            return
        settling = time.perf_counter()
        for delivery in good:
            await delivery.msg.ack()
        done = time.perf_counter()
        record_operation("settle", self.spec.filter_subject, done - settling)
        record_process(self.spec.filter_subject, self.spec.durable, done - started)
        if traced:
            for delivery in good:
                finish_processing(delivery.span)
        self.processed += len(good)

    async def _handle_until_stored(self, batch: Sequence[Delivery[T]], stop: asyncio.Event) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                await self.spec.handle(batch)
                return
            except Exception as exc:
                if not holds_batch(exc, stopping=stop.is_set()):
                    raise
                log.warning("%s; holding %d messages, retry in %.1fs", exc, len(batch), backoff)
                for delivery in batch:  # keep them ours while we wait
                    await delivery.msg.in_progress()
                await asyncio.sleep(backoff)
                backoff = next_backoff(backoff)

    async def _handle_one_by_one(self, js: JetStreamContext, batch: Sequence[Delivery[T]]) -> None:
        for delivery in batch:
            error: Exception | None = None
            try:
                with within(delivery.span):
                    await self.spec.handle([delivery])
            except Exception as exc:
                error = exc
            deliveries = delivery.msg.metadata.num_delivered
            await self._settle(
                js, delivery, verdict(error, deliveries=deliveries, max_deliver=self.settings.max_deliver)
            )
            finish_processing(delivery.span, error)
            if error is None:
                self.processed += 1

    async def _settle(self, js: JetStreamContext, delivery: Delivery[T], decided: Verdict) -> None:
        msg = delivery.msg
        if decided.action is Action.ACK:
            await msg.ack()
        elif decided.action is Action.REDELIVER:
            await msg.nak(delay=decided.delay)
        else:
            with within(delivery.span):
                await dead_letter(js, self.spec.durable, msg, decided.error)


def _kind(exc: BaseException) -> str:
    """The `error.type` of a failure: the exception's class name."""
    return type(exc).__qualname__
