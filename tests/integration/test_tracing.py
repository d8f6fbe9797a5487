"""One trace follows a message from the HTTP request through every consumer.

The platform runs as separate processes, as always; each exports its spans over
OTLP/gRPC (the production path, switched on by OTEL_EXPORTER_OTLP_ENDPOINT) to a
small collector this test runs, which keeps what it receives in memory.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as OtlpSpan

from chatcluster.client import ChatClient
from chatcluster.supervisor import free_port
from tests.conftest import PlatformFactory, unique_name
from tests.helpers import eventually, next_frame

SERVER, CLIENT, PRODUCER, CONSUMER = (
    OtlpSpan.SPAN_KIND_SERVER,
    OtlpSpan.SPAN_KIND_CLIENT,
    OtlpSpan.SPAN_KIND_PRODUCER,
    OtlpSpan.SPAN_KIND_CONSUMER,
)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    resource: dict[str, Any]
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]


def _value(value: AnyValue) -> Any:
    return getattr(value, value.WhichOneof("value") or "string_value")


def _attributes(pairs: list[KeyValue]) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


class Collector(trace_service_pb2_grpc.TraceServiceServicer, metrics_service_pb2_grpc.MetricsServiceServicer):
    """An OTLP/gRPC receiver that keeps every span in memory."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []

    async def Export(self, request: Any, _context: Any) -> Any:  # the one method of both OTLP services
        if isinstance(request, metrics_service_pb2.ExportMetricsServiceRequest):
            return metrics_service_pb2.ExportMetricsServiceResponse()
        for resource_spans in request.resource_spans:
            resource = _attributes(list(resource_spans.resource.attributes))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        ReceivedSpan(
                            service=resource["service.name"],
                            resource=resource,
                            name=span.name,
                            kind=span.kind,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            attributes=_attributes(list(span.attributes)),
                        )
                    )
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
async def collector(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Collector]:
    """The collector, and the OTLP variables every process the test starts inherits."""
    received = Collector()
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(received, server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(received, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")  # export spans within 0.1 s, not 5 s
    yield received
    await server.stop(grace=None)


def _one(spans: list[ReceivedSpan], **match: Any) -> ReceivedSpan:
    found = [s for s in spans if all(getattr(s, k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one span with {match}, found {len(found)}: {[s.name for s in spans]}"
    return found[0]


async def test_one_trace_covers_the_request_the_publish_and_every_consumer(
    collector: Collector, start_platform: PlatformFactory
) -> None:
    platform = await start_platform(cluster_name="traced")
    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")
        room_id = (await client.create_room("traced"))["room_id"]
        message_id = (await client.send(room_id, "I love this, thank you!"))["message_id"]

    def sent() -> ReceivedSpan | None:
        for span in collector.spans:
            if span.name == f"send chat.msg.{room_id}" and span.attributes.get("messaging.message.id") == message_id:
                return span
        return None

    async def whole_trace() -> list[ReceivedSpan]:
        send = sent()
        if send is None:
            return []
        spans = [s for s in collector.spans if s.trace_id == send.trace_id]
        # Each process exports on its own schedule: wait for every span the test reads, not only the last hop's.
        expected = {("gateway", SERVER), ("persister", CONSUMER), ("scorer", CONSUMER), ("scorer", PRODUCER)}
        done = {(s.service, s.kind) for s in spans} >= expected | {("aggregator", CONSUMER)}
        return spans if done and any(s.name == "store record_aggregates" for s in spans) else []

    spans = await eventually(whole_trace, timeout=30)
    request = _one(spans, service="gateway", kind=SERVER, name="POST /v1/rooms/{room_id}/messages")
    send = _one(spans, service="gateway", kind=PRODUCER, name=f"send chat.msg.{room_id}")
    persist = _one(spans, service="persister", kind=CONSUMER, name=f"process chat.msg.{room_id}")
    score = _one(spans, service="scorer", kind=CONSUMER, name=f"process chat.msg.{room_id}")
    publish_score = _one(spans, service="scorer", kind=PRODUCER, name=f"send chat.scored.{room_id}")
    aggregate = _one(spans, service="aggregator", kind=CONSUMER, name=f"process chat.scored.{room_id}")

    # Each hop is a child of the one before: the context travelled in the NATS headers.
    assert send.parent_id == request.span_id
    assert persist.parent_id == send.span_id
    assert score.parent_id == send.span_id
    assert publish_score.parent_id == score.span_id
    assert aggregate.parent_id == publish_score.span_id

    assert send.attributes == {
        "messaging.system": "nats",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": f"chat.msg.{room_id}",
        "messaging.message.id": message_id,
    }
    for span, group, subject in (
        (persist, "persister", f"chat.msg.{room_id}"),
        (score, "scorer", f"chat.msg.{room_id}"),
        (aggregate, "aggregator", f"chat.scored.{room_id}"),
    ):
        assert span.attributes == {
            "messaging.system": "nats",
            "messaging.operation.name": "process",
            "messaging.operation.type": "process",
            "messaging.destination.name": subject,
            "messaging.message.id": message_id,
            "messaging.consumer.group.name": group,
            "messaging.batch.message_count": 1,
        }

    # Store calls are spans of the work they belong to.
    stored = _one(spans, service="persister", kind=CLIENT, name="store apply_events")
    assert stored.parent_id == persist.span_id
    assert stored.attributes == {"db.system.name": "sqlite", "db.operation.name": "apply_events"}
    counted = _one(spans, service="aggregator", kind=CLIENT, name="store record_aggregates")
    assert counted.parent_id == aggregate.span_id

    for span in (request, persist, score, aggregate):
        assert span.resource["service.version"] == "0.1.0"
        assert span.resource["chatcluster.cluster.name"] == "traced"
        assert span.resource["service.instance.id"]


async def test_a_message_sent_over_a_websocket_starts_a_trace_of_its_own(
    collector: Collector, start_platform: PlatformFactory
) -> None:
    """A WebSocket is one long request; each send is a trace of its own, linked to it, not part of it."""
    platform = await start_platform()
    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")
        room_id = (await client.create_room("ws traced"))["room_id"]
        async with client.websocket() as ws:
            await next_frame(ws, "ready")
            acks = []
            for ref in ("a", "b"):
                await ws.send(json.dumps({"type": "send", "ref": ref, "room_id": room_id, "text": f"hello {ref}"}))
                acks.append((await next_frame(ws, "ack"))["message_id"])

    async def both_sent() -> list[ReceivedSpan]:
        found = [
            s
            for s in collector.spans
            if s.name == f"send chat.msg.{room_id}" and s.attributes.get("messaging.message.id") in acks
        ]
        return found if len(found) == 2 else []

    first, second = await eventually(both_sent, timeout=30)
    assert first.trace_id != second.trace_id
    for send in (first, second):
        root = _one(collector.spans, span_id=send.parent_id)
        assert (root.name, root.kind, root.parent_id) == ("WS send", SERVER, "")
