"""The one SQLite connection every role of the embedded store shares: WAL mode, one transaction per batch."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from chatcluster.private_files import PRIVATE_FILE_MODE, private_file
from chatcluster.store.base import StoreUnavailable
from chatcluster.store.sqlite import schema
from chatcluster.times import epoch_ms

OPEN_ATTEMPTS = 20


class SqliteConnection:
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
            for version, script in enumerate(schema.MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in filter(str.strip, script.split(";")):
                    await db.execute(statement)
                await db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, epoch_ms(datetime.now(UTC))))

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
