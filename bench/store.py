"""Messages written per second through `CassandraStore.apply_events`, against raw cassandra-driver inserts,
and the latency of history pages, against the raw queries under them.

Starts a real Cassandra 5.0 (chatcluster.dev.cassandra.LocalCassandra) in a temporary home on free ports;
both sides run in this process against that one node, same run, consistency ONE, rf=1:
- project: `CassandraStore.apply_events` on batches of "created" MessageEvents (chat texts from the shipped
  evaluation set, several rooms), one batch after another as the persister calls it. Per message it writes
  three rows: messages (UPDATE ... USING TIMESTAMP, with the words set that the SAI index covers),
  messages_by_id and room_buckets;
- baseline: the same three rows per message with the same values into plain copies of those three tables
  (same columns, same keys, the same SAI index on words), three prepared statements (USING TIMESTAMP as a
  bind marker) through `cassandra.concurrent.execute_concurrent` at concurrency 128 on a session of its own
  with the same settings. Its parameters, words set included, are computed before the clock starts; the
  project's figure includes its own per-message work (words_of, bucket_of, binding).
  The two sides alternate (project, raw, raw, project) after a warm-up of both, so drift in the node
  (JIT, memtable flushes, compaction) falls on both.
- reads: one room holding --history messages spread over several ten-day buckets, loaded with the raw
  driver into the store's own three tables (the same rows apply_events writes, only faster; the first walk
  checks that history returns every one of them exactly once, in order); `history(room, limit=50)` from the
  newest page back to the oldest with `before=`, again and again, one call at a time, against the same pages
  read by raw prepared SELECTs on the same `messages` partitions (the buckets known in advance).

The default of 10,000 messages keeps a run near three minutes on a 2-core machine while apply_events runs
near 120 msg/s (it splices each write timestamp into the CQL text, so it prepares a statement per message).

Usage: .venv/bin/python bench/store.py [--messages 10000] [--reads 1000] [--history 20000] [--batch 256]
                                       [--rooms 20] [--commitlog-sync periodic]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import PreparedStatement

from chatcluster.counting import words_of
from chatcluster.dev.cassandra import CommitlogSync, LocalCassandra
from chatcluster.ids import BUCKET_MS, SnowflakeGenerator, bucket_of, id_timestamp_ms
from chatcluster.models import EventKind, Message, MessageEvent
from chatcluster.sentiment.corpus import chat_eval
from chatcluster.store.cassandra import CassandraStore, write_timestamp
from chatcluster.supervisor import free_port

KEYSPACE = "bench"
CONCURRENCY = 128
HISTORY_ROOM = "history"
HISTORY_DAYS = 65  # seven ten-day buckets
PAGE = 50

RAW_TABLES = (
    """CREATE TABLE IF NOT EXISTS raw_messages (
        room_id text, bucket int, message_id bigint, author_id bigint, author text, text text,
        reply_to bigint, client_id text, edited_ms bigint, deleted boolean,
        label int, confidence double, model_version text, words set<text>,
        PRIMARY KEY ((room_id, bucket), message_id)) WITH CLUSTERING ORDER BY (message_id DESC)""",
    "CREATE TABLE IF NOT EXISTS raw_messages_by_id (message_id bigint PRIMARY KEY, room_id text, bucket int)",
    """CREATE TABLE IF NOT EXISTS raw_room_buckets (
        room_id text, bucket int, PRIMARY KEY ((room_id), bucket)) WITH CLUSTERING ORDER BY (bucket DESC)""",
    "CREATE CUSTOM INDEX IF NOT EXISTS raw_messages_words_sai ON raw_messages (words) USING 'StorageAttachedIndex'",
)
# {prefix} is "raw_" for the baseline's tables, "" to load the store's own.
RAW_WRITES = (
    "UPDATE {prefix}messages USING TIMESTAMP ? SET author_id = ?, author = ?, text = ?, reply_to = ?, "
    "client_id = ?, edited_ms = ?, words = ? WHERE room_id = ? AND bucket = ? AND message_id = ?",
    "INSERT INTO {prefix}messages_by_id (message_id, room_id, bucket) VALUES (?, ?, ?)",
    "INSERT INTO {prefix}room_buckets (room_id, bucket) VALUES (?, ?)",
)
RAW_PAGE = (
    "SELECT room_id, message_id, author_id, author, text, reply_to, client_id, edited_ms, deleted, "
    "label, confidence, model_version FROM messages WHERE room_id = ? AND bucket = ? AND message_id < ? LIMIT ?"
)

Statements = list[tuple[PreparedStatement, tuple[Any, ...]]]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def make_events(
    count: int, rooms: Sequence[str], ids: SnowflakeGenerator, at_ms: Sequence[int] | None = None
) -> list[MessageEvent]:
    """`count` created-message events, round robin over `rooms`, with real chat texts and 200 authors."""
    texts = itertools.cycle([text for _, text in chat_eval()])
    events = []
    for i, text in zip(range(count), texts, strict=False):
        message_id = ids.next_id(at_ms=None if at_ms is None else at_ms[i])
        message = Message(
            message_id=message_id,
            room_id=rooms[i % len(rooms)],
            author_id=1 + i % 200,
            author=f"user{i % 200}",
            text=text,
            client_id=f"c-{message_id}",
        )
        events.append(MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message))
    return events


def raw_statements(events: Sequence[MessageEvent], prepared: Sequence[PreparedStatement]) -> Statements:
    """The same three rows per message that apply_events writes, as (statement, parameters) pairs."""
    message_stmt, by_id_stmt, bucket_stmt = prepared
    pairs: Statements = []
    for event in events:
        m = event.message
        bucket = bucket_of(m.message_id)
        pairs.append(
            (
                message_stmt,
                (
                    write_timestamp(event.event_id),
                    m.author_id,
                    m.author,
                    m.text,
                    m.reply_to,
                    m.client_id,
                    None,
                    set(words_of(m.text)),
                    m.room_id,
                    bucket,
                    m.message_id,
                ),
            )
        )
        pairs.append((by_id_stmt, (m.message_id, m.room_id, bucket)))
        pairs.append((bucket_stmt, (m.room_id, bucket)))
    return pairs


async def project_writes(store: CassandraStore, events: Sequence[MessageEvent], batch: int) -> float:
    """Seconds to write `events` through apply_events, one batch after another."""
    started = time.perf_counter()
    for start in range(0, len(events), batch):
        await store.apply_events(events[start : start + batch])
    return time.perf_counter() - started


async def raw_writes(session: Session, pairs: Statements) -> float:
    """Seconds to run `pairs` with execute_concurrent (a blocking call, so on a worker thread)."""
    started = time.perf_counter()
    results = await asyncio.to_thread(execute_concurrent, session, pairs, CONCURRENCY, True, False)
    elapsed = time.perf_counter() - started
    if not all(ok for ok, _ in results):
        raise RuntimeError("a raw insert failed")
    return elapsed


def count_rows(session: Session, table: str, rooms: Sequence[str], buckets: Sequence[int]) -> int:
    statement = session.prepare(f"SELECT COUNT(*) FROM {table} WHERE room_id = ? AND bucket = ?")
    return sum(session.execute(statement, (room, bucket)).one()[0] for room in rooms for bucket in buckets)


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def project_pages(store: CassandraStore, reads: int, expected: Sequence[int]) -> tuple[list[float], list[int]]:
    """Latencies (s) of `reads` history calls walking the room back page by page, and the cursors used.

    The first full walk must return every message of the room exactly once, in order."""
    latencies: list[float] = []
    cursors: list[int] = []
    cursor: int | None = None
    walked: list[int] = []
    checked = False
    while len(latencies) < reads:
        started = time.perf_counter()
        page = await store.history(HISTORY_ROOM, before=cursor, limit=PAGE)
        latencies.append(time.perf_counter() - started)
        cursors.append(2**63 - 1 if cursor is None else cursor)
        ids = [m.message_id for m in page]
        if ids != sorted(ids) or (len(page) < PAGE and (not ids or ids[0] != expected[0])):
            raise RuntimeError(f"history page out of order or short at before={cursor}: {len(page)} messages")
        walked = ids + walked
        if ids[0] == expected[0]:
            if not checked and walked != list(expected):
                raise RuntimeError(f"walking history back returned {len(walked)} ids, not the {len(expected)} stored")
            checked, walked, cursor = True, [], None
        else:
            cursor = ids[0]
    return latencies, cursors


def raw_pages(session: Session, cursors: Sequence[int], buckets: Sequence[int]) -> list[float]:
    """Latencies (s) of the same pages read with prepared SELECTs, bucket by bucket, the buckets known."""
    statement = session.prepare(RAW_PAGE)
    newest_first = sorted(buckets, reverse=True)
    latencies = []
    for cursor in cursors:
        started = time.perf_counter()
        found: list[Any] = []
        for bucket in newest_first:
            if bucket > bucket_of(cursor):
                continue
            found += session.execute(statement, (HISTORY_ROOM, bucket, cursor, PAGE - len(found))).all()
            if len(found) >= PAGE:
                break
        latencies.append(time.perf_counter() - started)
    return latencies


def raw_session(port: int, consistency: int) -> tuple[Cluster, Session]:
    """A session configured as CassandraStore configures its own (token aware, protocol 5, same consistency)."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="datacenter1")),
        consistency_level=consistency,
        request_timeout=10,
    )
    cluster = Cluster(["127.0.0.1"], port=port, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    session = cluster.connect(KEYSPACE)
    return cluster, session


async def run(node: LocalCassandra, args: argparse.Namespace) -> None:
    store = CassandraStore(f"cassandra://127.0.0.1:{node.cql_port}/{KEYSPACE}?rf=1&consistency=ONE")
    await store.open()
    cluster, session = raw_session(node.cql_port, ConsistencyLevel.ONE)
    try:
        for cql in RAW_TABLES:
            session.execute(cql)
        prepared = [session.prepare(cql.format(prefix="raw_")) for cql in RAW_WRITES]
        into_store = [session.prepare(cql.format(prefix="")) for cql in RAW_WRITES]
        for statement in (*prepared, *into_store):
            statement.is_idempotent = True
        ids = SnowflakeGenerator(worker_id=901)
        rooms = [f"bench-{i}" for i in range(args.rooms)]

        say("warming up both sides ...")
        warm = make_events(min(5000, max(args.messages // 10, args.batch)), [f"warm-{i}" for i in range(4)], ids)
        await project_writes(store, warm, args.batch)
        await raw_writes(session, raw_statements(warm, prepared))

        events = make_events(args.messages, rooms, ids)
        pairs = raw_statements(events, prepared)
        half = len(events) // 2 // args.batch * args.batch or len(events)
        say(f"writing {len(events):,} messages each way (project, raw, raw, project) ...")
        project_s = await project_writes(store, events[:half], args.batch)
        raw_s = await raw_writes(session, pairs[: 3 * half])
        raw_s += await raw_writes(session, pairs[3 * half :])
        project_s += await project_writes(store, events[half:], args.batch)
        buckets = sorted({bucket_of(e.message.message_id) for e in events})
        stored = (count_rows(session, "messages", rooms, buckets), count_rows(session, "raw_messages", rooms, buckets))
        if stored != (len(events), len(events)):
            raise RuntimeError(f"expected {len(events)} messages on each side, found {stored}")

        now = id_timestamp_ms(ids.next_id())
        span = HISTORY_DAYS * 24 * 3600 * 1000
        times = [now - span + span * i // args.history for i in range(args.history)]
        history = make_events(args.history, [HISTORY_ROOM], ids, at_ms=times)
        history_buckets = sorted({bucket_of(e.message.message_id) for e in history})
        say(f"loading {args.history:,} messages into one room over {len(history_buckets)} buckets ...")
        await raw_writes(session, raw_statements(history, into_store))
        expected = sorted(e.message.message_id for e in history)
        say(f"reading {args.reads:,} history pages each way ...")
        await project_pages(store, min(args.reads, 100), expected)  # warm-up
        project_lat, cursors = await project_pages(store, args.reads, expected)
        raw_pages(session, cursors[:100], history_buckets)  # warm-up
        raw_lat = raw_pages(session, cursors, history_buckets)
    finally:
        cluster.shutdown()
        await store.close()

    project_rate, raw_rate = len(events) / project_s, len(events) / raw_s
    ms = 1000.0
    print(
        f"apply_events             {project_rate:10,.0f} msg/s  ({len(events):,} messages, batches of {args.batch}, "
        f"{args.rooms} rooms; 3 rows each: messages, messages_by_id, room_buckets)"
    )
    print(
        f"raw execute_concurrent   {raw_rate:10,.0f} msg/s  (baseline, same run: the same 3 rows per message, "
        f"{CONCURRENCY} concurrent, {3 * raw_rate:,.0f} rows/s)"
    )
    print(f"ratio                    {project_rate / raw_rate:10.2f}  (apply_events / raw)")
    print(
        f"history page             p50 {percentile(project_lat, 0.5) * ms:6.2f} ms  "
        f"p99 {percentile(project_lat, 0.99) * ms:6.2f} ms  ({len(project_lat):,} pages of {PAGE}, "
        f"{args.history:,} messages in {len(history_buckets)} buckets of {BUCKET_MS // 86_400_000} days)"
    )
    print(
        f"raw page SELECTs         p50 {percentile(raw_lat, 0.5) * ms:6.2f} ms  "
        f"p99 {percentile(raw_lat, 0.99) * ms:6.2f} ms  (baseline, same run, same pages)"
    )
    print(
        f"ratio p50                {percentile(raw_lat, 0.5) / percentile(project_lat, 0.5):10.2f}  "
        f"(raw / history; commit log sync {args.commitlog_sync})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="messages written each way")
    parser.add_argument("--reads", type=int, default=1000, help="history pages read each way")
    parser.add_argument("--history", type=int, default=20_000, help="messages in the room that is read")
    parser.add_argument("--batch", type=int, default=256, help="events per apply_events call")
    parser.add_argument("--rooms", type=int, default=20, help="rooms the written messages spread over")
    parser.add_argument("--commitlog-sync", choices=get_args(CommitlogSync), default="periodic")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chatcluster-bench-store-") as tmp:
        node = LocalCassandra(
            Path(tmp) / "node", cql_port=free_port(), storage_port=free_port(), commitlog_sync=args.commitlog_sync
        )
        say(f"starting Cassandra {node.version} in {node.home} ...")
        started = time.monotonic()
        node.start()
        say(f"Cassandra answers after {time.monotonic() - started:.0f}s")
        try:
            asyncio.run(run(node, args))
        finally:
            errors = node.system_log.read_text(errors="replace").count("ERROR [") if node.system_log.is_file() else 0
            node.stop()
        say(f"Cassandra logged {errors:,} ERROR lines in its system.log during the run")


if __name__ == "__main__":
    main()
