"""A real Apache Cassandra 5.0 for tests and the local platform, brought from Maven Central.

`resolve()` asks Maven for `org.apache.cassandra:cassandra-all` and its runtime dependencies (the same jars
the Cassandra tarball ships in `lib/`) and caches them; `LocalCassandra` writes a small single-node
configuration into its home folder and runs `CassandraDaemon` in a JVM of its own, the way
embedded-Cassandra test helpers do, then waits until CQL answers.

    python -m chatcluster.dev.cassandra run [--home DIR] [--port N]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Literal, Self

CASSANDRA_VERSION = "5.0.9"  # newest 5.0.x on Maven Central when pinned
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
START_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 60.0
LOOPBACK = "127.0.0.1"
CQL_PROTOCOL_VERSION = 5  # Cassandra 5.0's newest stable version; pinning it spares the driver's downgrade warnings
CommitlogSync = Literal["batch", "group", "periodic"]


def _default_root() -> Path:
    """The checkout's `.chatcluster/` when running from the source tree, else the one in the working folder."""
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "services" / "chatcluster").is_dir():
        return checkout / ".chatcluster"
    return Path(".chatcluster").resolve()


DEFAULT_CACHE_DIR = _default_root() / "cassandra"
DEFAULT_HOME = _default_root() / "cassandra-node"

# conf/jvm17-server.options of Cassandra 5.0: the JDK-internal packages Cassandra reaches into
# (Unsafe, direct buffers, jamm's object sizing, the JMX/RMI internals, the in-JVM Java UDF compiler).
JPMS_OPTIONS = (
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
)


class DevCassandraError(RuntimeError):
    """Cassandra could not be resolved, started or stopped; the message says why."""


class ToolMissing(DevCassandraError):
    """`java` or `mvn` is not on this machine."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        hint = (
            "a JDK 11 or 17 (Debian: apt-get install openjdk-17-jdk-headless)"
            if name == "java"
            else "Maven (Debian: apt-get install maven)"
        )
        raise ToolMissing(f"`{name}` is not on PATH: install {hint}")
    return found


def _pom(version: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by chatcluster.dev.cassandra: the runtime classpath of Cassandra {version} -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>chatcluster.dev</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
</project>
"""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock, so two processes resolving at once (make test beside make up) take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _complete(folder: Path, marker: Path) -> bool:
    if not marker.is_file():
        return False
    names = marker.read_text().split()
    return bool(names) and all((folder / name).is_file() for name in names)


def resolve(cache_dir: Path = DEFAULT_CACHE_DIR, version: str = CASSANDRA_VERSION) -> Path:
    """Returns the folder holding cassandra-all and its runtime jars, downloading them with Maven once.

    The jars live in `cache_dir/<version>/lib`; a marker listing them makes later calls free.
    Maven's own repository (~/.m2) keeps the downloads too, so even a deleted cache refills offline.
    """
    base = cache_dir.resolve() / version
    lib, marker = base / "lib", base / "lib.complete"
    if _complete(lib, marker):
        return lib
    mvn = _tool("mvn")
    with _locked(base / ".lock"):
        if _complete(lib, marker):  # another process finished while this one waited
            return lib
        marker.unlink(missing_ok=True)
        shutil.rmtree(lib, ignore_errors=True)
        (base / "pom.xml").write_text(_pom(version))
        command = [
            mvn,
            "--batch-mode",
            "--quiet",
            "--file",
            str(base / "pom.xml"),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={lib}",
        ]
        result = subprocess.run(command, cwd=base, capture_output=True, text=True, check=False)
        jars = sorted(path.name for path in lib.glob("*.jar")) if lib.is_dir() else []
        if result.returncode != 0 or f"cassandra-all-{version}.jar" not in jars:
            output = (result.stdout + result.stderr).strip()[-4000:]
            raise DevCassandraError(
                f"Maven could not resolve org.apache.cassandra:cassandra-all:{version} "
                f"(exit {result.returncode}): {' '.join(command)}\n{output}"
            )
        marker.write_text("\n".join(jars) + "\n")
    return lib


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM binds
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
        return True
    return False


def _tail(path: Path, lines: int = 40) -> str:
    if not path.is_file():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 64_000))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_CAP_IPC_LOCK = 14


def _child_setup(die_with_parent: bool, lock_memory: bool) -> Callable[[], None]:
    """What the forked child does before exec'ing java (Linux only; best effort).

    Everything that could take a lock (dlopen, attribute look-ups) happens here in the parent, so the child,
    forked from a process that may run driver threads, only makes two system calls.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    _, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    limit = (64 * 1024 if hard == resource.RLIM_INFINITY else min(hard, 64 * 1024), hard)
    setrlimit, memlock, sigterm = resource.setrlimit, resource.RLIMIT_MEMLOCK, int(signal.SIGTERM)

    def setup() -> None:
        if die_with_parent:  # the JVM gets SIGTERM when the process that started it dies, even by kill -9
            prctl(_PR_SET_PDEATHSIG, sigterm, 0, 0, 0)
        if not lock_memory:
            # Cassandra calls mlockall(MCL_CURRENT) at start, which faults in and pins the whole -Xms heap
            # (1.5 GiB resident for a 1G heap). With a tiny RLIMIT_MEMLOCK, and for root without CAP_IPC_LOCK,
            # the call fails with ENOMEM, Cassandra logs one warning, and memory is used only as needed.
            with contextlib.suppress(OSError, ValueError):
                setrlimit(memlock, limit)
            prctl(_PR_CAPBSET_DROP, _CAP_IPC_LOCK, 0, 0, 0)  # fails harmlessly without CAP_SETPCAP

    return setup


class LocalCassandra:
    """One Cassandra node on loopback whose files all live under `home`; start() again reuses the data."""

    def __init__(
        self,
        home: Path,
        cql_port: int = 9042,
        storage_port: int = 7000,
        heap: str = "1G",
        *,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        version: str = CASSANDRA_VERSION,
        cluster_name: str = "chatcluster-dev",
        lock_memory: bool = False,
        commitlog_sync: CommitlogSync = "batch",
    ) -> None:
        if not re.fullmatch(r"\d+[mMgG]", heap):
            raise ValueError(f"heap must look like 512M or 1G, not {heap!r}")
        self.home = home.resolve()
        self.cql_port = cql_port
        self.storage_port = storage_port
        self.heap = heap
        self.cache_dir = cache_dir
        self.version = version
        self.cluster_name = cluster_name
        self.lock_memory = lock_memory  # True: let Cassandra mlockall its heap, as in production
        # batch: a write is acknowledged only once its commit log section is synced, so kill -9 loses nothing
        # acknowledged. periodic (Cassandra's default) acknowledges first and syncs every 10 s; replay ignores a
        # section without its sync marker, so kill -9 loses up to 10 s of acknowledged writes.
        self.commitlog_sync = commitlog_sync
        self.process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None

    # -- where things are -------------------------------------------------------------------------

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def system_log(self) -> Path:
        return self.log_dir / "system.log"

    @property
    def output_log(self) -> Path:
        """The JVM's own stdout and stderr (crashes before logging starts, fatal errors)."""
        return self.log_dir / "output.log"

    @property
    def contact_point(self) -> str:
        return f"{LOOPBACK}:{self.cql_port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    # -- configuration ----------------------------------------------------------------------------

    def cassandra_yaml(self) -> str:
        home = self.home
        return f"""# written by chatcluster.dev.cassandra on every start: a single node on loopback for a small box
cluster_name: "{self.cluster_name}"
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
storage_compatibility_mode: NONE  # a fresh 5.0 node: no 4.x peers to stay compatible with
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{LOOPBACK}:{self.storage_port}"
listen_address: {LOOPBACK}
rpc_address: {LOOPBACK}
storage_port: {self.storage_port}
native_transport_port: {self.cql_port}
start_native_transport: true
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
data_file_directories:
  - {home / "data"}
commitlog_directory: {home / "commitlog"}
saved_caches_directory: {home / "saved_caches"}
hints_directory: {home / "hints"}
cdc_raw_directory: {home / "cdc_raw"}
{self._commitlog_sync()}
commitlog_segment_size: 16MiB
commitlog_total_space: 256MiB
memtable_heap_space: 128MiB
memtable_offheap_space: 128MiB
key_cache_size: 16MiB
counter_cache_size: 8MiB
row_cache_size: 0MiB
prepared_statements_cache_size: 8MiB
file_cache_size: 64MiB
networking_cache_size: 16MiB
index_summary_capacity: 8MiB
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_compactors: 1
auto_snapshot: false
"""

    def _commitlog_sync(self) -> str:
        if self.commitlog_sync == "batch":
            return "commitlog_sync: batch"
        if self.commitlog_sync == "group":
            return "commitlog_sync: group\ncommitlog_sync_group_window: 15ms"
        return "commitlog_sync: periodic\ncommitlog_sync_period: 10000ms"

    def logback_xml(self) -> str:
        log_file = self.system_log
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by chatcluster.dev.cassandra on every start -->
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{log_file}</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>{log_file}.%i.zip</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
  </root>
</configuration>
"""

    def jvm_options(self, lib: Path) -> list[str]:
        jamm = sorted(lib.glob("jamm-*.jar"))
        return [
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-Xss256k",
            "-XX:+UseG1GC",
            "-XX:+ParallelRefProcEnabled",
            "-XX:MaxTenuringThreshold=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+PerfDisableSharedMem",
            "-Djava.net.preferIPv4Stack=true",
            "-Djdk.attach.allowAttachSelf=true",
            *JPMS_OPTIONS,
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Dio.netty.allocator.useCacheForAllThreads=true",
            "-Dio.netty.allocator.maxOrder=11",
            *([f"-javaagent:{jamm[-1]}"] if jamm else []),
            f"-Dcassandra.config={(self.conf_dir / 'cassandra.yaml').as_uri()}",
            f"-Dlogback.configurationFile={(self.conf_dir / 'logback.xml').as_uri()}",
            f"-Dcassandra.logdir={self.log_dir}",
            f"-Dcassandra.storagedir={self.home}",
            "-Dcassandra-foreground=yes",
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",  # 5.0 skips it on loopback already; kept for safety
            "-Dcassandra.shutdown_announce_in_ms=0",  # no peers to tell: saves 2 s on every stop
        ]

    def command(self, lib: Path) -> list[str]:
        classpath = os.pathsep.join([str(self.conf_dir), str(lib / "*")])
        return [_tool("java"), *self.jvm_options(lib), "-cp", classpath, "org.apache.cassandra.service.CassandraDaemon"]

    # -- lifecycle --------------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Starts the node and returns once `SELECT release_version FROM system.local` answers."""
        if self.is_running():
            return
        lib = resolve(self.cache_dir, self.version)
        for name, port in (("CQL", self.cql_port), ("storage", self.storage_port)):
            if not _port_free(port):
                raise DevCassandraError(f"the {name} port {LOOPBACK}:{port} is already in use")
        for folder in (self.conf_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "cassandra.yaml").write_text(self.cassandra_yaml())
        (self.conf_dir / "logback.xml").write_text(self.logback_xml())
        self._close_output()
        self._output = self.output_log.open("ab")
        # The JVM dies with its parent only when started from the main thread: PR_SET_PDEATHSIG fires when the
        # *thread* that forked exits, which would kill a node started from a worker thread too early.
        on_main_thread = threading.current_thread() is threading.main_thread()
        self.process = subprocess.Popen(
            self.command(lib),
            cwd=self.home,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop the node in order
            preexec_fn=_child_setup(on_main_thread, self.lock_memory) if sys.platform == "linux" else None,
        )
        try:
            self._wait_until_serving(timeout)
        except BaseException:
            self.kill()
            raise

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "the CQL port never opened"
        while True:
            if not self.is_running():
                code = self.process.returncode if self.process is not None else None
                raise DevCassandraError(f"Cassandra exited with code {code} while starting\n{self.log_tail()}")
            if _port_open(self.cql_port):
                try:
                    release = query_release_version(LOOPBACK, self.cql_port)
                except Exception as exc:  # the driver raises several kinds while the node finishes starting
                    last_error = f"{type(exc).__name__}: {exc}"
                else:
                    if release:
                        return
            if time.monotonic() > deadline:
                raise DevCassandraError(
                    f"Cassandra did not answer CQL on {self.contact_point} within {timeout:.0f}s "
                    f"({last_error})\n{self.log_tail()}"
                )
            time.sleep(0.5)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM (Cassandra's shutdown hook drains and flushes), then SIGKILL if it hangs."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_output()

    def kill(self) -> None:
        """SIGKILL, as a crash would: the next start() replays the commit log."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._close_output()

    def _close_output(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.output_log, self.system_log):
            tail = _tail(path, lines)
            if tail:
                parts.append(f"--- last lines of {path} ---\n{tail}")
        return "\n".join(parts) or f"(no log in {self.log_dir})"

    def rss_bytes(self) -> int | None:
        """The JVM's resident memory, from /proc (Linux), or None when not running."""
        if not self.is_running() or self.pid is None:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(match.group(1)) * 1024 if match else None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def query_release_version(host: str, port: int, timeout: float = 10.0) -> str:
    """Connects with cassandra-driver and returns `release_version` from system.local."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import RoundRobinPolicy

    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=timeout)
    cluster = Cluster(
        [host],
        port=port,
        protocol_version=CQL_PROTOCOL_VERSION,
        connect_timeout=timeout,
        control_connection_timeout=timeout,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return str(row.release_version) if row is not None else ""
    finally:
        cluster.shutdown()


# -- command line -----------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    node = LocalCassandra(
        args.home, cql_port=args.port, storage_port=args.storage_port, heap=args.heap, cache_dir=args.cache_dir
    )
    print(f"resolving Cassandra {node.version} with Maven into {args.cache_dir} ...", file=sys.stderr, flush=True)
    began = time.monotonic()
    lib = resolve(args.cache_dir, node.version)
    print(f"jars ready in {lib} ({time.monotonic() - began:.1f}s)", file=sys.stderr, flush=True)

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background, where it is ignored
    print(f"starting Cassandra in {node.home} (logs: {node.system_log}) ...", file=sys.stderr, flush=True)
    began = time.monotonic()
    try:
        node.start(timeout=args.timeout)
        rss = node.rss_bytes() or 0
        print(
            f"Cassandra {node.version} answers CQL at {node.contact_point} after {time.monotonic() - began:.1f}s "
            f"(pid {node.pid}, {rss / 2**20:.0f} MiB resident); Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        print(node.contact_point, flush=True)
        while node.is_running():
            time.sleep(1.0)
        print(f"Cassandra exited on its own\n{node.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopping Cassandra ...", file=sys.stderr, flush=True)
        return 0
    except DevCassandraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):  # a second Ctrl-C must not cut the clean stop short
            signal.signal(signum, signal.SIG_IGN)
        node.stop()
        print(f"Cassandra stopped; its data stays in {node.home}", file=sys.stderr, flush=True)
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatcluster.dev.cassandra", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="resolve, start and keep a local Cassandra until Ctrl-C")
    run.add_argument("--home", type=Path, default=DEFAULT_HOME, help=f"data, conf and logs (default {DEFAULT_HOME})")
    run.add_argument("--port", type=int, default=9042, help="CQL port (default 9042)")
    run.add_argument("--storage-port", type=int, default=7000, help="inter-node port (default 7000)")
    run.add_argument("--heap", default="1G", help="JVM heap, e.g. 512M or 1G (default 1G)")
    run.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="where the jars are cached")
    run.add_argument("--timeout", type=float, default=START_TIMEOUT_SECONDS, help="seconds to wait for CQL")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except DevCassandraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
