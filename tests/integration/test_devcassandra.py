"""A real Cassandra 5.0 from Maven Central: rows survive a clean restart and a kill -9 on the same home."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import RoundRobinPolicy

from chatcluster.dev.cassandra import CASSANDRA_VERSION, CQL_PROTOCOL_VERSION, LOOPBACK, LocalCassandra
from chatcluster.supervisor import free_port
from tests.conftest import require


@contextmanager
def cql(node: LocalCassandra) -> Iterator[Any]:
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=30)
    cluster = Cluster(
        [LOOPBACK],
        port=node.cql_port,
        protocol_version=CQL_PROTOCOL_VERSION,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    try:
        yield cluster.connect()
    finally:
        cluster.shutdown()


def read(node: LocalCassandra, message_id: int) -> str | None:
    with cql(node) as session:
        row = session.execute("SELECT body FROM devtest.messages WHERE id = %s", (message_id,)).one()
        return None if row is None else str(row.body)


@pytest.mark.timeout(900)  # a cold cache downloads about 70 MB of jars first
def test_rows_survive_a_restart_and_a_kill_on_the_same_home(tmp_path: Path) -> None:
    for tool, package in (("java", "default-jdk-headless"), ("mvn", "maven")):
        require(shutil.which(tool) is not None, f"`{tool}` is not installed (apt-get install {package})")
    node = LocalCassandra(tmp_path / "node", cql_port=free_port(), storage_port=free_port())
    try:
        node.start()
        assert node.is_running()
        with cql(node) as session:
            release = session.execute("SELECT release_version FROM system.local").one().release_version
            assert release == CASSANDRA_VERSION
            session.execute(
                "CREATE KEYSPACE devtest WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            session.execute("CREATE TABLE devtest.messages (id bigint PRIMARY KEY, body text)")
            session.execute("INSERT INTO devtest.messages (id, body) VALUES (%s, %s)", (1, "before the restart"))
        assert read(node, 1) == "before the restart"

        node.stop()
        assert not node.is_running()
        node.start()
        assert read(node, 1) == "before the restart"

        with cql(node) as session:
            session.execute("INSERT INTO devtest.messages (id, body) VALUES (%s, %s)", (2, "before the kill"))
        node.kill()  # no drain, no flush: the row is only in the commit log
        assert not node.is_running()
        node.start()
        assert read(node, 1) == "before the restart"
        assert read(node, 2) == "before the kill"
    except BaseException:
        print(node.log_tail())
        raise
    finally:
        node.stop()
    assert not node.is_running()
