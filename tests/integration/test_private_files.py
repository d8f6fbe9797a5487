"""The data folder holds password hashes, every direct message and the token key: nobody else on the machine may
read it. Folders are 0700 and files 0600, whatever the umask, and a store an older version left 0644 is tightened."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcluster.client import ChatClient
from chatcluster.config import Settings
from chatcluster.store import SqliteStore
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import all_messages, eventually


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def readable_by_others(folder: Path) -> list[str]:
    return [
        f"{path.relative_to(folder)} {mode(path):o}"
        for path in [folder, *folder.rglob("*")]
        if not path.is_symlink() and mode(path) & 0o077
    ]


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The umask a careless shell may have: without explicit modes every file would be world-writable."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
async def test_a_running_platform_keeps_every_file_of_its_data_folder_private(
    start_platform: PlatformFactory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "fresh"
    platform = await start_platform(data_dir)
    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")
        room_id = (await client.create_room("secrets"))["room_id"]
        await client.send(room_id, "only for us")
        await eventually(lambda: all_messages(client, room_id))  # the persister has written: -wal and -shm exist

    assert mode(data_dir) == 0o700
    assert {name: mode(data_dir / name) for name in ("chat.db", "chat.db-wal", "chat.db-shm", "token-secret")} == {
        "chat.db": 0o600,
        "chat.db-wal": 0o600,
        "chat.db-shm": 0o600,
        "token-secret": 0o600,
    }
    assert mode(data_dir / "jetstream") == 0o700
    assert readable_by_others(data_dir) == []


@pytest.mark.usefixtures("permissive_umask")
async def test_a_store_and_folder_an_older_version_left_world_readable_are_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    data_dir.mkdir(mode=0o755)
    legacy = sqlite3.connect(data_dir / "chat.db")
    legacy.execute("PRAGMA journal_mode=WAL")
    legacy.execute("CREATE TABLE leftover (x)")
    for path in data_dir.iterdir():
        path.chmod(0o644)
    before = {path.name: mode(path) for path in data_dir.iterdir()}

    store = SqliteStore(data_dir / "chat.db")
    await store.open()
    Settings(data_dir=data_dir).resolved_token_secret()
    after = {path.name: mode(path) for path in data_dir.iterdir()}
    await store.close()
    legacy.close()

    assert before == {"chat.db": 0o644, "chat.db-wal": 0o644, "chat.db-shm": 0o644}
    assert after == {"chat.db": 0o600, "chat.db-wal": 0o600, "chat.db-shm": 0o600, "token-secret": 0o600}
    assert mode(data_dir) == 0o700
