"""End-to-end rate through scorer + aggregator, draining a backlog in the CHAT stream.

Publishes N message events straight into JetStream (default 100,000), then:
- baseline: a bare durable pull consumer that fetches and acks every message
  (the floor any consumer on this bus pays);
- project: the scorer and the aggregator as separate processes, from a cold start,
  until the store's statistics count all N messages (scored, republished on
  chat.scored.<room>, stored, and aggregated exactly once).

Usage: .venv/bin/python bench/pipeline.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from chatcluster.bus import CHAT_STREAM, ensure_streams
from chatcluster.config import Settings
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import MESSAGE_SUBJECT_PREFIX, EventKind, Message, MessageEvent
from chatcluster.sentiment.corpus import chat_eval
from chatcluster.store import open_store
from chatcluster.supervisor import Supervisor, free_port

MODEL_HOME = Path(__file__).parents[1] / ".chatcluster"


def backlog(count: int) -> list[MessageEvent]:
    texts = itertools.cycle([text for _, text in chat_eval()])
    ids = SnowflakeGenerator(worker_id=900)
    events = []
    for i, text in zip(range(count), texts, strict=False):
        message_id = ids.next_id()
        message = Message(
            message_id=message_id, room_id=f"bench-{i % 50}", author_id=1 + i % 200, author=f"user{i % 200}", text=text
        )
        events.append(MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message))
    return events


async def publish_all(js: nats.js.JetStreamContext, events: list[MessageEvent]) -> None:
    for start in range(0, len(events), 2000):
        chunk = events[start : start + 2000]
        await asyncio.gather(
            *(
                js.publish(e.subject, e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.event_id)})
                for e in chunk
            )
        )


async def bare_consumer_rate(js: nats.js.JetStreamContext, count: int) -> float:
    # The same subjects as the persister and scorer: CHAT also carries read receipts and membership events.
    config = ConsumerConfig(
        durable_name="bench-baseline",
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=20_000,
        filter_subject=f"{MESSAGE_SUBJECT_PREFIX}>",
    )
    await js.add_consumer(CHAT_STREAM, config)
    sub = await js.pull_subscribe_bind(durable="bench-baseline", stream=CHAT_STREAM)
    started, seen = time.perf_counter(), 0
    while seen < count:
        for msg in await sub.fetch(256, timeout=5):
            await msg.ack()
            seen += 1
    return count / (time.perf_counter() - started)


@dataclass(frozen=True)
class Drained:
    first_counted_at: float  # when the store first counted anything
    first_count: int  # how many it had counted then
    finished: float  # when it had counted them all

    def warm_rate(self, count: int) -> float:
        """Messages per second after the first batch was counted (process start-up left out)."""
        return (count - self.first_count) / max(self.finished - self.first_counted_at, 1e-9)


async def drain(platform: Supervisor, settings: Settings, count: int) -> Drained:
    """Start the scorer and the aggregator and wait until the store's statistics count all `count` messages."""
    store = await open_store(settings)
    try:
        await platform.start_service("scorer")
        await platform.start_service("aggregator")
        first: tuple[float, int] | None = None
        while True:
            rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
            done = rows[0].count if rows else 0
            if done and first is None:
                first = (time.perf_counter(), done)
            if done >= count:
                assert first is not None
                return Drained(first[0], first[1], time.perf_counter())
            await asyncio.sleep(0.1)
    finally:
        await store.close()


@asynccontextmanager
async def backlogged(count: int) -> AsyncIterator[tuple[Supervisor, Settings, JetStreamContext]]:
    """A fresh nats-server and store with `count` message events waiting in CHAT, and no consumer yet."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_home=MODEL_HOME, nats_url=f"nats://127.0.0.1:{free_port()}")
        platform = Supervisor(settings, services=())
        await platform.start()
        try:
            nc = await nats.connect(settings.nats_url)
            js = nc.jetstream(timeout=30)
            await ensure_streams(js, settings)
            await publish_all(js, backlog(count))
            yield platform, settings, js
            await nc.close()
        finally:
            await platform.stop()


async def main(count: int) -> None:
    async with backlogged(count) as (platform, settings, js):
        baseline = await bare_consumer_rate(js, count)
        started = time.perf_counter()
        drained = await drain(platform, settings, count)

    cold = count / (drained.finished - started)
    warm = drained.warm_rate(count)
    print(f"backlog                        {count:10,d} messages in CHAT")
    print(f"scorer + aggregator (cold)     {cold:10,.0f} msg/s  (from process start to all counted)")
    print(f"scorer + aggregator (warm)     {warm:10,.0f} msg/s  (after the first batch was counted)")
    print(f"bare JetStream consumer        {baseline:10,.0f} msg/s  (baseline: fetch + ack, same run)")
    print(f"ratio                          {warm / baseline:10.2f}  (warm pipeline / bare consumer)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().messages))
