"""The embedded SQLite back end: WAL mode, one transaction per batch.

Its tables follow the Cassandra layout (messages keyed by room, time bucket
and id) so that both back ends answer the same queries the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from chatcluster.ids import bucket_of
from chatcluster.models import Member, Message, MessageEvent, Room, RoomKind, User
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

_MESSAGE_COLUMNS = "message_id, room_id, author_id, author, text, reply_to, client_id, edited_ms, deleted"


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

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreUnavailable("the SQLite store is not open")
        return self._db

    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(self._path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self._path}: {exc}") from exc
        db.row_factory = sqlite3.Row
        # The gateway and the persister share this file from two processes.
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA busy_timeout=10000")
        await db.execute("PRAGMA foreign_keys=ON")
        self._db = db
        await self._migrate()

    async def _migrate(self) -> None:
        # BEGIN IMMEDIATE serialises two processes migrating the same file at once.
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_ms INTEGER)"
            )
            async with self.db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
                row = await cur.fetchone()
            current = int(row[0]) if row else 0
            for version, script in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in filter(str.strip, script.split(";")):
                    await self.db.execute(statement)
                await self.db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, _ms(datetime.now(UTC))))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

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
        cur = await self.db.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (user.user_id, user.username, user.password_hash, _ms(user.created_at)),
        )
        return cur.rowcount == 1

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    async def get_user_by_name(self, username: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE username = ?", (username,))
        return None if row is None else _user(row)

    async def create_room(self, room: Room) -> bool:
        cur = await self.db.execute(
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
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            result = await self._add_member_locked(room_id, user_id, limit)
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        await self.db.execute("COMMIT")
        return result

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
        cur = await self.db.execute("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
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

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        if not events:
            return
        rows = [_event_row(e) for e in events]
        try:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                await self.db.executemany(_UPSERT_MESSAGE, rows)
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc

    async def get_message(self, message_id: int) -> Message | None:
        row = await self._one(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE message_id = ?", (message_id,))
        return None if row is None else _message(row)

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        # Walk the (room, bucket) partitions the way the Cassandra back end must.
        if after is not None:
            rows = await self._all(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket >= ? "
                "AND message_id > ? ORDER BY bucket, message_id LIMIT ?",
                (room_id, bucket_of(after), after, limit),
            )
            return [_message(r) for r in rows]
        upper = before if before is not None else 2**63 - 1
        rows = await self._all(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket <= ? "
            "AND message_id < ? ORDER BY bucket DESC, message_id DESC LIMIT ?",
            (room_id, bucket_of(upper), upper, limit),
        )
        return [_message(r) for r in reversed(rows)]
