"""What the benchmarks share: CPU seconds of processes, second replicas of services, waiting for the consumers to
catch up, users made straight in the store, and writing a benchmark's figures as JSON for bench/report.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext

from chatcluster.bus import CHAT_STREAM, SCORED_STREAM
from chatcluster.config import Settings
from chatcluster.gateway.security import hash_password, issue_access_token, new_refresh_token
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import User, UserSession
from chatcluster.store import open_store
from chatcluster.supervisor import Supervisor, free_port

PASSWORD = "correct horse battery staple 42"
# The sentiment model the scorer loads, trained once into the checkout's .chatcluster (as `make up` does) rather
# than by every platform the benchmarks start in a temporary directory.
MODEL_HOME = Path(__file__).parents[1] / ".chatcluster"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def ensure_model() -> Path:
    """MODEL_HOME with a trained model in it (training takes a while the first time, before anything is timed)."""
    from chatcluster.sentiment.provision import ensure_model as train_once

    train_once(MODEL_HOME)
    return MODEL_HOME


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a live process (/proc/<pid>/stat); 0 for one that is gone."""
    if pid is None:
        return 0.0
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Replicas:
    """The platform's processes by service, with second replicas started beside the first: two gateways (the
    second on its own port), two persisters and two scorers on the same durables."""

    def __init__(self, platform: Supervisor) -> None:
        self.platform = platform
        self.extra: Supervisor | None = None

    async def add(self, services: Iterable[str]) -> None:
        names = tuple(services)
        settings = self.platform.settings.model_copy(update={"gateway_port": free_port()})
        self.extra = Supervisor(settings, services=names)
        for name in names:  # worker ids 0, 1, ...: the first platform's gateway has 1 only if nats came first
            await self.extra.start_service(name)
        if "gateway" in names:
            await self.extra.wait_healthy(timeout=60)

    @property
    def gateway_urls(self) -> list[str]:
        urls = [self.platform.gateway_url]
        if self.extra is not None and "gateway" in self.extra.children:
            urls.append(self.extra.gateway_url)
        return urls

    def pids(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for supervisor in (self.platform, self.extra):
            if supervisor is None:
                continue
            for name, child in supervisor.children.items():
                if child.pid is not None:
                    found.setdefault(name, []).append(child.pid)
        return found

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far per service, replicas added up."""
        return {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.pids().items()}

    async def stop(self) -> None:
        if self.extra is not None:
            await self.extra.stop()
            self.extra = None


def per_thousand(before: Mapping[str, float], after: Mapping[str, float], messages: int) -> dict[str, float]:
    """CPU seconds per 1,000 messages per service between two `Replicas.cpu()` readings."""
    return {name: (after[name] - before.get(name, 0.0)) / messages * 1000 for name in after}


async def wait_drained(
    js: JetStreamContext, timeout: float, streams: Iterable[str] = (CHAT_STREAM, SCORED_STREAM)
) -> float:
    """Wait until every durable consumer of the streams has nothing pending nor unacknowledged; when it was."""
    deadline = time.monotonic() + timeout
    while True:
        busy = []
        for stream in streams:
            for info in await js.consumers_info(stream):
                if info.config.durable_name and (info.num_pending or info.num_ack_pending):
                    busy.append(
                        f"{info.config.durable_name}: {info.num_pending} pending, {info.num_ack_pending} unacked"
                    )
        if not busy:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumers still busy after {timeout:.0f}s: {'; '.join(busy)}")
        await asyncio.sleep(0.05)


async def provision(settings: Settings, names: list[str]) -> list[tuple[int, str]]:
    """Users written into the store as the sign-up route writes them (one argon2 hash shared by all, since
    hashing is deliberately ~0.2 s of CPU each), each with a session and an access token issued as the gateway
    issues them: (user id, access token) per name."""
    store = await open_store(settings)
    secret = settings.resolved_token_secret()
    password_hash = hash_password(PASSWORD)
    ids = SnowflakeGenerator(worker_id=1000)
    now = datetime.now(UTC)
    made = []
    try:
        for name in names:
            user = User(user_id=ids.next_id(), username=name, password_hash=password_hash, created_at=now)
            await store.create_user(user)
            session_id = ids.next_id()
            await store.create_session(
                UserSession(
                    session_id=session_id,
                    user_id=user.user_id,
                    secret_hash=new_refresh_token(session_id)[1],
                    created_at=now,
                    last_used_at=now,
                    expires_at=now + timedelta(seconds=settings.session_ttl_seconds),
                    user_agent="bench",
                )
            )
            token, _ = issue_access_token(user.user_id, session_id, secret, settings.access_token_ttl_seconds)
            made.append((user.user_id, token))
    finally:
        await store.close()
    return made


def median(values: Iterable[float]) -> float:
    found = list(values)
    return statistics.median(found) if found else 0.0


def medians(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per key, the median over runs."""
    return {key: median(run[key] for run in runs if key in run) for key in runs[0]} if runs else {}


def write_json(path: str | None, figures: Mapping[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(figures, indent=2, default=str))
