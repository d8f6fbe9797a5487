"""Stream configurations follow the settings the operator passes (one NATS server locally, 3 or 5 in a cluster)."""

from __future__ import annotations

from chatcluster.bus import chat_stream_config, dlq_stream_config, scored_stream_config
from chatcluster.config import Settings


def test_every_stream_is_replicated_as_often_as_the_nats_cluster_is_large() -> None:
    settings = Settings(stream_replicas=3)
    configs = (chat_stream_config(settings), scored_stream_config(settings), dlq_stream_config(settings))
    assert [config.num_replicas for config in configs] == [3, 3, 3]


def test_a_local_platform_keeps_one_replica_per_stream() -> None:
    assert chat_stream_config(Settings()).num_replicas == 1
