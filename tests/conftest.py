"""Shared test harness: a real local platform (nats-server, gateway, persister) on free ports.

A test that needs a component this machine lacks skips with the reason on a
laptop; with CHATCLUSTER_REQUIRE_ALL=1 (set by .ci/run) the skip is a failure.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from chatcluster.client import ChatClient
from chatcluster.config import Settings
from chatcluster.supervisor import Supervisor, free_port

REQUIRE_ALL = os.environ.get("CHATCLUSTER_REQUIRE_ALL") == "1"
# Test platforms share the checkout's trained sentiment model (the one `make up` uses).
MODEL_HOME = Path(__file__).parents[1] / ".chatcluster"


def require(available: bool, reason: str) -> None:
    """Skip (laptop) or fail (CI) when a real component is missing."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required component missing (CHATCLUSTER_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def model_home() -> Path:
    """Trains the sentiment model once (from the VADER sdist through pip) unless it exists."""
    from chatcluster.sentiment.corpus import CorpusUnavailable
    from chatcluster.sentiment.provision import ensure_model

    try:
        ensure_model(MODEL_HOME)
    except CorpusUnavailable as exc:
        require(False, f"cannot train the sentiment model: {exc}")
    return MODEL_HOME


def platform_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "model_home": MODEL_HOME,
        "gateway_port": free_port(),
        "nats_url": f"nats://127.0.0.1:{free_port()}",
        "test_clock": True,
        "send_rate_per_second": 10_000.0,
        "send_burst": 10_000,
        **overrides,
    }
    return Settings.model_validate(values)


PlatformFactory = Callable[..., Awaitable[Supervisor]]


@pytest.fixture
async def start_platform(tmp_path: Path, model_home: Path) -> AsyncIterator[PlatformFactory]:  # noqa: ARG001
    """Starts a fresh platform per call; every one started is stopped after the test."""
    started: list[Supervisor] = []

    async def start(data_dir: Path | None = None, **overrides: object) -> Supervisor:
        supervisor = Supervisor(platform_settings(data_dir or tmp_path / f"platform{len(started)}", **overrides))
        started.append(supervisor)
        await supervisor.start()
        return supervisor

    yield start
    for supervisor in reversed(started):
        await supervisor.stop()


@pytest.fixture(scope="session")
async def shared_platform(
    tmp_path_factory: pytest.TempPathFactory,
    model_home: Path,  # noqa: ARG001  (the scorer needs the trained model)
) -> AsyncIterator[Supervisor]:
    """One platform for the many tests that only need it running; tests use fresh users and rooms."""
    supervisor = Supervisor(platform_settings(tmp_path_factory.mktemp("shared")))
    await supervisor.start()
    yield supervisor
    await supervisor.stop()


_names = itertools.count()


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_names)}_{uuid.uuid4().hex[:6]}"


ClientFactory = Callable[..., Awaitable[ChatClient]]


@pytest.fixture
async def new_user(shared_platform: Supervisor) -> AsyncIterator[ClientFactory]:
    """Registers a fresh user on the shared platform and returns a signed-in client."""
    clients: list[ChatClient] = []

    async def make(base_url: str | None = None) -> ChatClient:
        client = ChatClient(base_url or shared_platform.gateway_url)
        await client.register(unique_name(), "correct horse battery")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
