"""The aggregator: folds scored messages into the statistics, exactly once per message.

It consumes CHAT_SCORED; the store counts a message only if it has not counted
it before, in the same transaction, so redeliveries and crashes never double
count. `rebuild` recomputes everything from the stream through the same path,
and so does the aggregator itself when it starts on aggregates that wait for a
recount (after the upgrade that gave them their layout, or a rebuild cut short).

After each counted batch it recomputes the mood (`chatcluster.mood`) of the rooms the batch
touched and publishes the changed ones on core NATS, throttled per room (`MoodPublisher`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from chatcluster.bus import SCORED_STREAM, connect, ensure_streams, read_stream
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.models import SCORED_SUBJECT_PREFIX, ScoredEvent, event_id_of
from chatcluster.mood import MoodThrottle, RoomMood, mood_event, read_mood
from chatcluster.store import Aggregates, Stats, open_store
from chatcluster.telemetry.instruments import instruments

log = logging.getLogger(__name__)

DURABLE = "aggregator"
DETAIL_RETENTION_MS = 25 * 3600 * 1000  # per-minute detail must cover the "last day" window
PRUNE_EVERY_SECONDS = 60.0
RECOUNT_RETRY_SECONDS = 5.0


async def _prune_periodically(store: Aggregates, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):
            await store.prune_aggregates(int(time.time() * 1000) - DETAIL_RETENTION_MS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PRUNE_EVERY_SECONDS)


async def _recount_if_pending(settings: Settings, store: Aggregates, stop: asyncio.Event) -> None:
    """Replay the stream beside the live consumer when the store asks for it: both count through the
    once-only path, so nothing is counted twice, and the figures are complete once it is done."""
    while not stop.is_set():
        try:
            if await store.recount_pending() and (done := await _recount(settings, store, stop)) is not None:
                log.info("recounted the aggregates from %s scored events: %s messages counted", *done)
            return
        except Exception as exc:  # the store or the bus is away: the recount waits, the live consumer goes on
            log.warning("recounting the aggregates failed (%r); retrying in %ss", exc, RECOUNT_RETRY_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RECOUNT_RETRY_SECONDS)


async def _recount(settings: Settings, store: Aggregates, stop: asyncio.Event) -> tuple[int, int] | None:
    """(events read, messages newly counted), or None when the aggregator stops first."""
    async with _streams(settings, "aggregates-recount") as js:
        if not (await js.stream_info(SCORED_STREAM)).state.messages:
            await store.recount_done()  # a new platform: nothing was ever counted
            return 0, 0
        # During a rolling upgrade an aggregator of the previous version may still acknowledge messages,
        # counting them only into the old tables. The replay reaches as far as the stream does when it
        # starts, so it starts once that aggregator has stopped, and covers everything it took.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.recount_grace_seconds)
        if stop.is_set():
            return None
        read, counted = await replay_scored(js, store)
    await store.recount_done()
    return read, counted


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class MoodPublisher:
    """Publishes the mood of rooms whose counts changed, through the per-room throttle. Core NATS, no stream:
    an update a gateway misses is superseded by the next, and the current mood is always read from the API."""

    def __init__(self, store: Stats, nc: NATS, interval_seconds: float) -> None:
        self.store = store
        self.nc = nc
        self.throttle = MoodThrottle(interval_ms=int(interval_seconds * 1000))
        self.interval_seconds = interval_seconds

    async def rooms_counted(self, room_ids: set[str]) -> None:
        now = _now_ms()
        for room_id in sorted(room_ids):
            mood = await read_mood(self.store, room_id, now)
            if self.throttle.offer(mood, now):
                await self._publish(mood)

    async def flush_periodically(self, stop: asyncio.Event) -> None:
        """Send the held changes as their rooms' intervals end (checked four times per interval)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_seconds / 4)
            for mood in self.throttle.flush(_now_ms()):
                await self._publish(mood)

    async def _publish(self, mood: RoomMood) -> None:
        event = mood_event(mood)
        try:
            await self.nc.publish(event.subject, event.model_dump_json().encode())
        except NatsError as exc:  # live updates are best effort: the counts are stored, the API has the mood
            log.warning("publishing the mood of room %s failed: %r", mood.room_id, exc)


async def run_aggregator(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    aggregated = instruments().aggregated
    nc = await connect(settings, name="aggregator-mood")
    moods = MoodPublisher(store, nc, settings.mood_interval_seconds)

    async def aggregate(batch: Sequence[Delivery[ScoredEvent]]) -> None:
        aggregated.add(await store.record_aggregates([d.value for d in batch]))
        try:
            await moods.rooms_counted({d.value.message.room_id for d in batch})
        except Exception as exc:  # the counts are in; a failed mood read must not redeliver the batch
            log.warning("computing the rooms' mood failed: %r", exc)

    spec = ConsumerSpec(
        durable=DURABLE,
        stream=SCORED_STREAM,
        filter_subject=f"{SCORED_SUBJECT_PREFIX}>",
        decode=ScoredEvent.model_validate_json,
        handle=aggregate,
        message_id=event_id_of,
        reports_dlq=True,
    )
    pruning = asyncio.create_task(_prune_periodically(store, stop))
    recounting = asyncio.create_task(_recount_if_pending(settings, store, stop))
    flushing = asyncio.create_task(moods.flush_periodically(stop))
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        pruning.cancel()
        recounting.cancel()
        flushing.cancel()
        await asyncio.gather(pruning, recounting, flushing, return_exceptions=True)
        await nc.close()
        await store.close()


async def replay_scored(js: JetStreamContext, store: Aggregates, batch_size: int = 1000) -> tuple[int, int]:
    """Feed CHAT_SCORED, as far as it reaches when called, through the counting path; (events read,
    messages newly counted). Later events are the live consumer's, which has not acknowledged them yet:
    replaying them too would only double the work, so a recount never chases a busy stream."""
    read = counted = 0
    subjects = [f"{SCORED_SUBJECT_PREFIX}>"]
    async with contextlib.aclosing(read_stream(js, SCORED_STREAM, subjects, batch=batch_size)) as batches:
        async for msgs in batches:
            events = []
            for msg in msgs:
                with contextlib.suppress(ValueError):
                    events.append(ScoredEvent.model_validate_json(msg.data))
            read += len(msgs)
            counted += await store.record_aggregates(events)
    return read, counted


@contextlib.asynccontextmanager
async def _streams(settings: Settings, name: str) -> AsyncIterator[JetStreamContext]:
    nc = await connect(settings, name=name)
    try:
        js = nc.jetstream(timeout=10)
        await ensure_streams(js, settings)
        yield js
    finally:
        await nc.close()


async def rebuild(settings: Settings) -> tuple[int, int]:
    """Forget every aggregate, then recount from the stream. The live aggregator may keep running:
    both count through the same once-only path, so the result equals the live figures."""
    store = await open_store(settings)
    try:
        async with _streams(settings, "aggregates-rebuild") as js:  # the bus answers before anything is forgotten
            await store.reset_aggregates()
            read, counted = await replay_scored(js, store)
        await store.recount_done()
        return read, counted
    finally:
        await store.close()
