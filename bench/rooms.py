"""Latency of `GET /v1/rooms` (my rooms with unread counts, last messages and markers) for a user in 200 rooms
over a store holding 1,000,000 messages, against the plain room list of the same rooms, same run.

For each store asked for (SQLite, and a real Cassandra 5.0 started by chatcluster.dev.cassandra on free ports,
rf=1, consistency ONE), a gateway process runs against the store (no other service: nothing is sent while
measuring), and this process:
- registers the reader and a talker through the API; creates --rooms group rooms and the reader's memberships
  through the store (so the reader has no join marker yet);
- loads --messages messages by the talker into the store's own `messages` table (and `room_buckets` on
  Cassandra) with the raw driver, the rows the persister writes less the search index and `messages_by_id`,
  which a room list never reads. They spread over --days days, so over several ten-day buckets, and over the
  rooms Zipf-like (room i gets a share proportional to 1/(i+1): with a million messages the busiest room holds
  ~170,000, the quietest ~850);
- places the reader's read markers (through the store's `advance_read_marker`) for two situations, one after
  the other, since a marker only moves forward:
  * away: the reader has read nothing of the last --away-days days in any room, so every room has news and
    the busiest ones more than the 10,000 messages a count reads (they show 9,999+): the cost of the bounded
    count at its worst for this store;
  * caught up: 0 to 20 unread messages in each room (fewer where the away situation left fewer), as for
    someone who reads every day;
- checks once that every summary holds the exact expected count, capped, and the room's newest message;
- times --requests `GET /v1/rooms` one at a time, against as many `GET /v1/rooms/directory?limit=<rooms>`:
  the same rooms (the store's only group rooms) listed without summaries, through the same gateway, HTTP
  client and authentication (the plain room list, the floor under any room list). The two alternate in
  blocks of ten so drift falls on both.

The size is a parameter because loading a million rows into Cassandra on a 2-core machine takes minutes.

Usage: .venv/bin/python bench/rooms.py [--store sqlite|cassandra|both] [--messages 1000000] [--rooms 200]
                                       [--requests 200] [--days 60] [--away-days 30] [--digests 500]

Then, unless --digests 0, the notifier's throughput in digests per second against raw SMTP sends of as many
emails to the same server (bench/digests.py, which also runs on its own).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import digests as digest_bench  # bench/digests.py (this folder): the notifier's digests per second
import httpx

from chatcluster.client import ChatClient
from chatcluster.config import Settings
from chatcluster.ids import SnowflakeGenerator, bucket_of, id_timestamp_ms
from chatcluster.models import Room, RoomKind
from chatcluster.sentiment.corpus import chat_eval
from chatcluster.store.base import Store
from chatcluster.supervisor import Supervisor, free_port
from chatcluster.unread import COUNT_CAP, SHOWN_CAP

KEYSPACE = "bench_rooms"
DAY_MS = 24 * 3600 * 1000
CHUNK = 50_000
BLOCK = 10
PASSWORD = "correct horse battery"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass
class Corpus:
    rooms: list[str]
    ids: dict[str, list[int]]  # per room, ascending

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.ids.values())


def plan(rooms: int, messages: int, days: int, seed: int = 7) -> tuple[Corpus, list[tuple[int, str]]]:
    """Message ids spread over `days` days up to now, and the room of each, Zipf-like over the rooms."""
    rng = random.Random(seed)
    names = [f"bench-{i:03d}" for i in range(rooms)]
    weights = [1 / (i + 1) for i in range(rooms)]
    generator = SnowflakeGenerator(worker_id=900)
    now = int(time.time() * 1000) - 60_000
    span = days * DAY_MS
    placed: list[tuple[int, str]] = []
    ids: dict[str, list[int]] = {name: [] for name in names}
    for n, room in enumerate(rng.choices(names, weights, k=messages)):
        message_id = generator.next_id(at_ms=now - span + span * n // messages)
        placed.append((message_id, room))
        ids[room].append(message_id)
    return Corpus(names, ids), placed


def rows(placed: Sequence[tuple[int, str]], talker: int) -> list[tuple[Any, ...]]:
    texts = itertools.cycle([text for _, text in chat_eval()])
    return [
        (room, bucket_of(mid), mid, talker, "talker", text) for (mid, room), text in zip(placed, texts, strict=False)
    ]


def load_sqlite(path: Path, placed: Sequence[tuple[int, str]], talker: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout=10000")
        for start in range(0, len(placed), 10 * CHUNK):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO messages (room_id, bucket, message_id, author_id, author, text, deleted, version) "
                "VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                [(*row, row[2]) for row in rows(placed[start : start + 10 * CHUNK], talker)],
            )
            db.execute("COMMIT")
    finally:
        db.close()


def load_cassandra(port: int, placed: Sequence[tuple[int, str]], talker: int) -> None:
    from cassandra import ConsistencyLevel
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.concurrent import execute_concurrent

    from chatcluster.store.cassandra import write_timestamp

    profile = ExecutionProfile(consistency_level=ConsistencyLevel.ONE, request_timeout=30)
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    session = cluster.connect(KEYSPACE)
    try:
        message = session.prepare(
            "UPDATE messages USING TIMESTAMP ? SET author_id = ?, author = ?, text = ? "
            "WHERE room_id = ? AND bucket = ? AND message_id = ?"
        )
        bucket = session.prepare("INSERT INTO room_buckets (room_id, bucket) VALUES (?, ?)")
        for statement in (message, bucket):
            statement.is_idempotent = True
        pairs = sorted({(room, bucket_of(mid)) for mid, room in placed})
        execute_concurrent(session, [(bucket, pair) for pair in pairs], 64, True)
        done = 0
        for start in range(0, len(placed), CHUNK):
            chunk = rows(placed[start : start + CHUNK], talker)
            params = [(message, (write_timestamp(r[2]), r[3], r[4], r[5], r[0], r[1], r[2])) for r in chunk]
            execute_concurrent(session, params, 128, True)
            done += len(chunk)
            if done % (5 * CHUNK) == 0:
                say(f"  {done:,} loaded")
    finally:
        cluster.shutdown()


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(http: httpx.AsyncClient, path: str, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await http.get(path)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text}")
    return latencies


async def measure(http: httpx.AsyncClient, rooms: int, requests: int) -> tuple[list[float], list[float]]:
    summaries: list[float] = []
    plain: list[float] = []
    await timed(http, "/v1/rooms", 3)  # warm-up
    await timed(http, f"/v1/rooms/directory?limit={rooms}", 3)
    for _ in range(max(1, requests // BLOCK)):
        summaries += await timed(http, "/v1/rooms", BLOCK)
        plain += await timed(http, f"/v1/rooms/directory?limit={rooms}", BLOCK)
    return summaries, plain


async def place_markers(store: Store, reader: int, markers: dict[str, int]) -> None:
    for room, marker in markers.items():
        await store.advance_read_marker(reader, room, marker)


async def check(http: httpx.AsyncClient, corpus: Corpus, markers: dict[str, int]) -> int:
    """Every summary against the counts expected from the ids loaded; the rows a request reads, at most."""
    listed = {s["room_id"]: s for s in (await http.get("/v1/rooms")).json()}
    read = 0
    for room in corpus.rooms:
        ids = corpus.ids[room]
        unread = sum(1 for mid in ids if mid > markers[room])
        read += min(unread, COUNT_CAP)
        want = (min(unread, SHOWN_CAP), unread > SHOWN_CAP, str(ids[-1]) if ids else None)
        got = listed[room]
        found = (got["unread"], got["unread_capped"], got["last_message"] and got["last_message"]["message_id"])
        if found != want:
            raise RuntimeError(
                f"room {room}: summary says {found}, expected {want} (marker {markers[room]}, {got['read_marker']})"
            )
    return read


def markers_for(corpus: Corpus, rng: random.Random, *, away_since_ms: int | None) -> dict[str, int]:
    markers = {}
    for room in corpus.rooms:
        ids = corpus.ids[room]
        if away_since_ms is not None:
            older = [mid for mid in ids if id_timestamp_ms(mid) < away_since_ms]
            markers[room] = older[-1] if older else 1
        else:
            unread = min(len(ids), rng.randint(0, 20))
            markers[room] = ids[len(ids) - unread - 1] if len(ids) > unread else 1
    return markers


async def run(kind: str, args: argparse.Namespace, tmp: Path) -> list[str]:
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
        from chatcluster.store.cassandra import CassandraStore

        node = LocalCassandra(tmp / "node", cql_port=free_port(), storage_port=free_port())
        say(f"starting Cassandra {node.version} ...")
        node.start()
        settings_values["store_url"] = f"cassandra://127.0.0.1:{node.cql_port}/{KEYSPACE}?rf=1&consistency=ONE"
        store = CassandraStore(settings_values["store_url"])
        await store.open()
    settings = Settings.model_validate(settings_values)
    platform = Supervisor(settings, services=("gateway",))
    try:
        await platform.start()
        if kind == "sqlite":
            from chatcluster.store.sqlite import SqliteStore

            store = SqliteStore(settings.sqlite_path())
            await store.open()
        async with ChatClient(platform.gateway_url) as reader, ChatClient(platform.gateway_url) as talker:
            await reader.register("reader", PASSWORD)
            await talker.register("talker", PASSWORD)
            reader_id, talker_id = int(reader.user_id or 0), int(talker.user_id or 0)
            corpus, placed = plan(args.rooms, args.messages, args.days)
            created = datetime.fromtimestamp((time.time() - (args.days + 1) * 86400), tz=UTC)
            for name in corpus.rooms:
                await store.create_room(
                    Room(room_id=name, kind=RoomKind.GROUP, name=name, created_by=talker_id, created_at=created)
                )
                for member in (reader_id, talker_id):
                    await store.add_member(name, member, limit=1000)
            say(f"[{kind}] loading {len(placed):,} messages into {args.rooms} rooms ...")
            started = time.monotonic()
            if kind == "sqlite":
                await asyncio.to_thread(load_sqlite, settings.sqlite_path(), placed, talker_id)
            else:
                assert node is not None
                await asyncio.to_thread(load_cassandra, node.cql_port, placed, talker_id)
            load_s = time.monotonic() - started
            say(f"[{kind}] loaded in {load_s:.0f}s ({len(placed) / load_s:,.0f} msg/s)")
            headers = {"Authorization": f"Bearer {reader.token}"}
            lines = []
            async with httpx.AsyncClient(base_url=platform.gateway_url, headers=headers, timeout=120) as http:
                rng = random.Random(11)
                away_since = int(time.time() * 1000) - args.away_days * DAY_MS
                away = markers_for(corpus, rng, away_since_ms=away_since)
                # A marker never moves back: a room with fewer news than the caught-up draw keeps its marker.
                caught_up = {r: max(m, away[r]) for r, m in markers_for(corpus, rng, away_since_ms=None).items()}
                for situation, markers, count in (
                    ("away", away, max(BLOCK, args.requests // 5)),
                    ("caught up", caught_up, args.requests),
                ):
                    await place_markers(store, reader_id, markers)
                    rows_read = await check(http, corpus, markers)
                    capped = sum(
                        1 for room in corpus.rooms if sum(1 for m in corpus.ids[room] if m > markers[room]) > SHOWN_CAP
                    )
                    say(f"[{kind}] {situation}: timing {count} requests each way ...")
                    summaries, plain = await measure(http, args.rooms, count)
                    ms = 1000.0
                    lines.append(
                        f"{kind:9} {situation:9}  GET /v1/rooms p50 {percentile(summaries, 0.5) * ms:8.1f} ms "
                        f"p99 {percentile(summaries, 0.99) * ms:8.1f} ms | plain list p50 "
                        f"{percentile(plain, 0.5) * ms:6.1f} ms p99 {percentile(plain, 0.99) * ms:6.1f} ms | "
                        f"ratio p50 {percentile(summaries, 0.5) / percentile(plain, 0.5):6.1f}x  "
                        f"({len(summaries)} requests each; {rows_read:,} message rows counted per request, "
                        f"{capped} rooms at 9,999+)"
                    )
        await store.close()
    finally:
        await platform.stop()
        if node is not None:
            node.stop()
    return lines


async def main(args: argparse.Namespace) -> None:
    kinds = ["sqlite", "cassandra"] if args.store == "both" else [args.store]
    lines = []
    with tempfile.TemporaryDirectory(prefix="chatcluster-bench-rooms-") as tmp:
        for kind in kinds:
            lines += await run(kind, args, Path(tmp))
    print(
        f"{args.messages:,} messages over {args.days} days in {args.rooms} rooms (Zipf-like), one reader in all of "
        f"them; plain list = GET /v1/rooms/directory?limit={args.rooms} (the same rooms, no summaries)"
    )
    for line in lines:
        print(line)
    if args.digests:
        await digest_bench.main(argparse.Namespace(users=args.digests, rounds=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["sqlite", "cassandra", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the store")
    parser.add_argument("--rooms", type=int, default=200, help="rooms, the reader a member of each")
    parser.add_argument("--requests", type=int, default=200, help="requests each way when caught up (a fifth away)")
    parser.add_argument("--days", type=int, default=60, help="days the messages spread over")
    parser.add_argument("--away-days", type=int, default=30, help="days of news in the 'away' situation")
    parser.add_argument("--digests", type=int, default=500, help="then bench/digests.py with this many users; 0 skips")
    asyncio.run(main(parser.parse_args()))
