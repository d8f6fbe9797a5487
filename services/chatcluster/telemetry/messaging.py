"""Spans and timings of NATS messaging, after the OpenTelemetry messaging semantic conventions.

A message's trace starts at the gateway's HTTP request and travels in the NATS message
headers (W3C `traceparent`, written and read through `opentelemetry.propagate`):

    POST /v1/rooms/{room_id}/messages          SERVER    gateway
    └─ send chat.msg.<room>                    PRODUCER  gateway
       ├─ process chat.msg.<room>              CONSUMER  persister ── store apply_events
       └─ process chat.msg.<room>              CONSUMER  scorer ───── store set_sentiments
          └─ send chat.scored.<room>           PRODUCER  scorer
             └─ process chat.scored.<room>     CONSUMER  aggregator ─ store record_aggregates

Consumers fetch, store and ack in batches, yet every message gets its own `process` span,
a child of the context it arrived with, so each message's trace is whole from the request
to the statistics. The batch's shared work (one store call for the whole batch) runs under
the first message's span; every process span records its batch size
(`messaging.batch.message_count`).

A message sent over a WebSocket starts its own trace at a `WS send` span, linked to the
connection's long-lived span. Metric attributes name the subject's pattern (`chat.msg.>`),
never the room, so series do not grow with rooms.

Spans exist only when tracing is enabled (an OTLP endpoint is configured); otherwise these
helpers skip the span and header work entirely and only record the timing histogram.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from chatcluster import __version__
from chatcluster.telemetry.instruments import (
    ERROR_TYPE,
    MESSAGING_BATCH_MESSAGE_COUNT,
    MESSAGING_CONSUMER_GROUP_NAME,
    MESSAGING_DESTINATION_NAME,
    MESSAGING_MESSAGE_ID,
    MESSAGING_OPERATION_NAME,
    MESSAGING_OPERATION_TYPE,
    MESSAGING_SYSTEM,
    NATS,
    instruments,
)

_tracing = False
_tracer = trace.get_tracer("chatcluster", __version__)


def enable_tracing(enabled: bool = True) -> None:
    """Called by the telemetry setup once a tracer provider that exports spans is installed."""
    global _tracing
    _tracing = enabled


def tracing_enabled() -> bool:
    return _tracing


def subject_pattern(subject: str) -> str:
    """The low-cardinality form of a subject for metric attributes: `chat.msg.general` → `chat.msg.>`.

    Spans name the exact subject; metrics must not grow a series per room."""
    parts = subject.split(".", 2)
    return f"{parts[0]}.{parts[1]}.>" if len(parts) == 3 else subject


def inject(headers: dict[str, str], context: Context | None = None) -> None:
    """Write the W3C trace context (`traceparent`, `tracestate`) into NATS headers."""
    propagate.inject(headers, context=context)


def extract(headers: Mapping[str, str] | None) -> Context:
    """The trace context a message arrived with; an empty context (a new trace) without one."""
    return propagate.extract(headers or {}, context=Context())


def context_of(span: Span | None) -> Context | None:
    return None if span is None else trace.set_span_in_context(span, Context())


_attribute_sets: dict[tuple[str, ...], dict[str, str]] = {}


def _cached(key: tuple[str, ...], build: dict[str, str]) -> dict[str, str]:
    """One attribute dict per (operation, destination[, group]); bounded, in case of a surprise."""
    if len(_attribute_sets) < 1000:
        return _attribute_sets.setdefault(key, build)
    return build


def record_operation(operation: str, subject: str, seconds: float, error_type: str | None = None) -> None:
    """One `messaging.client.operation.duration` measurement (send, receive or settle)."""
    key = (operation, subject)
    attributes = _attribute_sets.get(key) or _cached(
        key,
        {
            MESSAGING_SYSTEM: NATS,
            MESSAGING_OPERATION_NAME: operation,
            MESSAGING_DESTINATION_NAME: subject_pattern(subject),
        },
    )
    if error_type is not None:
        attributes = {**attributes, ERROR_TYPE: error_type}
    instruments().operation_duration.record(seconds, attributes)


def record_process(subject: str, group: str, seconds: float, error_type: str | None = None) -> None:
    """One `messaging.process.duration` measurement: a fetched batch, decoded, handled and acked."""
    key = ("process", subject, group)
    attributes = _attribute_sets.get(key) or _cached(
        key,
        {
            MESSAGING_SYSTEM: NATS,
            MESSAGING_OPERATION_NAME: "process",
            MESSAGING_DESTINATION_NAME: subject_pattern(subject),
            MESSAGING_CONSUMER_GROUP_NAME: group,
        },
    )
    if error_type is not None:
        attributes = {**attributes, ERROR_TYPE: error_type}
    instruments().process_duration.record(seconds, attributes)


def _fail(span: Span, exc: BaseException) -> None:
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


@contextmanager
def sending(
    subject: str,
    headers: dict[str, str],
    message_id: object = None,
    parent: Context | None = None,
    *,
    timed: bool = True,
) -> Iterator[None]:
    """Around one publish: a PRODUCER span `send <subject>` whose context is injected into
    `headers` (the current context is its parent unless `parent` is given), and, unless the
    caller times a whole batch itself, the `messaging.client.operation.duration` of the send
    until its PubAck."""
    span: Span | None = None
    if _tracing:
        attributes: dict[str, Any] = {
            MESSAGING_SYSTEM: NATS,
            MESSAGING_OPERATION_NAME: "send",
            MESSAGING_OPERATION_TYPE: "send",
            MESSAGING_DESTINATION_NAME: subject,
        }
        if message_id is not None:
            attributes[MESSAGING_MESSAGE_ID] = str(message_id)
        span = _tracer.start_span(f"send {subject}", context=parent, kind=SpanKind.PRODUCER, attributes=attributes)
        inject(headers, trace.set_span_in_context(span, parent))
    started = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        if timed:
            record_operation("send", subject, time.perf_counter() - started, type(exc).__qualname__)
        if span is not None:
            _fail(span, exc)
            span.end()
        raise
    if timed:
        record_operation("send", subject, time.perf_counter() - started)
    if span is not None:
        span.end()


def start_processing(
    subject: str, headers: Mapping[str, str] | None, message_id: object, group: str, batch_size: int
) -> Span | None:
    """A CONSUMER span `process <subject>` for one message, child of the context it carried."""
    if not _tracing:
        return None
    attributes: dict[str, Any] = {
        MESSAGING_SYSTEM: NATS,
        MESSAGING_OPERATION_NAME: "process",
        MESSAGING_OPERATION_TYPE: "process",
        MESSAGING_DESTINATION_NAME: subject,
        MESSAGING_CONSUMER_GROUP_NAME: group,
        MESSAGING_BATCH_MESSAGE_COUNT: batch_size,
    }
    if message_id is not None:
        attributes[MESSAGING_MESSAGE_ID] = str(message_id)
    return _tracer.start_span(
        f"process {subject}", context=extract(headers), kind=SpanKind.CONSUMER, attributes=attributes
    )


def finish_processing(span: Span | None, error: BaseException | None = None) -> None:
    if span is None:
        return
    if error is not None:
        _fail(span, error)
    span.end()


def within(span: Span | None) -> AbstractContextManager[Any]:
    """Make a process span current, so the spans of the work it does (store calls) nest under it."""
    if span is None:
        return nullcontext()
    return trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False)


def new_trace(name: str, kind: SpanKind = SpanKind.SERVER) -> AbstractContextManager[Any]:
    """A span that starts its own trace, linked to the current span.

    A WebSocket connection is one long request; each message sent over it starts a trace
    of its own (linked to the connection's span) instead of joining one trace that lasts
    as long as the connection."""
    if not _tracing:
        return nullcontext()
    current = trace.get_current_span().get_span_context()
    links = [trace.Link(current)] if current.is_valid else []
    return _tracer.start_as_current_span(name, context=Context(), kind=kind, links=links)
