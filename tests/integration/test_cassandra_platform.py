"""The whole platform on a real Cassandra: outages lose nothing acknowledged, and statistics stay exact."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from chatcluster.dev.cassandra import LocalCassandra
from chatcluster.supervisor import Supervisor
from tests.conftest import PlatformFactory
from tests.helpers import all_stored_exactly_once, send_many, signed_in, until_at_least


async def test_stopping_cassandra_while_the_persister_writes_loses_and_duplicates_nothing(
    start_platform: PlatformFactory, cassandra_node: LocalCassandra
) -> None:
    keyspace = f"outage_{uuid.uuid4().hex[:8]}"
    platform = await start_platform(
        store_url=f"cassandra://127.0.0.1:{cassandra_node.cql_port}/{keyspace}?rf=1&consistency=ONE"
    )
    client, room_id = await signed_in(platform)
    acked: list[str] = []
    sending = asyncio.create_task(send_many(client, room_id, 1500, acked, "outage"))
    await until_at_least(acked, 301, timeout=120)
    # Called on the main thread: the node's parent-death signal is tied to the thread that starts it.
    cassandra_node.stop()
    stopped_at = len(acked)
    await asyncio.sleep(3)
    cassandra_node.start()
    await sending

    assert stopped_at < 1500, "the outage must land while messages are being sent"
    assert len(set(acked)) == 1500
    await all_stored_exactly_once(client, room_id, acked)
    await client.aclose()


async def test_every_stats_endpoint_is_exact_on_cassandra(
    start_platform: PlatformFactory, cassandra_node: LocalCassandra
) -> None:
    """The analytics scenario of test_aggregates, unchanged, with Cassandra as the store."""
    from tests.integration.test_aggregates import test_every_stats_endpoint_returns_the_exact_expected_numbers

    url = f"cassandra://127.0.0.1:{cassandra_node.cql_port}/stats_{uuid.uuid4().hex[:8]}?rf=1&consistency=ONE"

    async def on_cassandra(data_dir: Path | None = None, **overrides: object) -> Supervisor:
        return await start_platform(data_dir, store_url=url, **overrides)

    await test_every_stats_endpoint_returns_the_exact_expected_numbers(on_cassandra)
