"""The embedded SQLite back end: WAL mode, one transaction per batch.

Its tables follow the Cassandra layout (messages keyed by room, time bucket
and id) so that both back ends answer the same queries the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

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
from chatcluster.ids import bucket_of
from chatcluster.models import (
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
from chatcluster.private_files import PRIVATE_FILE_MODE, private_file
from chatcluster.store.base import JoinResult, StoreUnavailable

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    );
    CREATE TABLE rooms (
        room_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE room_members (
        room_id TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        joined_ms INTEGER NOT NULL,
        PRIMARY KEY (room_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX room_members_by_user ON room_members (user_id, room_id);
    CREATE TABLE messages (
        room_id TEXT NOT NULL,
        bucket INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        author_id INTEGER NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        reply_to INTEGER,
        client_id TEXT,
        edited_ms INTEGER,
        deleted INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        PRIMARY KEY (room_id, bucket, message_id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX messages_by_id ON messages (message_id);
    """,
    """
    CREATE TABLE message_sentiment (
        message_id INTEGER PRIMARY KEY,
        label INTEGER NOT NULL,
        confidence REAL NOT NULL,
        model_version TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    CREATE TABLE agg_counted (message_id INTEGER PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE agg_messages (
        day TEXT NOT NULL, room_id TEXT NOT NULL, user_id INTEGER NOT NULL, username TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (day, room_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE agg_sentiment (
        room_id TEXT NOT NULL, minute INTEGER NOT NULL,
        positive INTEGER NOT NULL, neutral INTEGER NOT NULL, negative INTEGER NOT NULL,
        PRIMARY KEY (room_id, minute)
    ) WITHOUT ROWID;
    CREATE INDEX agg_sentiment_by_minute ON agg_sentiment (minute);
    CREATE TABLE agg_top_minute (
        kind TEXT NOT NULL, minute INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (kind, minute, key)
    ) WITHOUT ROWID;
    CREATE TABLE agg_top_total (
        kind TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX agg_top_total_by_count ON agg_top_total (kind, count DESC);
    CREATE TABLE agg_rate (second INTEGER PRIMARY KEY, count INTEGER NOT NULL);
    """,
    """
    CREATE VIRTUAL TABLE message_search USING fts5(text, room_id UNINDEXED, tokenize = 'unicode61');
    INSERT INTO message_search (rowid, text, room_id) SELECT message_id, text, room_id FROM messages WHERE deleted = 0;
    """,
    """
    ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sessions (
        session_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        secret_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        last_used_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        user_agent TEXT NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_id, session_id);
    """,
    # Every count keeps the privacy of its room when the message was said (chatcluster.privacy), in its
    # key. The old counts cannot be split, so they go, and the aggregator recounts the CHAT_SCORED
    # stream into these tables when it starts (`stats_recount` says a recount is pending).
    """
    DROP TABLE agg_counted;
    DROP TABLE agg_messages;
    DROP TABLE agg_sentiment;
    DROP TABLE agg_top_minute;
    DROP TABLE agg_top_total;
    DROP TABLE agg_rate;
    CREATE TABLE stats_counted (message_id INTEGER PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE stats_messages (
        day TEXT NOT NULL, room_id TEXT NOT NULL, user_id INTEGER NOT NULL, private INTEGER NOT NULL,
        username TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, room_id, user_id, private)
    ) WITHOUT ROWID;
    CREATE TABLE stats_sentiment (
        room_id TEXT NOT NULL, minute INTEGER NOT NULL, private INTEGER NOT NULL,
        positive INTEGER NOT NULL, neutral INTEGER NOT NULL, negative INTEGER NOT NULL,
        PRIMARY KEY (room_id, private, minute)
    ) WITHOUT ROWID;
    CREATE INDEX stats_sentiment_by_minute ON stats_sentiment (private, minute);
    CREATE TABLE stats_top_minute (
        kind TEXT NOT NULL, private INTEGER NOT NULL, minute INTEGER NOT NULL, key TEXT NOT NULL,
        count INTEGER NOT NULL, PRIMARY KEY (kind, private, minute, key)
    ) WITHOUT ROWID;
    CREATE TABLE stats_top_total (
        kind TEXT NOT NULL, private INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (kind, private, key)
    ) WITHOUT ROWID;
    CREATE INDEX stats_top_total_by_count ON stats_top_total (kind, private, count DESC);
    CREATE TABLE stats_rate (second INTEGER PRIMARY KEY, count INTEGER NOT NULL);
    CREATE TABLE stats_recount (pending INTEGER PRIMARY KEY);
    INSERT INTO stats_recount VALUES (1);
    """,
)

OPEN_ATTEMPTS = 20

_AGGREGATE_TABLES = (
    "stats_counted",
    "stats_messages",
    "stats_sentiment",
    "stats_top_minute",
    "stats_top_total",
    "stats_rate",
)

# Highest event id wins; a delete is sticky so a late edit cannot resurrect text.
_UPSERT_MESSAGE = """
INSERT INTO messages (room_id, bucket, message_id, author_id, author, text, reply_to,
                      client_id, edited_ms, deleted, version)
VALUES (:room_id, :bucket, :message_id, :author_id, :author, :text, :reply_to,
        :client_id, :edited_ms, :deleted, :version)
ON CONFLICT (room_id, bucket, message_id) DO UPDATE SET
    text = CASE WHEN messages.deleted OR excluded.deleted THEN '' ELSE excluded.text END,
    edited_ms = excluded.edited_ms,
    deleted = messages.deleted OR excluded.deleted,
    version = excluded.version
WHERE excluded.version > messages.version
"""

_MESSAGE_SELECT = (
    "SELECT m.message_id, m.room_id, m.author_id, m.author, m.text, m.reply_to, m.client_id, m.edited_ms, "
    "m.deleted, s.label, s.confidence, s.model_version "
    "FROM messages m LEFT JOIN message_sentiment s ON s.message_id = m.message_id"
)

_UPSERT_SENTIMENT = """
INSERT INTO message_sentiment VALUES (:message_id, :label, :confidence, :model_version, :version)
ON CONFLICT (message_id) DO UPDATE SET
    label = excluded.label, confidence = excluded.confidence,
    model_version = excluded.model_version, version = excluded.version
WHERE excluded.version > message_sentiment.version
"""


def _private_in(audience: Audience) -> str:
    """The condition keeping the counts of the rooms this audience sees; its parameters are `private_flags`."""
    return f"private IN ({','.join('?' * len(audience.private_flags))})"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _message(row: sqlite3.Row) -> Message:
    return Message(
        message_id=row["message_id"],
        room_id=row["room_id"],
        author_id=row["author_id"],
        author=row["author"],
        text=row["text"],
        reply_to=row["reply_to"],
        client_id=row["client_id"],
        edited_at=None if row["edited_ms"] is None else _dt(row["edited_ms"]),
        deleted=bool(row["deleted"]),
        sentiment=None
        if row["label"] is None
        else Sentiment(label=row["label"], confidence=row["confidence"], model_version=row["model_version"]),
    )


def _room(row: sqlite3.Row) -> Room:
    return Room(
        room_id=row["room_id"],
        kind=RoomKind(row["kind"]),
        name=row["name"],
        created_by=row["created_by"],
        created_at=_dt(row["created_ms"]),
    )


def _user(row: sqlite3.Row) -> User:
    return User(
        user_id=row["user_id"],
        username=row["username"],
        password_hash=row["password_hash"],
        created_at=_dt(row["created_ms"]),
        is_admin=bool(row["is_admin"]),
        deleted=bool(row["deleted"]),
    )


def _session(row: sqlite3.Row) -> UserSession:
    return UserSession(
        session_id=row["session_id"],
        user_id=row["user_id"],
        secret_hash=row["secret_hash"],
        created_at=_dt(row["created_ms"]),
        last_used_at=_dt(row["last_used_ms"]),
        expires_at=_dt(row["expires_ms"]),
        user_agent=row["user_agent"],
    )


def _event_row(event: MessageEvent) -> dict[str, Any]:
    message = event.message
    return {
        "room_id": message.room_id,
        "bucket": bucket_of(message.message_id),
        "message_id": message.message_id,
        "author_id": message.author_id,
        "author": message.author,
        "text": "" if message.deleted else message.text,
        "reply_to": message.reply_to,
        "client_id": message.client_id,
        "edited_ms": None if message.edited_at is None else _ms(message.edited_at),
        "deleted": int(message.deleted),
        "version": event.event_id,
    }


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: aiosqlite.Connection | None = None
        # One connection serves every task of the process; a transaction must not interleave.
        self._write_lock = asyncio.Lock()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreUnavailable("the SQLite store is not open")
        return self._db

    async def open(self) -> None:
        # Password hashes and every direct message: 0600, a mode SQLite gives its -wal and -shm files too.
        private_file(self._path)
        for leftover in (Path(f"{self._path}-wal"), Path(f"{self._path}-shm")):  # an older version's, 0644
            with contextlib.suppress(FileNotFoundError):
                leftover.chmod(PRIVATE_FILE_MODE)
        for attempt in range(OPEN_ATTEMPTS):
            try:
                self._db = await self._connect()
                await self._migrate()
                return
            except (sqlite3.OperationalError, StoreUnavailable) as exc:
                await self.close()
                # Several processes opening a fresh file race on switching it to WAL;
                # SQLite answers "locked" at once there, whatever the busy timeout.
                if attempt == OPEN_ATTEMPTS - 1:
                    raise StoreUnavailable(f"cannot open {self._path}: {exc}") from exc
                await asyncio.sleep(0.05 * (attempt + 1))

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self._path, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            await db.execute("PRAGMA busy_timeout=10000")
            await db.execute("PRAGMA journal_mode=WAL")  # gateway and consumers share the file
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            await db.close()
            raise
        return db

    async def _migrate(self) -> None:
        # BEGIN IMMEDIATE serialises two processes migrating the same file at once.
        async with self._write() as db:
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER)"
            )
            async with db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
                row = await cur.fetchone()
            current = int(row[0]) if row else 0
            for version, script in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in filter(str.strip, script.split(";")):
                    await db.execute(statement)
                await db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, _ms(datetime.now(UTC))))

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def ping(self) -> None:
        try:
            async with self.db.execute("SELECT 1") as cur:
                await cur.fetchone()
        except (sqlite3.Error, ValueError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self.db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self.db.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def create_user(self, user: User) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "INSERT INTO users (user_id, username, password_hash, created_ms, is_admin, deleted) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (user.user_id, user.username, user.password_hash, _ms(user.created_at), user.is_admin, user.deleted),
            )
            return cur.rowcount == 1

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def get_user_by_name(self, username: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE username = ?", (username,))
        return None if row is None else _user(row)

    async def _update_live_user(self, user_id: int, assignments: str, params: Sequence[Any]) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                f"UPDATE users SET {assignments} WHERE user_id = ? AND deleted = 0", (*params, user_id)
            )
            return cur.rowcount == 1

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        return await self._update_live_user(user_id, "password_hash = ?", (password_hash,))

    async def set_admin(self, user_id: int, is_admin: bool) -> bool:
        return await self._update_live_user(user_id, "is_admin = ?", (is_admin,))

    async def delete_user(self, user_id: int) -> bool:
        return await self._update_live_user(user_id, "password_hash = '', is_admin = 0, deleted = 1", ())

    async def create_session(self, session: UserSession) -> None:
        async with self._write() as db:
            # Cassandra's TTL drops expired sessions; here a user's new sign-in clears their expired ones.
            await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND expires_ms <= ?", (session.user_id, _ms(session.created_at))
            )
            await db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session.session_id,
                    session.user_id,
                    session.secret_hash,
                    _ms(session.created_at),
                    _ms(session.last_used_at),
                    _ms(session.expires_at),
                    session.user_agent,
                ),
            )

    async def get_session(self, session_id: int) -> UserSession | None:
        row = await self._one("SELECT * FROM sessions WHERE session_id = ?", (session_id,))
        return None if row is None else _session(row)

    async def touch_session(self, session: UserSession) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE sessions SET last_used_ms = ?, expires_ms = ? WHERE session_id = ?",
                (_ms(session.last_used_at), _ms(session.expires_at), session.session_id),
            )
            return cur.rowcount == 1

    async def sessions_of(self, user_id: int, now: datetime) -> list[UserSession]:
        rows = await self._all(
            "SELECT * FROM sessions WHERE user_id = ? AND expires_ms > ? ORDER BY created_ms, session_id",
            (user_id, _ms(now)),
        )
        return [_session(r) for r in rows]

    async def revoke_session(self, session_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
            return cur.rowcount == 1

    async def revoke_sessions(self, user_id: int, keep: int | None = None) -> list[int]:
        async with (
            self._write() as db,
            db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND session_id IS NOT ? RETURNING session_id", (user_id, keep)
            ) as cur,
        ):
            return sorted(row[0] for row in await cur.fetchall())

    async def create_room(self, room: Room) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "INSERT INTO rooms VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (room.room_id, room.kind.value, room.name, room.created_by, _ms(room.created_at)),
            )
            return cur.rowcount == 1

    async def get_room(self, room_id: str) -> Room | None:
        row = await self._one("SELECT * FROM rooms WHERE room_id = ?", (room_id,))
        return None if row is None else _room(row)

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._all(
            "SELECT * FROM rooms WHERE kind = 'group' ORDER BY created_ms DESC, room_id LIMIT ?", (limit,)
        )
        return [_room(r) for r in rows]

    async def add_member(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        async with self._write():
            return await self._add_member_locked(room_id, user_id, limit)

    async def _add_member_locked(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        if await self._one("SELECT 1 FROM rooms WHERE room_id = ?", (room_id,)) is None:
            return JoinResult.NO_SUCH_ROOM
        if await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id)):
            return JoinResult.ALREADY_MEMBER
        row = await self._one("SELECT COUNT(*) FROM room_members WHERE room_id = ?", (room_id,))
        if row is not None and row[0] >= limit:
            return JoinResult.ROOM_FULL
        await self.db.execute("INSERT INTO room_members VALUES (?, ?, ?)", (room_id, user_id, _ms(datetime.now(UTC))))
        return JoinResult.JOINED

    async def remove_member(self, room_id: str, user_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
            return cur.rowcount == 1

    async def is_member(self, room_id: str, user_id: int) -> bool:
        row = await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
        return row is not None

    async def members(self, room_id: str) -> list[Member]:
        rows = await self._all(
            "SELECT m.user_id, u.username, m.joined_ms FROM room_members m "
            "JOIN users u ON u.user_id = m.user_id WHERE m.room_id = ? ORDER BY m.joined_ms, m.user_id",
            (room_id,),
        )
        return [Member(user_id=r[0], username=r[1], joined_at=_dt(r[2])) for r in rows]

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._all(
            "SELECT r.* FROM room_members m JOIN rooms r ON r.room_id = m.room_id "
            "WHERE m.user_id = ? ORDER BY r.created_ms, r.room_id",
            (user_id,),
        )
        return [_room(r) for r in rows]

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One immediate write transaction; a locked or broken file surfaces as StoreUnavailable."""
        async with self._write_lock:
            db = self.db
            try:
                await db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(str(exc)) from exc
            try:
                yield db
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            try:
                await db.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                await db.execute("ROLLBACK")
                raise StoreUnavailable(str(exc)) from exc

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        if not events:
            return
        message_ids = [(message_id,) for message_id in dict.fromkeys(e.message.message_id for e in events)]
        async with self._write() as db:
            await db.executemany(_UPSERT_MESSAGE, [_event_row(e) for e in events])
            # The search index follows the stored row (whichever event won), not the event.
            await db.executemany("DELETE FROM message_search WHERE rowid = ?", message_ids)
            await db.executemany(
                "INSERT INTO message_search (rowid, text, room_id) "
                "SELECT message_id, text, room_id FROM messages WHERE message_id = ? AND deleted = 0",
                message_ids,
            )

    async def search(self, room_id: str, query: str, limit: int = 50) -> list[Message]:
        terms = words_of(query)
        if not terms:
            return []
        match = " AND ".join(f'"{term}"' for term in terms)
        rows = await self._all(
            f"{_MESSAGE_SELECT} JOIN message_search f ON f.rowid = m.message_id "
            "WHERE message_search MATCH ? AND f.room_id = ? ORDER BY m.message_id DESC LIMIT ?",
            (match, room_id, limit),
        )
        return [_message(r) for r in rows]

    async def get_message(self, message_id: int) -> Message | None:
        row = await self._one(f"{_MESSAGE_SELECT} WHERE m.message_id = ?", (message_id,))
        return None if row is None else _message(row)

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        # Walk the (room, bucket) partitions the way the Cassandra back end must.
        if after is not None:
            rows = await self._all(
                f"{_MESSAGE_SELECT} WHERE m.room_id = ? AND m.bucket >= ? "
                "AND m.message_id > ? ORDER BY m.bucket, m.message_id LIMIT ?",
                (room_id, bucket_of(after), after, limit),
            )
            return [_message(r) for r in rows]
        upper = before if before is not None else 2**63 - 1
        rows = await self._all(
            f"{_MESSAGE_SELECT} WHERE m.room_id = ? AND m.bucket <= ? "
            "AND m.message_id < ? ORDER BY m.bucket DESC, m.message_id DESC LIMIT ?",
            (room_id, bucket_of(upper), upper, limit),
        )
        return [_message(r) for r in reversed(rows)]

    async def set_sentiments(self, scored: Sequence[ScoredEvent]) -> None:
        if not scored:
            return
        rows = [
            {
                "message_id": e.message.message_id,
                "label": e.sentiment.label,
                "confidence": e.sentiment.confidence,
                "model_version": e.sentiment.model_version,
                "version": e.event_id,
            }
            for e in scored
        ]
        async with self._write() as db:
            await db.executemany(_UPSERT_SENTIMENT, rows)

    async def record_aggregates(self, scored: Sequence[ScoredEvent]) -> int:
        candidates = countable(scored)
        if not candidates:
            return 0
        async with self._write() as db:
            marks = ",".join("?" * len(candidates))
            async with db.execute(
                f"SELECT message_id FROM stats_counted WHERE message_id IN ({marks})", list(candidates)
            ) as cur:
                seen = {row[0] for row in await cur.fetchall()}
            fresh = [event for message_id, event in candidates.items() if message_id not in seen]
            await db.executemany("INSERT INTO stats_counted VALUES (?)", [(e.message.message_id,) for e in fresh])
            await self._apply_delta(db, delta_of(fresh))
            return len(fresh)

    async def _apply_delta(self, db: aiosqlite.Connection, delta: AggregateDelta) -> None:
        await db.executemany(
            "INSERT INTO stats_messages VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET count = count + excluded.count, username = excluded.username",
            [(k.day, k.room_id, k.user_id, k.private, k.username, n) for k, n in delta.messages.items()],
        )
        await db.executemany(
            "INSERT INTO stats_sentiment VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "positive = positive + excluded.positive, neutral = neutral + excluded.neutral, "
            "negative = negative + excluded.negative",
            [(k.room_id, k.minute, k.private, c.positive, c.neutral, c.negative) for k, c in delta.sentiment.items()],
        )
        await db.executemany(
            "INSERT INTO stats_top_minute VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO UPDATE SET count = count + excluded.count",
            [(k.kind.value, k.private, k.minute, k.key, n) for k, n in delta.top.items()],
        )
        totals: Counter[tuple[str, bool, str]] = Counter()
        for k, n in delta.top.items():
            totals[(k.kind.value, k.private, k.key)] += n
        await db.executemany(
            "INSERT INTO stats_top_total VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count",
            [(kind, private, key, n) for (kind, private, key), n in totals.items()],
        )
        await db.executemany(
            "INSERT INTO stats_rate VALUES (?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count",
            list(delta.per_second.items()),
        )

    async def reset_aggregates(self) -> None:
        async with self._write() as db:
            for table in _AGGREGATE_TABLES:
                await db.execute(f"DELETE FROM {table}")
            await db.execute("INSERT INTO stats_recount VALUES (1) ON CONFLICT DO NOTHING")

    async def recount_pending(self) -> bool:
        return await self._one("SELECT 1 FROM stats_recount") is not None

    async def recount_done(self) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM stats_recount")

    async def prune_aggregates(self, older_than_ms: int) -> None:
        kinds = tuple(kind.value for kind in TopKind)
        async with self._write() as db:
            # Naming every kind and privacy lets the primary key find the old minutes without a scan.
            await db.execute(
                f"DELETE FROM stats_top_minute WHERE kind IN ({','.join('?' * len(kinds))}) "
                "AND private IN (0, 1) AND minute < ?",
                (*kinds, older_than_ms),
            )
            await db.execute("DELETE FROM stats_rate WHERE second < ?", (older_than_ms,))

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
        groups = [c for c, wanted in (("day", by_day), ("user_id", by_user)) if wanted]
        select = ", ".join([*groups, *(["MAX(username) AS username"] if by_user else []), "SUM(count) AS count"])
        where: list[str] = [_private_in(audience)]
        params: list[Any] = [*audience.private_flags]
        for clause, value in (("day >= ?", from_day), ("day <= ?", to_day), ("room_id = ?", room_id)):
            if value is not None:
                where.append(clause)
                params.append(value)
        group = f" GROUP BY {', '.join(groups)} ORDER BY {', '.join(groups)}" if groups else ""
        rows = await self._all(f"SELECT {select} FROM stats_messages WHERE {' AND '.join(where)}{group}", params)
        return [
            MessageCountRow(
                day=row["day"] if by_day else None,
                user_id=row["user_id"] if by_user else None,
                username=row["username"] if by_user else None,
                count=row["count"] or 0,
            )
            for row in rows
            if row["count"] is not None
        ]

    async def stats_sentiment(
        self, *, room_id: str | None, from_ms: int, to_ms: int, step_ms: int, audience: Audience = Audience.PUBLIC
    ) -> list[SentimentRow]:
        room_clause = "AND room_id = ?" if room_id is not None else ""
        params: list[Any] = [
            step_ms,
            step_ms,
            *audience.private_flags,
            from_ms,
            to_ms,
            *([room_id] if room_id is not None else []),
        ]
        rows = await self._all(
            "SELECT (minute / ?) * ? AS start, SUM(positive), SUM(neutral), SUM(negative) FROM stats_sentiment "
            f"WHERE {_private_in(audience)} AND minute >= ? AND minute < ? {room_clause} GROUP BY start ORDER BY start",
            params,
        )
        return [sentiment_row(r[0], r[1], r[2], r[3]) for r in rows]

    async def stats_top(
        self, kind: TopKind, *, since_ms: int | None, limit: int, audience: Audience = Audience.PUBLIC
    ) -> list[TopEntry]:
        flags = audience.private_flags
        if since_ms is None and len(flags) == 1:
            rows = await self._all(  # one privacy: the count index answers in order
                "SELECT key, count FROM stats_top_total WHERE kind = ? AND private = ? "
                "ORDER BY count DESC, key LIMIT ?",
                (kind.value, *flags, limit),
            )
        elif since_ms is None:
            rows = await self._all(
                f"SELECT key, SUM(count) AS total FROM stats_top_total WHERE kind = ? AND {_private_in(audience)} "
                "GROUP BY key ORDER BY total DESC, key LIMIT ?",
                (kind.value, *flags, limit),
            )
        else:
            rows = await self._all(
                "SELECT key, SUM(count) AS total FROM stats_top_minute "
                f"WHERE kind = ? AND {_private_in(audience)} AND minute >= ? "
                "GROUP BY key ORDER BY total DESC, key LIMIT ?",
                (kind.value, *flags, since_ms, limit),
            )
        return [TopEntry(key=r[0], count=r[1]) for r in rows]

    async def stats_rate(self, *, from_ms: int, to_ms: int) -> dict[int, int]:
        rows = await self._all(
            "SELECT second, count FROM stats_rate WHERE second >= ? AND second < ?", (from_ms, to_ms)
        )
        return {r[0]: r[1] for r in rows}
