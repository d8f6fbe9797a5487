"""The cluster back end: Apache Cassandra through cassandra-driver.

Prepared statements, token-aware routing, LOCAL_QUORUM by default, idempotent
statements marked so the driver may retry them, and a bounded window of
concurrent writes. Message writes are blind upserts with a write timestamp taken
from the event id, so the latest event wins without read-before-write; a delete
writes only the tombstone flag, and reads hide the text of a deleted message, so
no later edit can bring it back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlparse

from cassandra import ConsistencyLevel, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, ExecutionProfile, NoHostAvailable, ResponseFuture, Session
from cassandra.connection import ConnectionException
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import PreparedStatement, SimpleStatement

from chatcluster.aggregation import (
    AggregateDelta,
    MessageCountRow,
    SentimentRow,
    TopEntry,
    TopKind,
    countable,
    delta_of,
    sentiment_row,
    words_of,
)
from chatcluster.ids import bucket_of, id_timestamp_ms
from chatcluster.models import (
    EventKind,
    Member,
    Message,
    MessageEvent,
    Room,
    RoomKind,
    ScoredEvent,
    Sentiment,
    User,
    UserSession,
)
from chatcluster.privacy import Audience
from chatcluster.store.base import JoinResult, StoreUnavailable
from chatcluster.store.cassandra_schema import KEYSPACE_CQL, LOCK_TABLE, MIGRATIONS, MIGRATIONS_TABLE

log = logging.getLogger(__name__)

T = TypeVar("T")
ALL_ROOMS = "*"  # the sentiment rows (one per privacy) that sum every room
RATE_BUCKET_MS = 60_000
MAX_IN_FLIGHT = 128
# Outages and timeouts are waited out by callers; invalid queries are bugs and surface as they are.
UNAVAILABLE = (NoHostAvailable, OperationTimedOut, ConnectionException, Unavailable, ReadTimeout, WriteTimeout)

_ADD_MESSAGES = (
    "UPDATE stats_messages SET count = count + ? WHERE day = ? AND private = ? AND room_id = ? AND user_id = ?"
)
_ADD_SENTIMENT = (
    "UPDATE stats_sentiment SET positive = positive + ?, neutral = neutral + ?, negative = negative + ? "
    "WHERE room_id = ? AND private = ? AND minute = ?"
)
_ADD_TOP_MINUTE = (
    "UPDATE stats_top_minute SET count = count + ? WHERE kind = ? AND private = ? AND minute = ? AND key = ?"
)
_ADD_TOP_TOTAL = "UPDATE stats_top_total SET count = count + ? WHERE kind = ? AND private = ? AND key = ?"
_ADD_RATE = "UPDATE stats_rate SET count = count + ? WHERE second_bucket = ? AND second = ?"
_AGGREGATE_TABLES = (
    "stats_counted",
    "stats_messages",
    "stats_days",
    "stats_sentiment",
    "stats_top_minute",
    "stats_top_total",
    "stats_rate",
)
# `SET count = count + ?`: a counter update adds again each time it runs, so the driver must never retry it.
_COUNTER_UPDATE = re.compile(r"=\s*(\w+)\s*\+\s*\?")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def write_timestamp(event_id: int) -> int:
    """Microseconds for USING TIMESTAMP: the event's millisecond plus its sequence, capped at 999 so a
    later event of one worker never gets an earlier timestamp (past 1,000 events in one millisecond
    they tie, and Cassandra keeps the larger value)."""
    return id_timestamp_ms(event_id) * 1000 + min(event_id & 0xFFF, 999)


class CassandraConfig:
    """Parsed from `cassandra://host1,host2:9042/keyspace?rf=3&dc=datacenter1&consistency=LOCAL_QUORUM`,
    with optional (percent-encoded) credentials for PasswordAuthenticator: `cassandra://user:password@hosts...`."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "cassandra":
            raise ValueError(f"not a cassandra:// store url: {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        userinfo, _, hostinfo = parsed.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        self.username = unquote(user) or None
        self.password = unquote(password) if user else None
        hosts_part = hostinfo.rsplit(":", 1)
        self.hosts = [h for h in hosts_part[0].split(",") if h] or ["127.0.0.1"]
        self.port = int(hosts_part[1]) if len(hosts_part) == 2 and hosts_part[1] else 9042
        self.keyspace = parsed.path.strip("/") or "chatcluster"
        self.replication_factor = int(query.get("rf", "1"))
        self.datacenter = query.get("dc", "datacenter1")
        self.consistency = ConsistencyLevel.name_to_value[query.get("consistency", "LOCAL_QUORUM").upper()]


_TABLE_REFERENCE = re.compile(r"\b(FROM|INTO|UPDATE)\s+(?!system)([a-z_]+)\b(?!\.)")


def _qualified(cql: str, keyspace: str) -> str:
    """Name the keyspace in every table reference: Cassandra 5 logs an error for each prepared
    statement that relies on a per-statement or `USE` keyspace."""
    return _TABLE_REFERENCE.sub(lambda m: f"{m.group(1)} {keyspace}.{m.group(2)}", cql)


def _settle(result: asyncio.Future[list[Any]], rows: list[Any] | None, exc: BaseException | None) -> None:
    if result.done():
        return
    if exc is not None:
        result.set_exception(exc)
    else:
        result.set_result(rows or [])


def _await(future: ResponseFuture) -> asyncio.Future[list[Any]]:
    """An asyncio future for a driver future (the driver calls back from its own thread)."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[list[Any]] = loop.create_future()

    def done(rows: Any) -> None:
        loop.call_soon_threadsafe(_settle, result, list(rows or []), None)

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(_settle, result, None, exc)

    future.add_callbacks(done, failed)
    return result


class CassandraStore:
    def __init__(self, url: str) -> None:
        self.config = CassandraConfig(url)
        self._cluster: Cluster | None = None
        self._session: Session | None = None
        self._statements: dict[str, PreparedStatement] = {}
        self._window = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._keyspace_ready = False

    # -- connection and schema -------------------------------------------------------------

    @property
    def session(self) -> Session:
        if self._session is None:
            raise StoreUnavailable("the Cassandra store is not open")
        return self._session

    async def open(self) -> None:
        await asyncio.to_thread(self._connect)
        await self.migrate()

    def _connect(self) -> None:
        profile = ExecutionProfile(
            load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=self.config.datacenter)),
            consistency_level=self.config.consistency,
            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
            request_timeout=10,
        )
        self._cluster = Cluster(
            self.config.hosts,
            port=self.config.port,
            execution_profiles={"default": profile},
            protocol_version=5,
            auth_provider=(
                PlainTextAuthProvider(self.config.username, self.config.password or "")
                if self.config.username
                else None
            ),
        )
        try:
            self._session = self._cluster.connect()
        except UNAVAILABLE as exc:
            self._cluster.shutdown()
            self._cluster = None
            raise StoreUnavailable(f"cannot reach Cassandra at {self.config.hosts}: {exc}") from exc

    async def migrate(self) -> list[int]:
        """Apply pending migrations in order under a lease, so two processes at once are safe."""
        ks = self.config.keyspace
        await self._run(
            KEYSPACE_CQL.format(
                keyspace=ks, datacenter=self.config.datacenter, replication_factor=self.config.replication_factor
            )
        )
        self._keyspace_ready = True
        await self._run(MIGRATIONS_TABLE)
        await self._run(LOCK_TABLE)
        owner = str(uuid.uuid4())
        while not (
            await self._run(
                "INSERT INTO schema_lock (name, owner) VALUES ('migrate', %s) IF NOT EXISTS USING TTL 120", (owner,)
            )
        )[0][0]:
            await asyncio.sleep(0.5)  # another process is migrating; its lease expires if it dies
        try:
            applied = {row[0] for row in await self._run("SELECT version FROM schema_migrations")}
            ran = []
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version in applied:
                    continue
                for statement in statements:
                    await self._run(statement)
                await self._run(
                    "INSERT INTO schema_migrations (version, applied_ms) VALUES (%s, %s)",
                    (version, _ms(datetime.now(UTC))),
                )
                ran.append(version)
            return ran
        finally:
            await self._run("DELETE FROM schema_lock WHERE name = 'migrate' IF owner = %s", (owner,))

    async def close(self) -> None:
        if self._cluster is not None:
            await asyncio.to_thread(self._cluster.shutdown)
        self._cluster = self._session = None

    async def ping(self) -> None:
        await self._run("SELECT release_version FROM system.local")

    # -- execution ---------------------------------------------------------------------------

    async def _run(self, statement: Any, params: Sequence[Any] | None = None) -> list[Any]:
        if isinstance(statement, str):
            # Protocol v5 names the keyspace per statement: `USE` with prepared statements is an anti-pattern.
            statement = SimpleStatement(statement, keyspace=self.config.keyspace if self._keyspace_ready else None)
        try:
            return await _await(self.session.execute_async(statement, params))
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Cassandra: {type(exc).__name__}: {exc}") from exc

    def _prepared(self, cql: str) -> PreparedStatement:
        statement = self._statements.get(cql)
        if statement is None:
            statement = self.session.prepare(_qualified(cql, self.config.keyspace))
            statement.is_idempotent = not _COUNTER_UPDATE.search(cql) and " IF " not in cql
            self._statements[cql] = statement
        return statement

    async def _q(self, cql: str, *params: Any) -> list[Any]:
        async with self._window:
            return await self._run(self._prepared(cql).bind(params))

    async def _many(self, calls: Iterable[Awaitable[T]]) -> list[T]:
        """Run statements concurrently; the in-flight window in `_q` bounds them."""
        return list(await asyncio.gather(*calls))

    # -- accounts and rooms ----------------------------------------------------------------------

    async def create_user(self, user: User) -> bool:
        claimed = await self._q(
            "INSERT INTO users_by_name (username_key, user_id, username, password_hash, created_ms) "
            "VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
            user.username.lower(),
            user.user_id,
            user.username,
            user.password_hash,
            _ms(user.created_at),
        )
        if not claimed[0][0]:
            return False
        await self._q(
            "INSERT INTO users (user_id, username, password_hash, created_ms, is_admin, deleted) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            user.user_id,
            user.username,
            user.password_hash,
            _ms(user.created_at),
            user.is_admin,
            user.deleted,
        )
        return True

    @staticmethod
    def _user(row: Any) -> User:
        return User(
            user_id=row.user_id,
            username=row.username,
            password_hash=row.password_hash or "",
            created_at=_dt(row.created_ms),
            is_admin=bool(row.is_admin),
            deleted=bool(row.deleted),
        )

    async def get_user(self, user_id: int) -> User | None:
        rows = await self._q(
            "SELECT user_id, username, password_hash, created_ms, is_admin, deleted FROM users WHERE user_id = ?",
            user_id,
        )
        return self._user(rows[0]) if rows else None

    async def get_user_by_name(self, username: str) -> User | None:
        rows = await self._q("SELECT user_id FROM users_by_name WHERE username_key = ?", username.lower())
        return await self.get_user(rows[0].user_id) if rows else None

    async def _set_password_hash(self, user: User, password_hash: str) -> None:
        # users_by_name keeps a copy from registration: no superseded hash may stay behind there.
        await self._many(
            [
                self._q("UPDATE users SET password_hash = ? WHERE user_id = ?", password_hash, user.user_id),
                self._q(
                    "UPDATE users_by_name SET password_hash = ? WHERE username_key = ?",
                    password_hash,
                    user.username.lower(),
                ),
            ]
        )

    async def _live_user(self, user_id: int) -> User | None:
        user = await self.get_user(user_id)
        return None if user is None or user.deleted else user

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._set_password_hash(user, password_hash)
        return user is not None

    async def set_admin(self, user_id: int, is_admin: bool) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._q("UPDATE users SET is_admin = ? WHERE user_id = ?", is_admin, user_id)
        return user is not None

    async def delete_user(self, user_id: int) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._q("UPDATE users SET is_admin = false, deleted = true WHERE user_id = ?", user_id)
            await self._set_password_hash(user, "")
        return user is not None

    # -- sessions: plain inserts, then compare-and-set, so a refresh never revives a revoked one --------

    @staticmethod
    def _session_ttl(session: UserSession) -> int:
        return max(1, math.ceil((session.expires_at - datetime.now(UTC)).total_seconds()))

    async def create_session(self, session: UserSession) -> None:
        ttl = self._session_ttl(session)
        await self._q(
            "INSERT INTO sessions (session_id, user_id, secret_hash, created_ms, last_used_ms, expires_ms, user_agent) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?",
            session.session_id,
            session.user_id,
            session.secret_hash,
            _ms(session.created_at),
            _ms(session.last_used_at),
            _ms(session.expires_at),
            session.user_agent,
            ttl,
        )
        await self._q(
            "INSERT INTO sessions_by_user (user_id, session_id) VALUES (?, ?) USING TTL ?",
            session.user_id,
            session.session_id,
            ttl,
        )

    async def get_session(self, session_id: int) -> UserSession | None:
        rows = await self._q(
            "SELECT session_id, user_id, secret_hash, created_ms, last_used_ms, expires_ms, user_agent "
            "FROM sessions WHERE session_id = ?",
            session_id,
        )
        if not rows:
            return None
        row = rows[0]
        return UserSession(
            session_id=row.session_id,
            user_id=row.user_id,
            secret_hash=row.secret_hash,
            created_at=_dt(row.created_ms),
            last_used_at=_dt(row.last_used_ms),
            expires_at=_dt(row.expires_ms),
            user_agent=row.user_agent or "",
        )

    async def touch_session(self, session: UserSession) -> bool:
        # Every column is written again: a TTL applies per column, and the whole row must live on.
        ttl = self._session_ttl(session)
        applied = await self._q(
            "UPDATE sessions USING TTL ? SET user_id = ?, secret_hash = ?, created_ms = ?, last_used_ms = ?, "
            "expires_ms = ?, user_agent = ? WHERE session_id = ? IF EXISTS",
            ttl,
            session.user_id,
            session.secret_hash,
            _ms(session.created_at),
            _ms(session.last_used_at),
            _ms(session.expires_at),
            session.user_agent,
            session.session_id,
        )
        if not applied[0][0]:
            return False
        await self._q(
            "INSERT INTO sessions_by_user (user_id, session_id) VALUES (?, ?) USING TTL ?",
            session.user_id,
            session.session_id,
            ttl,
        )
        return True

    async def sessions_of(self, user_id: int, now: datetime) -> list[UserSession]:
        rows = await self._q("SELECT session_id FROM sessions_by_user WHERE user_id = ?", user_id)
        found = await self._many(self.get_session(r.session_id) for r in rows)
        live = [s for s in found if s is not None and s.user_id == user_id and s.expires_at > now]
        return sorted(live, key=lambda s: (s.created_at, s.session_id))

    async def _end_session(self, user_id: int, session_id: int) -> bool:
        ended = await self._q("DELETE FROM sessions WHERE session_id = ? IF EXISTS", session_id)
        await self._q("DELETE FROM sessions_by_user WHERE user_id = ? AND session_id = ?", user_id, session_id)
        return bool(ended[0][0])

    async def revoke_session(self, session_id: int) -> bool:
        session = await self.get_session(session_id)
        return session is not None and await self._end_session(session.user_id, session_id)

    async def revoke_sessions(self, user_id: int, keep: int | None = None) -> list[int]:
        rows = await self._q("SELECT session_id FROM sessions_by_user WHERE user_id = ?", user_id)
        ids = [r.session_id for r in rows if r.session_id != keep]
        ended = await self._many(self._end_session(user_id, session_id) for session_id in ids)
        return sorted(session_id for session_id, done in zip(ids, ended, strict=True) if done)

    async def create_room(self, room: Room) -> bool:
        created = await self._q(
            "INSERT INTO rooms (room_id, kind, name, created_by, created_ms, member_count) "
            "VALUES (?, ?, ?, ?, ?, 0) IF NOT EXISTS",
            room.room_id,
            room.kind.value,
            room.name,
            room.created_by,
            _ms(room.created_at),
        )
        if not created[0][0]:
            return False
        await self._q(
            "INSERT INTO rooms_by_kind (kind, created_ms, room_id, name, created_by) VALUES (?, ?, ?, ?, ?)",
            room.kind.value,
            _ms(room.created_at),
            room.room_id,
            room.name,
            room.created_by,
        )
        return True

    @staticmethod
    def _room(row: Any) -> Room:
        return Room(
            room_id=row.room_id,
            kind=RoomKind(row.kind),
            name=row.name,
            created_by=row.created_by,
            created_at=_dt(row.created_ms),
        )

    async def get_room(self, room_id: str) -> Room | None:
        rows = await self._q("SELECT room_id, kind, name, created_by, created_ms FROM rooms WHERE room_id = ?", room_id)
        return self._room(rows[0]) if rows else None

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._q(
            "SELECT room_id, kind, name, created_by, created_ms FROM rooms_by_kind WHERE kind = ? LIMIT ?",
            RoomKind.GROUP.value,
            limit,
        )
        return [self._room(r) for r in rows]

    async def add_member(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        room = await self.get_room(room_id)
        if room is None:
            return JoinResult.NO_SUCH_ROOM
        if await self.is_member(room_id, user_id):
            return JoinResult.ALREADY_MEMBER
        # Reserve a seat with compare-and-set on the room's count before joining: a crash in
        # between can only leave a seat reserved (the room looks fuller), never overfill it.
        if not await self._change_member_count(room_id, +1, limit):
            return JoinResult.ROOM_FULL
        user = await self.get_user(user_id)
        joined = await self._q(
            "INSERT INTO room_members (room_id, user_id, username, joined_ms) VALUES (?, ?, ?, ?) IF NOT EXISTS",
            room_id,
            user_id,
            user.username if user else "",
            _ms(datetime.now(UTC)),
        )
        if not joined[0][0]:
            await self._change_member_count(room_id, -1, limit)
            return JoinResult.ALREADY_MEMBER
        await self._q(
            "INSERT INTO rooms_by_user (user_id, room_id, kind, name, created_by, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            user_id,
            room.room_id,
            room.kind.value,
            room.name,
            room.created_by,
            _ms(room.created_at),
        )
        return JoinResult.JOINED

    async def _change_member_count(self, room_id: str, step: int, limit: int) -> bool:
        """Compare-and-set the room's member count by `step`; False when a join would pass `limit`."""
        rows = await self._q("SELECT member_count FROM rooms WHERE room_id = ?", room_id)
        current = (rows[0].member_count or 0) if rows else 0
        while True:
            if step > 0 and current + step > limit:
                return False
            applied = await self._q(
                "UPDATE rooms SET member_count = ? WHERE room_id = ? IF member_count = ?",
                max(current + step, 0),
                room_id,
                current,
            )
            if applied[0][0]:
                return True
            current = applied[0].member_count or 0  # someone else moved it: retry from their value

    async def remove_member(self, room_id: str, user_id: int) -> bool:
        left = await self._q("DELETE FROM room_members WHERE room_id = ? AND user_id = ? IF EXISTS", room_id, user_id)
        if not left[0][0]:
            return False
        await self._q("DELETE FROM rooms_by_user WHERE user_id = ? AND room_id = ?", user_id, room_id)
        await self._change_member_count(room_id, -1, limit=0)
        return True

    async def is_member(self, room_id: str, user_id: int) -> bool:
        return bool(
            await self._q("SELECT user_id FROM room_members WHERE room_id = ? AND user_id = ?", room_id, user_id)
        )

    async def members(self, room_id: str) -> list[Member]:
        rows = await self._q("SELECT user_id, username, joined_ms FROM room_members WHERE room_id = ?", room_id)
        found = [Member(user_id=r.user_id, username=r.username, joined_at=_dt(r.joined_ms)) for r in rows]
        return sorted(found, key=lambda m: (m.joined_at, m.user_id))

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._q(
            "SELECT room_id, kind, name, created_by, created_ms FROM rooms_by_user WHERE user_id = ?", user_id
        )
        return sorted((self._room(r) for r in rows), key=lambda r: (r.created_at, r.room_id))

    # -- messages ----------------------------------------------------------------------------------

    def _message_writes(self, event: MessageEvent) -> list[Awaitable[list[Any]]]:
        message = event.message
        bucket = bucket_of(message.message_id)
        ts = write_timestamp(event.event_id)
        key = (message.room_id, bucket, message.message_id)
        if event.kind is EventKind.DELETED:
            return [
                self._q(
                    "UPDATE messages USING TIMESTAMP ? SET deleted = true, text = '', words = {}, edited_ms = ? "
                    "WHERE room_id = ? AND bucket = ? AND message_id = ?",
                    ts,
                    _ms(message.edited_at or datetime.now(UTC)),
                    *key,
                )
            ]
        writes: list[Awaitable[list[Any]]] = [
            self._q(
                "UPDATE messages USING TIMESTAMP ? SET author_id = ?, author = ?, text = ?, reply_to = ?, "
                "client_id = ?, edited_ms = ?, words = ? WHERE room_id = ? AND bucket = ? AND message_id = ?",
                ts,
                message.author_id,
                message.author,
                message.text,
                message.reply_to,
                message.client_id,
                None if message.edited_at is None else _ms(message.edited_at),
                set(words_of(message.text)),
                *key,
            )
        ]
        if event.kind is EventKind.CREATED:
            writes += [
                self._q(
                    "INSERT INTO messages_by_id (message_id, room_id, bucket) VALUES (?, ?, ?)",
                    message.message_id,
                    message.room_id,
                    bucket,
                ),
                self._q("INSERT INTO room_buckets (room_id, bucket) VALUES (?, ?)", message.room_id, bucket),
            ]
        return writes

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        await self._many(write for event in events for write in self._message_writes(event))

    async def set_sentiments(self, scored: Sequence[ScoredEvent]) -> None:
        await self._many(
            (
                self._q(
                    "UPDATE messages USING TIMESTAMP ? SET label = ?, confidence = ?, "
                    "model_version = ? WHERE room_id = ? AND bucket = ? AND message_id = ?",
                    write_timestamp(e.event_id),
                    e.sentiment.label,
                    e.sentiment.confidence,
                    e.sentiment.model_version,
                    e.message.room_id,
                    bucket_of(e.message.message_id),
                    e.message.message_id,
                )
            )
            for e in scored
        )

    _MESSAGE_COLUMNS = (
        "room_id, message_id, author_id, author, text, reply_to, client_id, edited_ms, deleted, "
        "label, confidence, model_version"
    )

    @staticmethod
    def _message(row: Any) -> Message | None:
        if row.author is None:  # only a score has landed; the persister has not written the message yet
            return None
        deleted = bool(row.deleted)
        return Message(
            message_id=row.message_id,
            room_id=row.room_id,
            author_id=row.author_id,
            author=row.author,
            text="" if deleted else row.text or "",
            reply_to=row.reply_to,
            client_id=row.client_id,
            edited_at=None if row.edited_ms is None else _dt(row.edited_ms),
            deleted=deleted,
            sentiment=None
            if row.label is None
            else Sentiment(label=row.label, confidence=row.confidence, model_version=row.model_version),
        )

    async def get_message(self, message_id: int) -> Message | None:
        where = await self._q("SELECT room_id, bucket FROM messages_by_id WHERE message_id = ?", message_id)
        if not where:
            return None
        rows = await self._q(
            f"SELECT {self._MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? AND message_id = ?",
            where[0].room_id,
            where[0].bucket,
            message_id,
        )
        return self._message(rows[0]) if rows else None

    async def _buckets(self, room_id: str) -> list[int]:
        return [r.bucket for r in await self._q("SELECT bucket FROM room_buckets WHERE room_id = ?", room_id)]

    async def _collect(
        self, room_id: str, buckets: Iterable[int], cql: str, newer: bool, cursor: int, limit: int, *extra: Any
    ) -> list[Message]:
        """Page through the given buckets in order until `limit` messages are kept.

        A page may hold rows that are dropped (a score written before its message, a deleted
        match), so a bucket is only left once a short page shows it is exhausted."""
        found: list[Message] = []
        for bucket in buckets:
            position = cursor
            while len(found) < limit:
                want = limit - len(found)
                rows = await self._q(cql, room_id, bucket, position, *extra, want)
                found += [m for m in map(self._message, rows) if m is not None and (not extra or not m.deleted)]
                if len(rows) < want:
                    break
                position = rows[-1].message_id
            if len(found) >= limit:
                break
        return found[:limit] if newer else list(reversed(found[:limit]))

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        # Only buckets that hold messages are visited, so a quiet year costs nothing.
        buckets = await self._buckets(room_id)
        select = f"SELECT {self._MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? "
        if after is not None:
            return await self._collect(
                room_id,
                sorted(b for b in buckets if b >= bucket_of(after)),
                select + "AND message_id > ? ORDER BY message_id ASC LIMIT ?",
                True,
                after,
                limit,
            )
        upper = before if before is not None else 2**63 - 1
        return await self._collect(
            room_id,
            sorted((b for b in buckets if b <= bucket_of(upper)), reverse=True),
            select + "AND message_id < ? LIMIT ?",
            False,
            upper,
            limit,
        )

    async def search(self, room_id: str, query: str, limit: int = 50) -> list[Message]:
        """Live messages of a room containing every topic word of `query` (SAI on the words set), newest first."""
        terms = words_of(query)
        if not terms:
            return []
        found = await self._collect(
            room_id,
            sorted(await self._buckets(room_id), reverse=True),
            f"SELECT {self._MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? AND message_id < ? "
            + "AND words CONTAINS ? " * len(terms)
            + "LIMIT ?",
            False,
            2**63 - 1,
            limit,
            *terms,
        )
        return list(reversed(found))

    # -- aggregates ----------------------------------------------------------------------------------

    async def record_aggregates(self, scored: Sequence[ScoredEvent]) -> int:
        candidates = countable(scored)
        # A lightweight transaction claims each message once; only the winner adds its counts.
        claims = await self._many(
            (self._q("INSERT INTO stats_counted (message_id) VALUES (?) IF NOT EXISTS", mid)) for mid in candidates
        )
        fresh = [event for (mid, event), claim in zip(candidates.items(), claims, strict=True) if claim[0][0]]
        await self._apply_delta(delta_of(fresh))
        return len(fresh)

    async def _apply_delta(self, delta: AggregateDelta) -> None:
        writes: list[Awaitable[list[Any]]] = []
        for count, n in delta.messages.items():
            writes.append(self._q(_ADD_MESSAGES, n, count.day, count.private, count.room_id, count.user_id))
        for day in {count.day for count in delta.messages}:
            writes.append(self._q("INSERT INTO stats_days (scope, day) VALUES ('all', ?)", day))
        for cell, c in delta.sentiment.items():
            for target in (cell.room_id, ALL_ROOMS):
                writes.append(
                    self._q(_ADD_SENTIMENT, c.positive, c.neutral, c.negative, target, cell.private, cell.minute)
                )
        totals: Counter[tuple[str, bool, str]] = Counter()
        for top, n in delta.top.items():
            totals[(top.kind.value, top.private, top.key)] += n
            writes.append(self._q(_ADD_TOP_MINUTE, n, top.kind.value, top.private, top.minute, top.key))
        for (kind_value, private, key), n in totals.items():
            writes.append(self._q(_ADD_TOP_TOTAL, n, kind_value, private, key))
        for second, n in delta.per_second.items():
            writes.append(self._q(_ADD_RATE, n, second - second % RATE_BUCKET_MS, second))
        await self._many(writes)

    async def reset_aggregates(self) -> None:
        for table in _AGGREGATE_TABLES:
            await self._run(f"TRUNCATE {table}")
        await self._q("INSERT INTO stats_recount (name) VALUES ('pending')")

    async def recount_pending(self) -> bool:
        return bool(await self._q("SELECT name FROM stats_recount WHERE name = 'pending'"))

    async def recount_done(self) -> None:
        await self._q("DELETE FROM stats_recount WHERE name = 'pending'")

    async def prune_aggregates(self, older_than_ms: int) -> None:
        """Not yet: counter tables take no TTL, so per-minute detail is kept (queries only read recent
        partitions, so it costs disk, not speed). Deleting old minute partitions is the next step."""

    async def stats_messages(
        self,
        *,
        by_user: bool,
        by_day: bool,
        from_day: str | None,
        to_day: str | None,
        room_id: str | None,
        audience: Audience = Audience.PUBLIC,
    ) -> list[MessageCountRow]:
        days = [r.day for r in await self._q("SELECT day FROM stats_days WHERE scope = 'all'")]
        days = [d for d in days if (from_day is None or d >= from_day) and (to_day is None or d <= to_day)]
        per_day = await self._many(
            (self._q("SELECT day, room_id, user_id, count FROM stats_messages WHERE day = ? AND private = ?", d, p))
            for d in days
            for p in audience.private_flags
        )
        counts: Counter[tuple[str | None, int | None]] = Counter()
        for rows in per_day:
            for r in rows:
                if room_id is None or r.room_id == room_id:
                    counts[(r.day if by_day else None, r.user_id if by_user else None)] += r.count
        names: dict[int, str] = {}
        if by_user:
            for user_id in {u for _, u in counts if u is not None}:
                user = await self._q("SELECT username FROM users WHERE user_id = ?", user_id)
                names[user_id] = user[0].username if user else str(user_id)
        return [
            MessageCountRow(day=day, user_id=user_id, username=names.get(user_id) if user_id else None, count=n)
            for (day, user_id), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or 0))
            if n
        ]

    async def stats_sentiment(
        self, *, room_id: str | None, from_ms: int, to_ms: int, step_ms: int, audience: Audience = Audience.PUBLIC
    ) -> list[SentimentRow]:
        per_privacy = await self._many(
            self._q(
                "SELECT minute, positive, neutral, negative FROM stats_sentiment "
                "WHERE room_id = ? AND private = ? AND minute >= ? AND minute < ?",
                room_id or ALL_ROOMS,
                private,
                from_ms,
                to_ms,
            )
            for private in audience.private_flags
        )
        steps: dict[int, list[int]] = {}
        for rows in per_privacy:
            for r in rows:
                acc = steps.setdefault(r.minute - r.minute % step_ms, [0, 0, 0])
                acc[0] += r.positive or 0
                acc[1] += r.neutral or 0
                acc[2] += r.negative or 0
        return [sentiment_row(start, *acc) for start, acc in sorted(steps.items())]

    async def stats_top(
        self, kind: TopKind, *, since_ms: int | None, limit: int, audience: Audience = Audience.PUBLIC
    ) -> list[TopEntry]:
        if since_ms is None:
            partitions = await self._many(
                self._q("SELECT key, count FROM stats_top_total WHERE kind = ? AND private = ?", kind.value, p)
                for p in audience.private_flags
            )
        else:
            now = _ms(datetime.now(UTC))
            partitions = await self._many(
                self._q(
                    "SELECT key, count FROM stats_top_minute WHERE kind = ? AND private = ? AND minute = ?",
                    kind.value,
                    p,
                    m,
                )
                for m in range(since_ms - since_ms % 60_000, now + 1, 60_000)
                for p in audience.private_flags
            )
        counts: Counter[str] = Counter()
        for rows in partitions:
            for r in rows:
                counts[r.key] += r.count
        ranked = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
        return [TopEntry(key=k, count=n) for k, n in ranked[:limit]]

    async def stats_rate(self, *, from_ms: int, to_ms: int) -> dict[int, int]:
        found: dict[int, int] = {}
        for bucket in range(from_ms - from_ms % RATE_BUCKET_MS, to_ms, RATE_BUCKET_MS):
            for r in await self._q(
                "SELECT second, count FROM stats_rate WHERE second_bucket = ? AND second >= ? AND second < ?",
                bucket,
                from_ms,
                to_ms,
            ):
                found[r.second] = r.count
        return found
