"""`chatcluster up` refuses to start when a port it needs is taken, instead of attaching to someone else's
nats-server and reporting healthy while its own crash-loops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatcluster.supervisor import PortTaken, Supervisor, free_port
from tests.conftest import MODEL_HOME, platform_settings
from tests.helpers import stop_process

CLI = Path(sys.executable).parent / "chatcluster"


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


async def test_a_second_platform_on_a_running_nats_servers_port_refuses_to_start(tmp_path: Path) -> None:
    first = Supervisor(platform_settings(tmp_path / "first"), services=())
    await first.start()
    try:
        second = Supervisor(platform_settings(tmp_path / "second", nats_url=first.settings.nats_url))
        with pytest.raises(PortTaken) as refused:
            await second.start()
        assert second.children == {}, "nothing may start once a port is known to be taken"
    finally:
        await first.stop()
    assert f"the NATS client port (--nats-port), 127.0.0.1:{first.nats_port} is already in use" in str(refused.value)


async def test_a_taken_gateway_port_refuses_to_start_and_names_the_option(tmp_path: Path, listener: int) -> None:
    platform = Supervisor(platform_settings(tmp_path, gateway_port=listener))
    with pytest.raises(PortTaken) as refused:
        await platform.start()
    assert platform.children == {}
    assert f"the gateway port (--port), 127.0.0.1:{listener} is already in use" in str(refused.value)


def test_up_exits_with_a_sentence_when_the_nats_port_is_taken(tmp_path: Path, listener: int) -> None:
    env = {**os.environ, "CHATCLUSTER_MODEL_HOME": str(MODEL_HOME)}
    argv = [str(CLI), "up", "--data-dir", str(tmp_path), "--port", str(free_port()), "--nats-port", str(listener)]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        stop_process(process)
    said = " ".join(output.decode().split())
    assert process.returncode == 1, said
    assert f"the NATS client port (--nats-port), 127.0.0.1:{listener} is already in use" in said
    assert not (tmp_path / "jetstream").exists(), "nothing may have started"


def test_up_help_says_how_to_move_nats_and_that_the_url_variable_is_not_read() -> None:
    result = subprocess.run([str(CLI), "up", "--help"], capture_output=True, text=True, timeout=60, check=True)
    said = " ".join(result.stdout.replace("│", " ").split())
    assert "never reads CHATCLUSTER_NATS_URL" in said
    assert "this option is the way to move it" in said
