"""The one cluster session every role of the Cassandra store shares, and the way statements run on it.

Prepared statements, token-aware routing, LOCAL_QUORUM by default, idempotent statements marked so
the driver may retry them, and a bounded window of concurrent statements. The driver's futures are
bridged into asyncio; its outages surface as StoreUnavailable.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlparse

from cassandra import ConsistencyLevel, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, ExecutionProfile, NoHostAvailable, ResponseFuture, Session
from cassandra.connection import ConnectionException
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import PreparedStatement, SimpleStatement

from chatcluster.ids import id_timestamp_ms
from chatcluster.store.base import StoreUnavailable
from chatcluster.store.cassandra.schema import KEYSPACE_CQL, LOCK_TABLE, MIGRATIONS, MIGRATIONS_TABLE
from chatcluster.times import epoch_ms

T = TypeVar("T")
MAX_IN_FLIGHT = 128
# Outages and timeouts are waited out by callers; invalid queries are bugs and surface as they are.
UNAVAILABLE = (NoHostAvailable, OperationTimedOut, ConnectionException, Unavailable, ReadTimeout, WriteTimeout)
# `SET count = count + ?`: a counter update adds again each time it runs, so the driver must never retry it.
_COUNTER_UPDATE = re.compile(r"=\s*(\w+)\s*\+\s*\?")
_TABLE_REFERENCE = re.compile(r"\b(FROM|INTO|UPDATE)\s+(?!system)([a-z_]+)\b(?!\.)")


def write_timestamp(event_id: int) -> int:
    """Microseconds for USING TIMESTAMP: the event's millisecond plus its sequence, capped at 999 so a
    later event of one worker never gets an earlier timestamp (past 1,000 events in one millisecond
    they tie, and Cassandra keeps the larger value)."""
    return id_timestamp_ms(event_id) * 1000 + min(event_id & 0xFFF, 999)


class CassandraConfig:
    """Parsed from `cassandra://host1,host2:9042/keyspace?rf=3&dc=datacenter1&consistency=LOCAL_QUORUM`,
    with optional (percent-encoded) credentials for PasswordAuthenticator: `cassandra://user:password@hosts...`."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "cassandra":
            raise ValueError(f"not a cassandra:// store url: {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        userinfo, _, hostinfo = parsed.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        self.username = unquote(user) or None
        self.password = unquote(password) if user else None
        hosts_part = hostinfo.rsplit(":", 1)
        self.hosts = [h for h in hosts_part[0].split(",") if h] or ["127.0.0.1"]
        self.port = int(hosts_part[1]) if len(hosts_part) == 2 and hosts_part[1] else 9042
        self.keyspace = parsed.path.strip("/") or "chatcluster"
        self.replication_factor = int(query.get("rf", "1"))
        self.datacenter = query.get("dc", "datacenter1")
        self.consistency = ConsistencyLevel.name_to_value[query.get("consistency", "LOCAL_QUORUM").upper()]
        # `tls_ca=/path/ca.crt`: TLS to every node, its chain verified against that CA. Host names are not checked:
        # the driver dials the node addresses it learns from the ring, which no certificate names.
        self.tls_ca = query.get("tls_ca") or None

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.tls_ca is None:
            return None
        context = ssl.create_default_context(cafile=self.tls_ca)
        context.check_hostname = False
        return context


def _qualified(cql: str, keyspace: str) -> str:
    """Name the keyspace in every table reference: Cassandra 5 logs an error for each prepared
    statement that relies on a per-statement or `USE` keyspace."""
    return _TABLE_REFERENCE.sub(lambda m: f"{m.group(1)} {keyspace}.{m.group(2)}", cql)


def _settle(result: asyncio.Future[list[Any]], rows: list[Any] | None, exc: BaseException | None) -> None:
    if result.done():
        return
    if exc is not None:
        result.set_exception(exc)
    else:
        result.set_result(rows or [])


def _await(future: ResponseFuture) -> asyncio.Future[list[Any]]:
    """An asyncio future for a driver future (the driver calls back from its own thread)."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[list[Any]] = loop.create_future()

    def done(rows: Any) -> None:
        loop.call_soon_threadsafe(_settle, result, list(rows or []), None)

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(_settle, result, None, exc)

    future.add_callbacks(done, failed)
    return result


class CassandraConnection:
    def __init__(self, url: str) -> None:
        self.config = CassandraConfig(url)
        self._cluster: Cluster | None = None
        self._session: Session | None = None
        self._statements: dict[str, PreparedStatement] = {}
        self._window = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._keyspace_ready = False

    # -- connection and schema -------------------------------------------------------------

    @property
    def session(self) -> Session:
        if self._session is None:
            raise StoreUnavailable("the Cassandra store is not open")
        return self._session

    async def open(self) -> None:
        await asyncio.to_thread(self._connect)
        await self.migrate()

    def _connect(self) -> None:
        profile = ExecutionProfile(
            load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=self.config.datacenter)),
            consistency_level=self.config.consistency,
            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
            request_timeout=10,
        )
        self._cluster = Cluster(
            self.config.hosts,
            port=self.config.port,
            execution_profiles={"default": profile},
            protocol_version=5,
            ssl_context=self.config.ssl_context(),
            auth_provider=(
                PlainTextAuthProvider(self.config.username, self.config.password or "")
                if self.config.username
                else None
            ),
        )
        try:
            self._session = self._cluster.connect()
        except UNAVAILABLE as exc:
            self._cluster.shutdown()
            self._cluster = None
            raise StoreUnavailable(f"cannot reach Cassandra at {self.config.hosts}: {exc}") from exc

    async def migrate(self) -> list[int]:
        """Apply pending migrations in order under a lease, so two processes at once are safe."""
        ks = self.config.keyspace
        await self._run(
            KEYSPACE_CQL.format(
                keyspace=ks, datacenter=self.config.datacenter, replication_factor=self.config.replication_factor
            )
        )
        self._keyspace_ready = True
        await self._run(MIGRATIONS_TABLE)
        await self._run(LOCK_TABLE)
        owner = str(uuid.uuid4())
        while not (
            await self._run(
                "INSERT INTO schema_lock (name, owner) VALUES ('migrate', %s) IF NOT EXISTS USING TTL 120", (owner,)
            )
        )[0][0]:
            await asyncio.sleep(0.5)  # another process is migrating; its lease expires if it dies
        try:
            applied = {row[0] for row in await self._run("SELECT version FROM schema_migrations")}
            ran = []
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version in applied:
                    continue
                for statement in statements:
                    await self._run(statement)
                await self._run(
                    "INSERT INTO schema_migrations (version, applied_ms) VALUES (%s, %s)",
                    (version, epoch_ms(datetime.now(UTC))),
                )
                ran.append(version)
            return ran
        finally:
            await self._run("DELETE FROM schema_lock WHERE name = 'migrate' IF owner = %s", (owner,))

    async def close(self) -> None:
        if self._cluster is not None:
            await asyncio.to_thread(self._cluster.shutdown)
        self._cluster = self._session = None

    async def ping(self) -> None:
        await self._run("SELECT release_version FROM system.local")

    # -- execution ---------------------------------------------------------------------------

    async def _run(self, statement: Any, params: Sequence[Any] | None = None) -> list[Any]:
        if isinstance(statement, str):
            # Protocol v5 names the keyspace per statement: `USE` with prepared statements is an anti-pattern.
            statement = SimpleStatement(statement, keyspace=self.config.keyspace if self._keyspace_ready else None)
        try:
            return await _await(self.session.execute_async(statement, params))
        except UNAVAILABLE as exc:
            raise StoreUnavailable(f"Cassandra: {type(exc).__name__}: {exc}") from exc

    def _prepared(self, cql: str) -> PreparedStatement:
        statement = self._statements.get(cql)
        if statement is None:
            statement = self.session.prepare(_qualified(cql, self.config.keyspace))
            statement.is_idempotent = not _COUNTER_UPDATE.search(cql) and " IF " not in cql
            self._statements[cql] = statement
        return statement

    async def _q(self, cql: str, *params: Any) -> list[Any]:
        async with self._window:
            return await self._run(self._prepared(cql).bind(params))

    async def _many(self, calls: Iterable[Awaitable[T]]) -> list[T]:
        """Run statements concurrently; the in-flight window in `_q` bounds them."""
        return list(await asyncio.gather(*calls))

    async def _username(self, user_id: int) -> str | None:
        """The name a user holds now: what membership rows and per-user counts show beside the id."""
        rows = await self._q("SELECT username FROM users WHERE user_id = ?", user_id)
        return rows[0].username if rows else None
