"""Every process of a running platform serves Prometheus metrics that count what happened.

A fresh platform (not the shared one) so the counters start at zero and equal what this
test sent.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import httpx
import nats
import pytest
from prometheus_client.parser import text_string_to_metric_families

from chatcluster import consumer
from chatcluster.bus import CHAT_STREAM, ensure_streams
from chatcluster.client import ChatClient
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.supervisor import Supervisor
from chatcluster.telemetry.instruments import instruments
from tests.conftest import PlatformFactory, platform_settings, unique_name
from tests.helpers import eventually

TEXTS = ["I love this, it is wonderful!", "This is awful, I hate it.", "The deploy starts at 5."]
SENT = 12

Samples = dict[str, list[tuple[dict[str, str], float]]]


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient() as http:
        response = await http.get(url, timeout=5)
    response.raise_for_status()
    samples: Samples = defaultdict(list)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name].append((sample.labels, sample.value))
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    return sum(value for found, value in samples.get(name, []) if labels.items() <= found.items())


async def scrape_all(platform: Supervisor) -> dict[str, Samples]:
    return {name: await scrape(url) for name, url in platform.metrics_urls.items()}


async def test_every_process_serves_metrics_that_count_the_messages_sent(start_platform: PlatformFactory) -> None:
    platform = await start_platform(cluster_name="metered")
    assert set(platform.metrics_urls) == {
        "gateway",
        "persister",
        "scorer",
        "aggregator",
        "notifier",
        "quiz-scorer",
        "broadcast-fanout",
    }

    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")
        room_id = (await client.create_room("metered"))["room_id"]
        async with client.websocket() as _ws:
            for i in range(SENT):
                await client.send(room_id, TEXTS[i % len(TEXTS)])

            async def one_socket_open() -> bool:
                return total(await scrape(platform.metrics_urls["gateway"]), "chatcluster_websocket_connections") == 1

            await eventually(one_socket_open)

    async def all_counted_and_socket_closed() -> dict[str, Samples] | None:
        try:
            scraped = await scrape_all(platform)
        except httpx.HTTPError:  # a service still starting (the scorer loads its model first)
            return None
        counted = total(scraped["aggregator"], "chatcluster_messages_aggregated_total") >= SENT
        counted = counted and total(scraped["persister"], "chatcluster_messages_persisted_total") >= SENT
        return scraped if counted and total(scraped["gateway"], "chatcluster_websocket_connections") == 0 else None

    scraped = await eventually(all_counted_and_socket_closed, timeout=60, interval=0.5)
    gateway, persister, scorer, aggregator, notifier = (
        scraped[n] for n in ("gateway", "persister", "scorer", "aggregator", "notifier")
    )

    assert total(gateway, "chatcluster_messages_accepted_total") == SENT
    assert total(gateway, "chatcluster_messages_published_total", outcome="ok") == SENT
    assert total(gateway, "chatcluster_messages_published_total", outcome="error") == 0
    assert total(persister, "chatcluster_messages_persisted_total") >= SENT
    by_label = {
        label: total(scorer, "chatcluster_messages_scored_total", sentiment=label) for label in ("1", "0", "-1")
    }
    assert sum(by_label.values()) == SENT
    assert by_label["1"] > 0 and by_label["-1"] > 0, by_label
    assert total(aggregator, "chatcluster_messages_aggregated_total") == SENT
    consumers = {"persister": persister, "scorer": scorer, "aggregator": aggregator, "notifier": notifier}
    dead = {
        g: total(s, "chatcluster_messages_dead_lettered_total", messaging_consumer_group_name=g)
        for g, s in consumers.items()
    }
    assert dead == {"persister": 0, "scorer": 0, "aggregator": 0, "notifier": 0}  # present from the start, at zero
    assert "chatcluster_notifications_created_total" in notifier  # nobody was mentioned: present, at zero
    assert total(notifier, "chatcluster_notifications_created_total") == 0
    assert {found["outcome"] for found, _ in notifier["chatcluster_digests_sent_total"]} == {"sent", "error"}
    assert total(gateway, "chatcluster_websocket_dropped_total") == 0

    # Gauges polled from JetStream, one per durable, by the service that owns it (the persister owns two).
    durables = {"persister": ["persister", "persister-reactions"]}
    for group, samples in consumers.items():
        labels = [found for found, _ in samples["chatcluster_consumer_pending"]]
        assert sorted(labels, key=lambda found: found["messaging_consumer_group_name"]) == [
            {"chatcluster_cluster_name": "metered", "messaging_consumer_group_name": durable, "service_name": group}
            for durable in durables.get(group, [group])
        ]
        assert "chatcluster_consumer_ack_pending" in samples
    assert total(aggregator, "chatcluster_dlq_messages") == 0

    # Histograms: NATS operations (semconv names and attributes) and consumer processing.
    operations = "messaging_client_operation_duration_seconds_count"
    assert total(gateway, operations, messaging_operation_name="send", messaging_destination_name="chat.msg.>") == SENT
    assert total(scorer, operations, messaging_operation_name="send", messaging_destination_name="chat.scored.>") >= 1
    for samples in consumers.values():
        assert total(samples, operations, messaging_operation_name="receive", messaging_system="nats") >= 1
        assert total(samples, operations, messaging_operation_name="settle") >= 1
        assert total(samples, "messaging_process_duration_seconds_count", messaging_operation_name="process") >= 1
        assert total(samples, "messaging_process_duration_seconds_bucket", le="+Inf") >= 1

    # HTTP server metrics from the FastAPI instrumentation, by route and status.
    sends = total(
        gateway,
        "http_server_request_duration_seconds_count",
        http_route="/v1/rooms/{room_id}/messages",
        http_request_method="POST",
        http_response_status_code="202",
    )
    assert sends == SENT
    assert (
        total(
            gateway,
            "http_server_request_duration_seconds_count",
            http_route="/v1/rooms",
            http_response_status_code="201",
        )
        == 1
    )

    # Every process says who it is.
    for name, samples in scraped.items():
        (labels, _), *_ = samples["target_info"]
        assert (labels["service_name"], labels["chatcluster_cluster_name"]) == (name, "metered")


async def test_the_backlog_gauges_report_what_the_durable_has_not_yet_received_or_acked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A consumer stuck on a batch of 2 of 5 messages: 3 pending, 2 awaiting their ack; then 0 and 0."""
    monkeypatch.setattr(consumer, "BACKLOG_POLL_SECONDS", 0.1)
    nats_only = Supervisor(platform_settings(tmp_path, consumer_batch=2), services=())
    await nats_only.start()
    settings = nats_only.settings
    release, stop = asyncio.Event(), asyncio.Event()

    async def handle(_batch: Sequence[Delivery[bytes]]) -> None:
        await release.wait()

    spec = ConsumerSpec(
        durable="gauged", stream=CHAT_STREAM, filter_subject="chat.msg.gauged", decode=bytes, handle=handle
    )
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    await ensure_streams(js, settings)
    for i in range(5):  # all there before the consumer's first fetch
        await js.publish("chat.msg.gauged", f"m{i}".encode())
    loop = asyncio.create_task(ConsumerLoop(settings, spec).run(stop))
    try:
        backlog = instruments().backlog

        async def stuck() -> bool:
            return (backlog.pending.get("gauged"), backlog.ack_pending.get("gauged")) == (3, 2)

        await eventually(stuck)
        release.set()

        async def drained() -> bool:
            return (backlog.pending.get("gauged"), backlog.ack_pending.get("gauged")) == (0, 0)

        await eventually(drained)
    finally:
        stop.set()
        release.set()
        await asyncio.wait_for(loop, 10)
        await nc.close()
        await nats_only.stop()


async def test_each_consumer_answers_its_liveness_and_readiness_probes_on_the_metrics_port(
    start_platform: PlatformFactory,
) -> None:
    """What the kubelet asks a consumer pod: live while its event loop turns, ready while NATS is connected."""
    platform = await start_platform()
    async with httpx.AsyncClient(timeout=5) as http:
        for name in ("persister", "scorer", "aggregator", "notifier"):
            base = platform.metrics_urls[name].removesuffix("/metrics")

            async def ready(base: str = base) -> bool:
                try:
                    return (await http.get(f"{base}/readyz")).status_code == 200
                except httpx.TransportError:
                    return False  # the process is still starting

            await eventually(ready)
            live = await http.get(f"{base}/livez")
            assert (live.status_code, live.text) == (200, "live"), name

        await platform.kill("nats")  # kill -9: every consumer loses its connection
        for name in ("persister", "scorer", "aggregator", "notifier"):
            base = platform.metrics_urls[name].removesuffix("/metrics")

            async def not_ready(base: str = base) -> bool:
                answer = await http.get(f"{base}/readyz")
                return answer.status_code == 503 and "not connected" in answer.text

            await eventually(not_ready)
            assert (await http.get(f"{base}/livez")).status_code == 200, f"{name} must stay live while NATS is away"


async def test_the_gateway_serves_metrics_on_its_metrics_port_and_not_on_the_public_api_port(
    shared_platform: Supervisor,
) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        public = await http.get(f"{shared_platform.gateway_url}/metrics")
        private = await http.get(shared_platform.metrics_urls["gateway"])
    assert public.status_code == 404
    assert private.status_code == 200
    assert "chatcluster_messages_accepted_total" in private.text
    assert not shared_platform.metrics_urls["gateway"].startswith(shared_platform.gateway_url)
