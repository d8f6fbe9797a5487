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
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig

from chatcluster.bus import CHAT_STREAM, ensure_streams
from chatcluster.config import Settings
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, MessageEvent
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
    config = ConsumerConfig(durable_name="bench-baseline", ack_policy=AckPolicy.EXPLICIT, max_ack_pending=20_000)
    await js.add_consumer(CHAT_STREAM, config)
    sub = await js.pull_subscribe_bind(durable="bench-baseline", stream=CHAT_STREAM)
    started, seen = time.perf_counter(), 0
    while seen < count:
        for msg in await sub.fetch(256, timeout=5):
            await msg.ack()
            seen += 1
    return count / (time.perf_counter() - started)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_home=MODEL_HOME, nats_url=f"nats://127.0.0.1:{free_port()}")
        platform = Supervisor(settings, services=())
        await platform.start()
        try:
            nc = await nats.connect(settings.nats_url)
            js = nc.jetstream(timeout=30)
            await ensure_streams(js, settings)
            await publish_all(js, backlog(count))
            baseline = await bare_consumer_rate(js, count)

            store = await open_store(settings)
            started = time.perf_counter()
            await platform.start_service("scorer")
            await platform.start_service("aggregator")
            first_seen = None
            while True:
                rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
                done = rows[0].count if rows else 0
                if done and first_seen is None:
                    first_seen = (time.perf_counter(), done)
                if done >= count:
                    break
                await asyncio.sleep(0.2)
            finished = time.perf_counter()
            await store.close()
            await nc.close()
        finally:
            await platform.stop()

    assert first_seen is not None
    cold = count / (finished - started)
    warm = (count - first_seen[1]) / max(finished - first_seen[0], 1e-9)
    print(f"backlog                        {count:10,d} messages in CHAT")
    print(f"scorer + aggregator (cold)     {cold:10,.0f} msg/s  (from process start to all counted)")
    print(f"scorer + aggregator (warm)     {warm:10,.0f} msg/s  (after the first batch was counted)")
    print(f"bare JetStream consumer        {baseline:10,.0f} msg/s  (baseline: fetch + ack, same run)")
    print(f"ratio                          {warm / baseline:10.2f}  (warm pipeline / bare consumer)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().messages))
