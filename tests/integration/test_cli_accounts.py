"""The `chatcluster` account commands against the real platform: login keeps the session in a file only
its owner can read, expired access tokens are refreshed transparently, logout, sessions, passwd and
the admin role set in the store."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import unique_name
from tests.helpers import eventually

PASSWORD = "correct horse battery"


class Cli:
    def __init__(self, platform: Supervisor, home: Path) -> None:
        self.platform = platform
        self.home = home

    async def __call__(self, *args: str, stdin: str = "") -> tuple[int, str]:
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(self.home),
            "CHATCLUSTER_URL": self.platform.gateway_url,
            "CHATCLUSTER_DATA_DIR": str(self.platform.settings.data_dir),
            "COLUMNS": "200",
        }
        env.pop("CHATCLUSTER_PASSWORD", None)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chatcluster",
            *args,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(child.communicate(stdin.encode()), 60)
        return child.returncode or 0, out.decode()

    @property
    def session_file(self) -> Path:
        return self.home / "chatcluster" / "session.json"

    def saved(self) -> dict[str, Any]:
        saved: dict[str, Any] = json.loads(self.session_file.read_text())[self.platform.gateway_url]
        return saved


@pytest.fixture
def cli(shared_platform: Supervisor, tmp_path: Path) -> Cli:
    return Cli(shared_platform, tmp_path / "config")


async def registered(cli: Cli) -> str:
    username = unique_name("cli")
    code, out = await cli("register", username, stdin=f"{PASSWORD}\n")
    assert code == 0, out
    return username


async def test_login_keeps_the_session_in_a_file_only_its_owner_can_read(cli: Cli) -> None:
    username = await registered(cli)

    code, out = await cli("login", username, stdin=f"{PASSWORD}\n")

    assert code == 0, out
    assert stat.S_IMODE(cli.session_file.stat().st_mode) == 0o600
    saved = cli.saved()
    assert saved["username"] == username
    assert saved["refresh_token"].startswith(f"{saved['session_id']}.")


async def test_an_expired_access_token_is_refreshed_transparently(cli: Cli) -> None:
    await registered(cli)
    saved = cli.saved()
    stale = {**saved, "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    cli.session_file.write_text(json.dumps({cli.platform.gateway_url: stale}))

    code, out = await cli("create-room", "refreshed")

    assert code == 0, out
    renewed = cli.saved()
    assert renewed["refresh_token"] == saved["refresh_token"]
    assert datetime.fromisoformat(renewed["expires_at"]) > datetime.now(UTC) + timedelta(minutes=10)


async def test_sessions_lists_this_one_and_logout_ends_it_on_the_server(cli: Cli) -> None:
    await registered(cli)
    refresh_token = cli.saved()["refresh_token"]

    listed_code, listed = await cli("sessions")
    code, out = await cli("logout")
    after_code, after = await cli("rooms")

    assert listed_code == 0, listed
    assert "(this one)" in listed and "chatcluster-client/" in listed
    assert code == 0, out
    assert cli.platform.gateway_url not in json.loads(cli.session_file.read_text())
    assert after_code != 0 and "not signed in" in after
    async with ChatClient(cli.platform.gateway_url, refresh_token=refresh_token) as client:
        response = await client.request("POST", "/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 401


async def test_passwd_changes_the_password_and_keeps_this_session(cli: Cli) -> None:
    username = await registered(cli)

    code, out = await cli("passwd", stdin=f"{PASSWORD}\nanother fine passphrase\nanother fine passphrase\n")

    assert code == 0, out
    rooms_code, rooms = await cli("rooms")
    assert rooms_code == 0, rooms
    async with ChatClient(cli.platform.gateway_url) as client:
        await client.login(username, "another fine passphrase")


async def test_a_weak_new_password_is_refused_with_the_servers_sentence(cli: Cli) -> None:
    await registered(cli)

    code, out = await cli("passwd", stdin=f"{PASSWORD}\npassword123\npassword123\n")

    assert code == 1
    assert "error 422" in out and "most common" in out


async def test_admin_grant_and_revoke_set_the_role_in_the_store_and_sessions_see_it(cli: Cli) -> None:
    username = await registered(cli)
    async with ChatClient(cli.platform.gateway_url) as client:
        await client.login(username, PASSWORD)

        granted_code, granted = await cli("admin", "grant", username)
        assert await eventually(lambda: _is_admin(client, True), timeout=15)
        revoked_code, revoked = await cli("admin", "revoke", username)
        assert await eventually(lambda: _is_admin(client, False), timeout=15)

    assert (granted_code, revoked_code) == (0, 0), granted + revoked
    assert "now a platform admin" in granted
    unknown_code, unknown = await cli("admin", "grant", "nobody_by_that_name")
    assert unknown_code == 1
    assert "no account named 'nobody_by_that_name'" in unknown


async def _is_admin(client: ChatClient, expected: bool) -> bool:
    return bool((await client.me())["is_admin"] is expected)
