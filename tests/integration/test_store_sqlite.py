"""The SQLite back end: the whole store contract, plus sharing one file between processes."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import JoinResult, StoreUnavailable
from chatcluster.store.sqlite import MIGRATIONS, SqliteStore
from tests.contract.builders import created, new_room, new_user
from tests.contract.store_contract import StoreContract


class TestSqliteStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqliteStore]:
        store = SqliteStore(tmp_path / "chat.db")
        await store.open()
        yield store
        await store.close()


async def applied_migrations(store: SqliteStore) -> list[int]:
    async with store.db.execute("SELECT version FROM schema_migrations ORDER BY version") as cur:
        return [row[0] for row in await cur.fetchall()]


@pytest.fixture
def ids() -> SnowflakeGenerator:
    return SnowflakeGenerator(worker_id=21)


async def test_two_stores_on_one_file_migrate_once_and_see_each_others_writes(
    tmp_path: Path, ids: SnowflakeGenerator
) -> None:
    gateway, persister = SqliteStore(tmp_path / "chat.db"), SqliteStore(tmp_path / "chat.db")
    await gateway.open()
    await persister.open()
    try:
        alice = new_user(ids, "alice")
        await gateway.create_user(alice)
        await gateway.create_room(new_room("general"))
        assert await gateway.add_member("general", alice.user_id, limit=10) is JoinResult.JOINED
        event = created(ids, "general", "hello from the persister")
        await persister.apply_events([event])

        assert await persister.get_user_by_name("alice") == alice
        assert await persister.is_member("general", alice.user_id) is True
        assert await gateway.history("general") == [event.message]
        assert await applied_migrations(gateway) == list(range(1, len(MIGRATIONS) + 1))
        assert await applied_migrations(persister) == list(range(1, len(MIGRATIONS) + 1))
    finally:
        await gateway.close()
        await persister.close()


async def test_reopening_a_store_keeps_its_data_and_applies_no_migration_twice(
    tmp_path: Path, ids: SnowflakeGenerator
) -> None:
    alice = new_user(ids, "alice")
    event = created(ids, "general", "still here")
    first = SqliteStore(tmp_path / "chat.db")
    await first.open()
    await first.create_user(alice)
    await first.create_room(new_room("general"))
    await first.apply_events([event])
    await first.close()

    again = SqliteStore(tmp_path / "chat.db")
    await again.open()
    try:
        assert await again.get_user(alice.user_id) == alice
        assert await again.get_room("general") == new_room("general")
        assert await again.get_message(event.message.message_id) == event.message
        assert await applied_migrations(again) == list(range(1, len(MIGRATIONS) + 1))
    finally:
        await again.close()


async def test_a_write_made_by_another_process_is_visible_at_once(tmp_path: Path, ids: SnowflakeGenerator) -> None:
    path = tmp_path / "chat.db"
    store = SqliteStore(path)
    await store.open()
    event = created(ids, "general", "written elsewhere")
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from chatcluster.models import MessageEvent
        from chatcluster.store.sqlite import SqliteStore

        async def main():
            store = SqliteStore(Path({str(path)!r}))
            await store.open()
            await store.apply_events([MessageEvent.model_validate_json(sys.stdin.read())])
            await store.close()

        asyncio.run(main())
        """
    )
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(child.communicate(event.model_dump_json().encode()), 60)
        assert child.returncode == 0, stderr.decode()

        assert await store.get_message(event.message.message_id) == event.message
    finally:
        await store.close()


async def test_the_store_file_uses_write_ahead_logging_so_readers_never_block_the_writer(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "chat.db")
    await store.open()
    try:
        async with store.db.execute("PRAGMA journal_mode") as cur:
            row = await cur.fetchone()
        assert row is not None
        assert row[0] == "wal"
    finally:
        await store.close()


async def test_opening_creates_missing_parent_directories(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "a" / "b" / "chat.db")
    await store.open()
    try:
        await store.ping()
        assert (tmp_path / "a" / "b" / "chat.db").exists()
    finally:
        await store.close()


async def test_a_closed_store_reports_itself_unavailable(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "chat.db")
    await store.open()
    await store.close()

    with pytest.raises(StoreUnavailable):
        await store.ping()
    with pytest.raises(StoreUnavailable):
        await store.get_room("general")


async def test_closing_twice_is_harmless(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "chat.db")
    await store.open()
    await store.close()
    await store.close()

    with pytest.raises(StoreUnavailable):
        await store.ping()


async def test_two_stores_opening_a_fresh_file_at_the_same_moment_both_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections: list[aiosqlite.Connection] = []
    real_connect = aiosqlite.connect

    def tracking_connect(*args: object, **kwargs: object) -> aiosqlite.Connection:
        connection = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        connections.append(connection)
        return connection

    monkeypatch.setattr(aiosqlite, "connect", tracking_connect)
    try:
        for attempt in range(30):
            path = tmp_path / f"fresh{attempt}.db"
            stores = [SqliteStore(path), SqliteStore(path)]
            outcomes = await asyncio.gather(*(s.open() for s in stores), return_exceptions=True)
            for store in stores:
                await store.close()

            assert outcomes == [None, None]
    finally:
        for connection in connections:  # a failed open leaks its connection's non-daemon thread
            await connection.close()
