"""The telemetry helpers without servers: names, attributes, header propagation, store spans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry, generate_latest

from chatcluster.config import Settings
from chatcluster.telemetry import messaging
from chatcluster.telemetry.instruments import Instruments
from chatcluster.telemetry.setup import (
    SERIES_RESOURCE_ATTRIBUTES,
    build_resource,
    otlp_signals,
    resource_attributes,
    with_stable_http_semconv,
)
from chatcluster.telemetry.stores import traced_store


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Tracing switched on for the messaging helpers, into memory (no global provider is touched)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(messaging, "_tracer", provider.get_tracer("test"))
    monkeypatch.setattr(messaging, "_tracing", True)
    yield exporter
    provider.shutdown()


def _named(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    (span,) = [s for s in exporter.get_finished_spans() if s.name == name]
    return span


def test_a_subject_becomes_its_stream_pattern_in_metric_attributes() -> None:
    assert messaging.subject_pattern("chat.msg.general") == "chat.msg.>"
    assert messaging.subject_pattern("chat.scored.dm-1-2") == "chat.scored.>"
    assert messaging.subject_pattern("chat.dlq.persister") == "chat.dlq.>"
    assert messaging.subject_pattern("chat.msg.>") == "chat.msg.>"
    assert messaging.subject_pattern("other") == "other"


def test_otlp_is_used_only_when_an_endpoint_is_configured() -> None:
    assert otlp_signals({}) == (False, False)
    assert otlp_signals({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"}) == (True, True)
    assert otlp_signals({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}) == (True, False)
    assert otlp_signals({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_TRACES_EXPORTER": "none"}) == (
        False,
        True,
    )


def test_the_stable_http_conventions_are_opted_into_without_dropping_other_choices() -> None:
    assert with_stable_http_semconv(None) == "http"
    assert with_stable_http_semconv("database") == "database,http"
    assert with_stable_http_semconv("http/dup") == "http/dup"
    assert with_stable_http_semconv("http, database") == "http,database"


def test_the_resource_names_the_service_its_version_instance_and_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resource_attributes("scorer", "prod-eu", "pod-1:7") == {
        "service.name": "scorer",
        "service.version": "0.1.0",
        "service.instance.id": "pod-1:7",
        "chatcluster.cluster.name": "prod-eu",
    }
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,chatcluster.cluster.name=blue")
    attributes = build_resource("scorer", Settings(cluster_name="green")).attributes
    assert attributes["service.name"] == "scorer"
    assert attributes["deployment.environment.name"] == "staging"
    assert attributes["chatcluster.cluster.name"] == "blue"  # the standard variable wins, as everywhere in OTel


def test_the_prometheus_exposition_uses_the_names_the_dashboards_query() -> None:
    registry = CollectorRegistry()
    reader = PrometheusMetricReader(
        scope_info_enabled=False, resource_attribute_filter=SERIES_RESOURCE_ATTRIBUTES.__contains__, registry=registry
    )
    provider = MeterProvider(resource=build_resource("scorer", Settings(cluster_name="c1")), metric_readers=[reader])
    metrics = Instruments(provider.get_meter("test"))
    for service in ("gateway", "persister", "scorer", "aggregator"):
        metrics.prime(service)
    metrics.backlog.pending["scorer"] = 7
    metrics.backlog.ack_pending["scorer"] = 2
    metrics.backlog.dlq_messages = 3
    metrics.operation_duration.record(0.002, {"messaging.operation.name": "send"})
    metrics.process_duration.record(0.02, {"messaging.consumer.group.name": "scorer"})
    text = generate_latest(registry).decode()
    provider.shutdown()

    scope = 'chatcluster_cluster_name="c1",'
    for line in (
        f'chatcluster_messages_accepted_total{{{scope}service_name="scorer"}} 0.0',
        f'chatcluster_messages_published_total{{{scope}outcome="ok",service_name="scorer"}} 0.0',
        f'chatcluster_messages_published_total{{{scope}outcome="error",service_name="scorer"}} 0.0',
        f'chatcluster_messages_persisted_total{{{scope}service_name="scorer"}} 0.0',
        f'chatcluster_messages_scored_total{{{scope}sentiment="-1",service_name="scorer"}} 0.0',
        f'chatcluster_messages_aggregated_total{{{scope}service_name="scorer"}} 0.0',
        f'chatcluster_messages_dead_lettered_total{{{scope}messaging_consumer_group_name="persister",'
        'service_name="scorer"} 0.0',
        f'chatcluster_websocket_dropped_total{{{scope}service_name="scorer"}} 0.0',
        f'chatcluster_websocket_connections{{{scope}service_name="scorer"}} 0.0',
        f'chatcluster_consumer_pending{{{scope}messaging_consumer_group_name="scorer",service_name="scorer"}} 7.0',
        f'chatcluster_consumer_ack_pending{{{scope}messaging_consumer_group_name="scorer",service_name="scorer"}} 2.0',
        f'chatcluster_dlq_messages{{{scope}service_name="scorer"}} 3.0',
        f'messaging_client_operation_duration_seconds_bucket{{{scope}le="0.0025",messaging_operation_name="send",'
        'service_name="scorer"} 1.0',
        f'messaging_process_duration_seconds_count{{{scope}messaging_consumer_group_name="scorer",'
        'service_name="scorer"} 1.0',
    ):
        assert line in text.splitlines(), f"{line} not in\n{text}"
    assert "target_info{" in text


def test_a_publish_carries_its_span_in_the_headers_and_the_consumer_continues_the_trace(
    spans: InMemorySpanExporter,
) -> None:
    headers = {"Nats-Msg-Id": "k1"}
    with messaging.sending("chat.msg.general", headers, message_id=42):
        pass
    send = _named(spans, "send chat.msg.general")
    assert headers["Nats-Msg-Id"] == "k1"
    assert headers["traceparent"].startswith(f"00-{send.context.trace_id:032x}-{send.context.span_id:016x}-")
    assert send.kind is SpanKind.PRODUCER
    assert dict(send.attributes or {}) == {
        "messaging.system": "nats",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": "chat.msg.general",
        "messaging.message.id": "42",
    }

    process = messaging.start_processing("chat.msg.general", headers, 42, "persister", batch_size=3)
    with messaging.within(process), messaging.sending("chat.dlq.persister", {}):  # nests under the process span
        pass
    messaging.finish_processing(process)
    received = _named(spans, "process chat.msg.general")
    assert received.kind is SpanKind.CONSUMER
    assert received.context.trace_id == send.context.trace_id
    assert received.parent is not None and received.parent.span_id == send.context.span_id
    assert (received.attributes or {})["messaging.consumer.group.name"] == "persister"
    assert (received.attributes or {})["messaging.batch.message_count"] == 3
    nested = _named(spans, "send chat.dlq.persister")
    assert nested.parent is not None and nested.parent.span_id == received.context.span_id


def test_a_message_without_trace_headers_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    messaging.finish_processing(messaging.start_processing("chat.msg.x", None, None, "scorer", 1))
    span = _named(spans, "process chat.msg.x")
    assert span.parent is None
    assert "messaging.message.id" not in (span.attributes or {})


def test_a_failed_publish_or_processing_is_an_error_span_with_its_type(spans: InMemorySpanExporter) -> None:
    with pytest.raises(TimeoutError), messaging.sending("chat.msg.x", {}):
        raise TimeoutError("no PubAck")
    failed = _named(spans, "send chat.msg.x")
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "TimeoutError"

    process = messaging.start_processing("chat.msg.x", {}, 1, "scorer", 1)
    messaging.finish_processing(process, ValueError("poison"))
    poisoned = _named(spans, "process chat.msg.x")
    assert poisoned.status.status_code is StatusCode.ERROR
    assert (poisoned.attributes or {})["error.type"] == "ValueError"


def test_without_tracing_no_header_is_written_and_no_span_is_started() -> None:
    assert not messaging.tracing_enabled()
    headers: dict[str, str] = {}
    with messaging.sending("chat.msg.x", headers):
        pass
    assert headers == {}
    assert messaging.start_processing("chat.msg.x", {}, 1, "scorer", 1) is None


class FakeStore:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.url = "memory://"

    async def apply_events(self, events: list[Any]) -> None:
        self.calls.append(f"apply_events {len(events)}")

    async def get_room(self, room_id: str) -> str:
        raise ConnectionError(f"no {room_id}")

    async def ping(self) -> None:
        self.calls.append("ping")


async def test_every_store_call_is_a_client_span_named_after_its_operation() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fake = FakeStore()
    store: Any = traced_store(fake, "sqlite", provider.get_tracer("test"))  # type: ignore[arg-type]

    await store.apply_events([1, 2])
    with pytest.raises(ConnectionError):
        await store.get_room("general")
    await store.ping()
    assert store.url == "memory://"
    assert store.apply_events is store.apply_events  # wrapped once, then found directly

    assert fake.calls == ["apply_events 2", "ping"]
    applied = _named(exporter, "store apply_events")
    assert applied.kind is SpanKind.CLIENT
    assert dict(applied.attributes or {}) == {"db.system.name": "sqlite", "db.operation.name": "apply_events"}
    failed = _named(exporter, "store get_room")
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "ConnectionError"
    assert [s.name for s in exporter.get_finished_spans()] == ["store apply_events", "store get_room"]  # no ping
