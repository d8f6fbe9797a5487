"""Every metric ChatCluster records: names, units, buckets and attributes, in one place.

Names are OpenTelemetry instrument names. The Prometheus exporter turns dots into
underscores and appends the unit and `_total`: `chatcluster.messages.accepted` is scraped as
`chatcluster_messages_accepted_total`, `messaging.client.operation.duration` as
`messaging_client_operation_duration_seconds_{bucket,count,sum}`. Dashboards and alert
rules are written against these names, so renaming one is a breaking change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation

from chatcluster import __version__

# Attribute keys of the OpenTelemetry messaging and error semantic conventions.
MESSAGING_SYSTEM = "messaging.system"
MESSAGING_OPERATION_NAME = "messaging.operation.name"
MESSAGING_OPERATION_TYPE = "messaging.operation.type"
MESSAGING_DESTINATION_NAME = "messaging.destination.name"
MESSAGING_MESSAGE_ID = "messaging.message.id"
MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name"
MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count"
ERROR_TYPE = "error.type"
NATS = "nats"

# Seconds, from half a millisecond (a local PubAck) to ten seconds (a store that stalls).
SECONDS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

MESSAGE = "{message}"


@dataclass
class Backlog:
    """The JetStream figures this process last polled; the observable gauges report them."""

    pending: dict[str, int] = field(default_factory=dict)
    ack_pending: dict[str, int] = field(default_factory=dict)
    dlq_messages: int | None = None


class Instruments:
    def __init__(self, meter: metrics.Meter) -> None:
        self.backlog = Backlog()
        counter = meter.create_counter
        self.accepted = counter(
            "chatcluster.messages.accepted",
            MESSAGE,
            "New messages the gateway acknowledged to a client (a resend of a client_id is not counted again).",
        )
        self.published = counter(
            "chatcluster.messages.published", MESSAGE, "Message events the gateway published to JetStream, by outcome."
        )
        self.persisted = counter(
            "chatcluster.messages.persisted", MESSAGE, "Message events the persister wrote (redeliveries included)."
        )
        self.scored = counter("chatcluster.messages.scored", MESSAGE, "Messages scored, by sentiment label.")
        self.aggregated = counter(
            "chatcluster.messages.aggregated", MESSAGE, "Messages counted into the statistics (each exactly once)."
        )
        self.notified = counter(
            "chatcluster.notifications.created",
            "{notification}",
            "Notifications the notifier made for new messages (mentions, direct messages, replies).",
        )
        self.digests = counter(
            "chatcluster.digests.sent", "{email}", "Digest emails, by outcome: sent, or error (claimed, then lost)."
        )
        self.dead_lettered = counter(
            "chatcluster.messages.dead_lettered", MESSAGE, "Messages a consumer gave up on and wrote to CHAT_DLQ."
        )
        self.websocket_dropped = counter(
            "chatcluster.websocket.dropped", "{connection}", "WebSockets closed because the client read too slowly."
        )
        self.websocket_connections = meter.create_up_down_counter(
            "chatcluster.websocket.connections", "{connection}", "Open WebSocket connections."
        )
        self.operation_duration = meter.create_histogram(
            "messaging.client.operation.duration",
            "s",
            "Duration of NATS operations: send (publish until PubAck), receive (fetch), settle (acks of a batch).",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
        )
        self.process_duration = meter.create_histogram(
            "messaging.process.duration",
            "s",
            "Duration of processing one fetched batch, from decoding to the last ack.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
        )
        meter.create_observable_gauge(
            "chatcluster.consumer.pending",
            [self._observe_pending],
            MESSAGE,
            "Messages in the stream not yet delivered to this durable consumer.",
        )
        meter.create_observable_gauge(
            "chatcluster.consumer.ack_pending",
            [self._observe_ack_pending],
            MESSAGE,
            "Messages delivered to this durable consumer and not yet acknowledged.",
        )
        meter.create_observable_gauge(
            "chatcluster.dlq.messages", [self._observe_dlq], MESSAGE, "Messages in the CHAT_DLQ stream."
        )

    def prime(self, service: str) -> None:
        """Start this service's counters at zero, so the first increment shows in rate() and increase()."""
        if service == "gateway":
            self.accepted.add(0)
            for outcome in ("ok", "error"):
                self.published.add(0, {"outcome": outcome})
            self.websocket_dropped.add(0)
            self.websocket_connections.add(0)
            return
        owned = {"persister": self.persisted, "aggregator": self.aggregated, "notifier": self.notified}.get(service)
        if owned is not None:
            owned.add(0)
        if service == "notifier":
            for outcome in ("sent", "error"):
                self.digests.add(0, {"outcome": outcome})
        if service == "scorer":
            for label in ("1", "0", "-1"):
                self.scored.add(0, {"sentiment": label})
        self.dead_lettered.add(0, {MESSAGING_CONSUMER_GROUP_NAME: service})

    def _observe_pending(self, _options: CallbackOptions) -> Iterable[Observation]:
        return _by_durable(self.backlog.pending)

    def _observe_ack_pending(self, _options: CallbackOptions) -> Iterable[Observation]:
        return _by_durable(self.backlog.ack_pending)

    def _observe_dlq(self, _options: CallbackOptions) -> Iterable[Observation]:
        size = self.backlog.dlq_messages
        return [] if size is None else [Observation(size)]


def _by_durable(values: dict[str, int]) -> list[Observation]:
    return [Observation(value, {MESSAGING_CONSUMER_GROUP_NAME: durable}) for durable, value in values.items()]


@lru_cache(maxsize=1)
def instruments() -> Instruments:
    """The process's instruments; created through the global meter provider (no-op until one is set)."""
    return Instruments(metrics.get_meter("chatcluster", __version__))
