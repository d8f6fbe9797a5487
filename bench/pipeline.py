"""End-to-end rate through persister + scorer + aggregator, draining a backlog in the CHAT stream.

Publishes N message events straight into JetStream (default 100,000), then:
- baseline: a bare durable pull consumer that fetches and acks every message
  (the floor any consumer on this bus pays);
- project: the persister, the scorer and the aggregator as separate processes, from a cold start,
  until the store's statistics count all N messages (scored, republished on chat.scored.<room>,
  stored, and aggregated exactly once) and every durable consumer has acknowledged everything
  (the persister has stored every message).
The warm rate (after the first batch was counted, process start-up left out) is the figure; CPU seconds per
1,000 messages per service are read from /proc over the same window.

With `--replicas 1,2` it runs again with a second persister and a second scorer on the same durables (on two
cores a second replica cannot double anything: the ratio shows the work spreads; CPU per message sizes a
cluster). Each replica count runs --rounds times on a fresh backlog; figures are medians.

Usage: .venv/bin/python bench/pipeline.py [--messages 100000] [--rounds 1] [--replicas 1,2] [--json out.json]
                                          [--services persister,scorer,aggregator]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
from harness import MODEL_HOME, Replicas, ensure_model, median, medians, wait_drained, write_json
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from chatcluster.bus import CHAT_STREAM, SCORED_STREAM, ensure_streams
from chatcluster.config import Settings
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import MESSAGE_SUBJECT_PREFIX, EventKind, Message, MessageEvent
from chatcluster.sentiment.corpus import chat_eval
from chatcluster.store import open_store
from chatcluster.supervisor import Supervisor, free_port

PIPELINE = ("persister", "scorer", "aggregator")
SCALED = ("persister", "scorer")  # the services given a second replica on the same durables


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
    cpu_per_1000: dict[str, float]  # CPU seconds per 1,000 messages per service, from its first delivery on

    def warm_rate(self, count: int) -> float:
        """Messages per second after the first batch was counted (process start-up left out)."""
        return (count - self.first_count) / max(self.finished - self.first_counted_at, 1e-9)


async def drain(
    platform: Supervisor,
    settings: Settings,
    count: int,
    services: Sequence[str] = ("scorer", "aggregator"),
    js: JetStreamContext | None = None,
    replicas: int = 1,
) -> Drained:
    """Start `services` (and second replicas of the scaled ones) and wait until the store's statistics count all
    `count` messages and, given `js`, every durable consumer has acknowledged everything."""
    store = await open_store(settings)
    processes = Replicas(platform)
    try:
        for name in services:
            await platform.start_service(name)
        if replicas > 1:
            await processes.add([name for name in SCALED if name in services])
        first: tuple[float, int] | None = None
        # Per service, its CPU and how many messages its durable had acknowledged at its first delivery, so
        # start-up (imports, the model) is left out of its CPU per message.
        started_at: dict[str, tuple[float, int]] = {}
        while True:
            rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
            done = rows[0].count if rows else 0
            if done and first is None:
                first = (time.perf_counter(), done)
            if js is not None:
                await _note_starts(js, processes, services, started_at)
            if done >= count:
                assert first is not None
                finished = time.perf_counter() if js is None else await wait_drained(js, timeout=600)
                spent = processes.cpu()
                cpu = {
                    name: (spent[name] - cpu0) / max(count - acked, 1) * 1000
                    for name, (cpu0, acked) in started_at.items()
                }
                return Drained(first[0], first[1], finished, cpu)
            await asyncio.sleep(0.1)
    finally:
        await store.close()
        await processes.stop()


DURABLE_OF = {
    "persister": (CHAT_STREAM, "persister"),
    "scorer": (CHAT_STREAM, "scorer"),
    "aggregator": (SCORED_STREAM, "aggregator"),
}


async def _note_starts(
    js: JetStreamContext, processes: Replicas, services: Sequence[str], started_at: dict[str, tuple[float, int]]
) -> None:
    if "nats" not in started_at:
        started_at["nats"] = (processes.cpu()["nats"], 0)
    for name in services:
        if name in started_at or name not in DURABLE_OF:
            continue
        try:
            info = await js.consumer_info(*DURABLE_OF[name])
        except nats.js.errors.NotFoundError:
            continue
        if info.delivered.stream_seq:
            started_at[name] = (processes.cpu()[name], info.ack_floor.stream_seq if info.ack_floor else 0)


@asynccontextmanager
async def backlogged(count: int) -> AsyncIterator[tuple[Supervisor, Settings, JetStreamContext]]:
    """A fresh nats-server and store with `count` message events waiting in CHAT, and no consumer yet."""
    with tempfile.TemporaryDirectory() as tmp:
        ensure_model()
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


async def one_drain(count: int, services: Sequence[str], replicas: int) -> dict[str, float]:
    async with backlogged(count) as (platform, settings, js):
        baseline = await bare_consumer_rate(js, count)
        started = time.perf_counter()
        drained = await drain(platform, settings, count, services, js, replicas)
    cpu = {f"cpu:{name}": seconds for name, seconds in drained.cpu_per_1000.items()}
    return {"cold": count / (drained.finished - started), "warm": drained.warm_rate(count), "bare": baseline, **cpu}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    count, services = args.messages, tuple(args.services)
    results: list[dict[str, Any]] = []
    for replicas in args.replicas:
        runs = [await one_drain(count, services, replicas) for _ in range(args.rounds)]
        found = medians(runs)
        results.append(
            {
                "replicas": replicas,
                "warm_msg_per_s": found["warm"],
                "cold_msg_per_s": found["cold"],
                "bare_msg_per_s": found["bare"],
                "ratio": median(run["warm"] / run["bare"] for run in runs),
                "cpu_seconds_per_1000_messages": {k.removeprefix("cpu:"): v for k, v in found.items() if ":" in k},
                "runs": runs,
            }
        )
    name = " + ".join(services)
    print(f"backlog {count:,d} messages in CHAT; {name}; median of {args.rounds} round(s)")
    for result in results:
        print(f"[{result['replicas']} replica(s) of {', '.join(s for s in SCALED if s in services)}]")
        print(f"  pipeline (cold)            {result['cold_msg_per_s']:10,.0f} msg/s  (from process start)")
        print(f"  pipeline (warm)            {result['warm_msg_per_s']:10,.0f} msg/s  (after the first batch counted)")
        print(
            f"  bare JetStream consumer    {result['bare_msg_per_s']:10,.0f} msg/s  (baseline: fetch + ack, same run)"
        )
        print(f"  ratio                      {result['ratio']:10.2f}  (warm pipeline / bare consumer)")
        cpu = result["cpu_seconds_per_1000_messages"]
        spent = ", ".join(f"{k} {v:.3f}" for k, v in sorted(cpu.items()))
        print(f"  CPU s per 1,000 messages: {spent}")
        # Below the machine's cores, the pipeline waits (on acks, the store) rather than computes.
        result["busy_cores"] = result["warm_msg_per_s"] * sum(cpu.values()) / 1000
        print(f"  busy cores while draining: {result['busy_cores']:.2f} of {len(os.sched_getaffinity(0))}")
    figures: dict[str, Any] = {"messages": count, "services": list(services), "rounds": args.rounds}
    figures["by_replicas"] = results
    figures.update({k: results[0][k] for k in ("warm_msg_per_s", "bare_msg_per_s", "ratio")})
    if len(results) > 1:
        scale = results[-1]["warm_msg_per_s"] / results[0]["warm_msg_per_s"]
        figures["scale_out"] = scale
        print(f"scale-out {results[-1]['replicas']}/1 replicas: {scale:.2f}x")
    write_json(args.json, figures)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--replicas", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    parser.add_argument("--services", type=lambda v: v.split(","), default=list(PIPELINE))
    parser.add_argument("--json", help="write the figures here")
    asyncio.run(main(parser.parse_args()))
