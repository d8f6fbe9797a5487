"""Fixtures for integration tests that need more than nats-server: a real Cassandra, a real SMTP server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.dev.mailpit import LocalMailpit, MailpitUnavailable, ensure_mailpit
from chatcluster.dev.seaweedfs import LocalSeaweed, SeaweedUnavailable, ensure_weed
from chatcluster.supervisor import free_port
from tests.conftest import require


@pytest.fixture(scope="session")
def cassandra_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCassandra]:
    """One real Cassandra for the session (starting one takes tens of seconds)."""
    for tool in ("java", "mvn"):
        require(shutil.which(tool) is not None, f"`{tool}` is needed to run Cassandra from Maven Central")
    node = LocalCassandra(tmp_path_factory.mktemp("cassandra") / "node", cql_port=free_port(), storage_port=free_port())
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def mailpit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMailpit]:
    """One Mailpit (SMTP in, HTTP API out) for the session; tests tell their mail apart by recipient."""
    try:
        binary = ensure_mailpit()
    except MailpitUnavailable as exc:
        require(False, f"Mailpit is needed for the digest emails: {exc}")
        raise
    with LocalMailpit(binary, tmp_path_factory.mktemp("mailpit")) as server:
        yield server


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSeaweed]:
    """One SeaweedFS (`weed server -s3`) for the session: the real S3 server of the S3 BlobStore."""
    try:
        binary = ensure_weed()
    except SeaweedUnavailable as exc:
        require(False, f"SeaweedFS is needed for the S3 BlobStore: {exc}")
        raise
    with LocalSeaweed(binary, tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server
