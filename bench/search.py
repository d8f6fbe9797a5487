"""Latency of message search (`GET /v1/search`) over a store holding 1,000,000 messages, against a plain history
page of the same room (`GET /v1/rooms/{id}/messages`), same run, same gateway; and the same two calls on the
store itself (`Messages.search` against `Messages.history`), without the HTTP around them.

For each store asked for (SQLite, and a real Cassandra 5.0 started by chatcluster.dev.cassandra on free ports,
rf=1, consistency ONE, commit log synced periodically as Cassandra ships), a gateway process runs against the
store (no other service: nothing is sent while measuring), and this process:
- registers the reader through the API and makes --rooms group rooms with the reader a member of each, through
  the store;
- writes --messages messages through the store's own `apply_events` (what the persister calls: the search index
  follows), in batches of --batch, spread evenly over the rooms and over --days days (so over several ten-day
  buckets). Each text is a real chat line from the shipped evaluation set followed by three words drawn from a
  50,000-word vocabulary with Zipf frequencies, so words range from very common to rare, as in real chat;
- searches for words of four frequencies: `common` (the most frequent word: in about a quarter of all
  messages), `medium` (rank 100: ~0.3%), `rare` (rank 10,000: a few dozen messages in the whole store) and
  `two words` (ranks 1 and 2, both required); and `needle`, a word written into only 10 messages spread over
  the whole time span, so a search must look through every bucket to find them all;
- checks each query's first page once against the ids expected from what was written (newest first, the
  matched words highlighted);
- times --requests requests of each kind one at a time: search in one room (`room=`), search in all the
  reader's rooms, and the history page of that room, all with limit 20; search and history alternate in blocks
  of ten so drift falls on both. The ratio is search p50 / history p50.

The size is a parameter because writing a million messages through `apply_events` into Cassandra (four rows
each, the words set indexed by SAI) takes tens of minutes on a 2-core machine; `--cassandra-messages` sizes
that store alone.

Usage: .venv/bin/python bench/search.py [--store sqlite|cassandra|both] [--messages 1000000]
                                        [--cassandra-messages N] [--rooms 10] [--days 60] [--requests 200]
                                        [--batch 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from chatcluster.client import ChatClient
from chatcluster.config import Settings
from chatcluster.counting import STOP_WORDS, words_of
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, MessageEvent, Room, RoomKind
from chatcluster.sentiment.corpus import chat_eval
from chatcluster.store.base import Store
from chatcluster.supervisor import Supervisor, free_port

KEYSPACE = "bench_search"
DAY_MS = 24 * 3600 * 1000
VOCABULARY = 50_000
EXTRA_WORDS = 3
NEEDLES = 10
LIMIT = 20
BLOCK = 10
PASSWORD = "correct horse battery"
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]  # 70 syllables: every rank spells a distinct word


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def vocabulary_word(rank: int) -> str:
    """The word of a frequency rank (1 = most frequent): letters only, never a stop word."""
    spelled, n = "", rank
    while True:
        n, digit = divmod(n, len(SYLLABLES))
        spelled += SYLLABLES[digit]
        if n == 0:
            break
    word = "w" + spelled
    assert word not in STOP_WORDS and words_of(word) == [word]
    return word


QUERIES = {
    "common": vocabulary_word(1),
    "medium": vocabulary_word(100),
    "rare": vocabulary_word(10_000),
    "two words": f"{vocabulary_word(1)} {vocabulary_word(2)}",
    "needle": "needlework",
}


@dataclass
class Corpus:
    rooms: list[str]
    count: int
    days: int
    # For each query: the ids of the messages holding all its words, by room, ascending.
    matches: dict[str, dict[str, list[int]]] = field(default_factory=dict)


def messages(corpus: Corpus, seed: int = 7) -> Iterator[MessageEvent]:
    """The corpus's message events in id order, recording which match each query."""
    rng = random.Random(seed)
    generator = SnowflakeGenerator(worker_id=901)
    lines = itertools.cycle([text for _, text in chat_eval()])
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))
    ranks = range(1, VOCABULARY + 1)
    needles = {corpus.count * (2 * n + 1) // (2 * NEEDLES) for n in range(NEEDLES)}
    now = int(time.time() * 1000) - 60_000
    span = corpus.days * DAY_MS
    query_words = {name: set(q.split()) for name, q in QUERIES.items()}
    corpus.matches = {name: {room: [] for room in corpus.rooms} for name in QUERIES}
    for n, line in zip(range(corpus.count), lines, strict=False):
        extra = [vocabulary_word(r) for r in rng.choices(ranks, cum_weights=cumulative, k=EXTRA_WORDS)]
        text = " ".join([line, *extra, *(["needlework"] if n in needles else [])])
        message_id = generator.next_id(at_ms=now - span + span * n // corpus.count)
        room = corpus.rooms[n % len(corpus.rooms)]
        words = set(words_of(text))
        for name, wanted in query_words.items():
            if wanted <= words:
                corpus.matches[name][room].append(message_id)
        message = Message(
            message_id=message_id, room_id=room, author_id=1 + n % 200, author=f"user{n % 200}", text=text
        )
        yield MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message)


async def load(store: Store, corpus: Corpus, batch: int) -> float:
    """Seconds to write the corpus through apply_events, one batch after another."""
    started = time.monotonic()
    events = messages(corpus)
    done = 0
    while chunk := list(itertools.islice(events, batch)):
        await store.apply_events(chunk)
        done += len(chunk)
        if done % (20 * batch) == 0:
            rate = done / (time.monotonic() - started)
            say(f"  {done:,} written ({rate:,.0f} msg/s)")
    return time.monotonic() - started


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(call: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - started)
    return latencies


async def alternating(
    first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], requests: int
) -> tuple[list[float], list[float]]:
    await timed(first, 3)  # warm-up
    await timed(second, 3)
    ones: list[float] = []
    twos: list[float] = []
    for _ in range(max(1, requests // BLOCK)):
        ones += await timed(first, BLOCK)
        twos += await timed(second, BLOCK)
    return ones, twos


def get(http: httpx.AsyncClient, path: str, **params: Any) -> Callable[[], Awaitable[Any]]:
    async def call() -> Any:
        response = await http.get(path, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text}")
        return response.json()

    return call


async def check(http: httpx.AsyncClient, corpus: Corpus, room: str) -> None:
    """Each query's first page, in one room and in all, against the ids written."""
    for name, q in QUERIES.items():
        in_room = sorted(corpus.matches[name][room], reverse=True)[:LIMIT]
        everywhere = sorted((i for ids in corpus.matches[name].values() for i in ids), reverse=True)[:LIMIT]
        for params, expected in (({"room": room}, in_room), ({}, everywhere)):
            page = await get(http, "/v1/search", q=q, limit=LIMIT, **params)()
            found = [int(hit["message"]["message_id"]) for hit in page["results"]]
            if found != expected:
                raise RuntimeError(f"search {q!r} {params}: {len(found)} results, not the {len(expected)} expected")
            if any(not hit["highlights"] for hit in page["results"]):
                raise RuntimeError(f"search {q!r}: a result without highlights")


def line(kind: str, what: str, search: list[float], history: list[float], matches: int) -> str:
    ms = 1000.0
    return (
        f"{kind:9} {what:24} search p50 {percentile(search, 0.5) * ms:7.1f} ms "
        f"p99 {percentile(search, 0.99) * ms:7.1f} ms"
        f" | history p50 {percentile(history, 0.5) * ms:6.1f} ms p99 {percentile(history, 0.99) * ms:6.1f} ms"
        f" | ratio p50 {percentile(search, 0.5) / percentile(history, 0.5):6.1f}x  ({matches:,} matches)"
    )


async def measure(
    kind: str, http: httpx.AsyncClient, store: Store, corpus: Corpus, room: str, requests: int
) -> list[str]:
    lines = []
    history = get(http, f"/v1/rooms/{room}/messages", limit=LIMIT)
    for name, q in QUERIES.items():
        in_room = len(corpus.matches[name][room])
        everywhere = sum(len(ids) for ids in corpus.matches[name].values())
        say(f"[{kind}] {name}: timing {requests} requests each way ...")
        one_room, plain = await alternating(get(http, "/v1/search", q=q, room=room, limit=LIMIT), history, requests)
        lines.append(line(kind, f"API {name}, one room", one_room, plain, in_room))
        all_rooms, plain = await alternating(get(http, "/v1/search", q=q, limit=LIMIT), history, requests)
        lines.append(line(kind, f"API {name}, all rooms", all_rooms, plain, everywhere))

        async def store_search(q: str = q) -> Any:
            return await store.search([room], q, limit=LIMIT)

        async def store_history() -> Any:
            return await store.history(room, limit=LIMIT)

        direct, plain = await alternating(store_search, store_history, requests)
        lines.append(line(kind, f"store {name}, one room", direct, plain, in_room))
    return lines


async def run(kind: str, args: argparse.Namespace, tmp: Path) -> list[str]:
    count = args.messages if kind == "sqlite" or args.cassandra_messages is None else args.cassandra_messages
    node = None
    settings_values: dict[str, Any] = {
        "data_dir": tmp / kind,
        "gateway_port": free_port(),
        "nats_url": f"nats://127.0.0.1:{free_port()}",
        "metrics_port": 0,
    }
    store: Store
    if kind == "cassandra":
        from chatcluster.dev.cassandra import LocalCassandra

        node = LocalCassandra(
            tmp / "node", cql_port=free_port(), storage_port=free_port(), heap="2G", commitlog_sync="periodic"
        )
        say(f"starting Cassandra {node.version} ...")
        node.start()
        settings_values["store_url"] = f"cassandra://127.0.0.1:{node.cql_port}/{KEYSPACE}?rf=1&consistency=ONE"
    settings = Settings.model_validate(settings_values)
    platform = Supervisor(settings, services=("gateway",))
    try:
        await platform.start()
        if kind == "cassandra":
            from chatcluster.store.cassandra import CassandraStore

            store = CassandraStore(settings.store_url)
        else:
            from chatcluster.store.sqlite import SqliteStore

            store = SqliteStore(settings.sqlite_path())
        await store.open()
        try:
            async with ChatClient(platform.gateway_url) as reader:
                await reader.register("reader", PASSWORD)
                reader_id = int(reader.user_id or 0)
                corpus = Corpus([f"bench-{i:02d}" for i in range(args.rooms)], count, args.days)
                created = datetime.fromtimestamp(time.time() - (args.days + 1) * 86400, tz=UTC)
                for name in corpus.rooms:
                    await store.create_room(
                        Room(room_id=name, kind=RoomKind.GROUP, name=name, created_by=reader_id, created_at=created)
                    )
                    await store.add_member(name, reader_id, limit=1000)
                say(f"[{kind}] writing {count:,} messages into {args.rooms} rooms through apply_events ...")
                seconds = await load(store, corpus, args.batch)
                say(f"[{kind}] written in {seconds:.0f}s ({count / seconds:,.0f} msg/s)")
                room = corpus.rooms[0]
                headers = {"Authorization": f"Bearer {reader.token}"}
                async with httpx.AsyncClient(base_url=platform.gateway_url, headers=headers, timeout=120) as http:
                    await check(http, corpus, room)
                    lines = [f"{kind}: {count:,} messages, written at {count / seconds:,.0f} msg/s by apply_events"]
                    lines += await measure(kind, http, store, corpus, room, args.requests)
        finally:
            await store.close()
    finally:
        await platform.stop()
        if node is not None:
            node.stop()
    return lines


async def main(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "cassandra"] if args.store == "both" else [args.store]
    lines = []
    with tempfile.TemporaryDirectory(prefix="chatcluster-bench-search-") as tmp:
        for kind in kinds:
            lines += await run(kind, args, Path(tmp))
    print(
        f"messages over {args.days} days in {args.rooms} rooms, one reader in all of them; limit {LIMIT}; "
        f"history = GET /v1/rooms/<room>/messages?limit={LIMIT} (the newest page of the same room), timed "
        "alternately with each search; queries: " + ", ".join(f"{name} = {q!r}" for name, q in QUERIES.items())
    )
    for text in lines:
        print(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "cassandra", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the store")
    parser.add_argument(
        "--cassandra-messages", type=int, default=None, help="messages in Cassandra (default: --messages)"
    )
    parser.add_argument("--rooms", type=int, default=10, help="rooms, the reader a member of each")
    parser.add_argument("--days", type=int, default=60, help="days the messages spread over")
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind per query")
    parser.add_argument("--batch", type=int, default=5000, help="messages per apply_events call")
    asyncio.run(main(parser.parse_args()))
