"""The ChatCluster Prometheus rules as data; `observability/dashboards/generate.py` writes alerts.yaml.

Every alert carries a `severity` label and `summary`, `description` and
`runbook_url` annotations; the runbook URL points at its section of
observability/runbooks.md. Alerts fire per cluster and namespace (the
`chatcluster_cluster_name` label every ChatCluster series carries, and the
`namespace` label the Kubernetes scrape config adds).

`Alert.metrics` names every metric an expression reads, so the real-Prometheus
test can check that each one the services export exists; metrics in
`catalogue.KUBERNETES_ONLY` come from kube-state-metrics and are absent off
Kubernetes (the test says so instead of pretending they have data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from observability import catalogue as m

RUNBOOKS = "observability/runbooks.md"
PER_CLUSTER = (m.NAMESPACE, m.CLUSTER)
# StatefulSets the operator creates for a ChatCluster named <name>: <name>-nats and <name>-cassandra.
NATS_STATEFULSET = 'statefulset=~".+-nats"'
CASSANDRA_STATEFULSET = 'statefulset=~".+-cassandra"'


def _by(labels: tuple[str, ...]) -> str:
    return ", ".join(labels)


def per_cluster(aggregation: str, vector: str, *extra: str) -> str:
    """`aggregation by (namespace, cluster, extra…) (vector)`."""
    return f"{aggregation} by ({_by((*PER_CLUSTER, *extra))}) ({vector})"


def rate5m(metric: str, *matchers: str) -> str:
    selector = f"{metric}{{{', '.join(matchers)}}}" if matchers else metric
    return f"rate({selector}[5m])"


def statefulset_not_ready(selector: str) -> str:
    """Desired replicas minus ready ones of the matching StatefulSets (kube-state-metrics), when above 0."""
    return (
        f"(max by ({m.NAMESPACE}, statefulset) ({m.KUBE_STATEFULSET_REPLICAS}{{{selector}}})"
        f" - max by ({m.NAMESPACE}, statefulset) ({m.KUBE_STATEFULSET_READY}{{{selector}}})) > 0"
    )


HTTP_COUNT = m.HTTP_SERVER_DURATION + "_count"
NATS_COUNT = m.NATS_CLIENT_DURATION + "_count"
NOT_HEALTH = f'{m.HTTP_ROUTE}!="/healthz"'  # probes: readiness is the NotReady alerts' business
SERVER_ERROR = f'{m.HTTP_STATUS}=~"5.."'
PUBLISH_FAILED = f'{m.OUTCOME}="error"'
FAILED = f'{m.ERROR_TYPE}!=""'
SUCCEEDED = f'{m.ERROR_TYPE}=""'


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str
    metrics: tuple[str, ...]

    @property
    def anchor(self) -> str:
        """The runbooks.md heading anchor (GitHub lowercases the heading `## <name>`)."""
        return self.name.lower()

    def rule(self) -> dict[str, Any]:
        return {
            "alert": self.name,
            "expr": PromQL(self.expr),
            "for": self.for_,
            "labels": {"severity": self.severity},
            "annotations": {
                "summary": self.summary,
                "description": self.description,
                "runbook_url": f"{RUNBOOKS}#{self.anchor}",
            },
        }


@dataclass(frozen=True)
class Record:
    name: str
    expr: str
    metrics: tuple[str, ...]

    def rule(self) -> dict[str, Any]:
        return {"record": self.name, "expr": PromQL(self.expr)}


ALERTS = (
    Alert(
        "ChatClusterConsumerLagGrowing",
        f"{per_cluster('max', m.CONSUMER_PENDING, m.CONSUMER_GROUP)} > 1000\n"
        f"and\n{per_cluster('max', f'deriv({m.CONSUMER_PENDING}[10m])', m.CONSUMER_GROUP)} > 0",
        "15m",
        "warning",
        "Consumer {{ $labels.messaging_consumer_group_name }} is falling behind",
        "{{ $value }} messages wait for the {{ $labels.messaging_consumer_group_name }} durable in "
        "{{ $labels.namespace }}/{{ $labels.chatcluster_cluster_name }}, and the backlog has grown for 15 minutes.",
        (m.CONSUMER_PENDING,),
    ),
    Alert(
        "ChatClusterDeadLettersPresent",
        f"{per_cluster('max', m.DLQ_MESSAGES)} > 0",
        "5m",
        "warning",
        "Messages are waiting in the dead-letter queue",
        "CHAT_DLQ of {{ $labels.namespace }}/{{ $labels.chatcluster_cluster_name }} holds {{ $value }} messages "
        "a consumer gave up on; they are not stored, scored or counted until someone replays or discards them.",
        (m.DLQ_MESSAGES,),
    ),
    Alert(
        "ChatClusterPublishErrors",
        f"{per_cluster('sum', rate5m(m.MESSAGES_PUBLISHED, PUBLISH_FAILED))}\n"
        f"/\n{per_cluster('sum', rate5m(m.MESSAGES_PUBLISHED))} > 0.01",
        "5m",
        "critical",
        "The gateway cannot publish messages to JetStream",
        "{{ $value | humanizePercentage }} of the publishes of {{ $labels.namespace }}/"
        "{{ $labels.chatcluster_cluster_name }} failed over 5 minutes: senders get 503 and must retry.",
        (m.MESSAGES_PUBLISHED,),
    ),
    Alert(
        "ChatClusterGateway5xx",
        f"{per_cluster('sum', rate5m(HTTP_COUNT, NOT_HEALTH, SERVER_ERROR))}\n"
        f"/\n{per_cluster('sum', rate5m(HTTP_COUNT, NOT_HEALTH))} > 0.05",
        "5m",
        "critical",
        "The gateway answers 5xx",
        "{{ $value | humanizePercentage }} of the API requests of {{ $labels.namespace }}/"
        "{{ $labels.chatcluster_cluster_name }} (health probes aside) failed with a 5xx over 5 minutes.",
        (HTTP_COUNT,),
    ),
    Alert(
        "ChatClusterNatsNotReady",
        f"{statefulset_not_ready(NATS_STATEFULSET)}\nor\n"
        f"{per_cluster('sum', rate5m(NATS_COUNT, FAILED))} > 0\n"
        f"unless on ({_by(PER_CLUSTER)})\n"
        f"{per_cluster('sum', rate5m(NATS_COUNT, SUCCEEDED))} > 0",
        "5m",
        "critical",
        "NATS JetStream is not ready",
        "Either the NATS StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has fewer ready replicas "
        "than desired, or every NATS operation of {{ $labels.namespace }}/{{ $labels.chatcluster_cluster_name }} "
        "failed for 5 minutes: sends are refused and nothing is consumed.",
        (NATS_COUNT, m.KUBE_STATEFULSET_REPLICAS, m.KUBE_STATEFULSET_READY),
    ),
    Alert(
        "ChatClusterCassandraNotReady",
        statefulset_not_ready(CASSANDRA_STATEFULSET),
        "5m",
        "critical",
        "Cassandra is not ready",
        "The Cassandra StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has {{ $value }} fewer "
        "ready replicas than desired; with fewer than a quorum, writes stop and consumers hold their batches.",
        (m.KUBE_STATEFULSET_REPLICAS, m.KUBE_STATEFULSET_READY),
    ),
)

RECORDS = (
    Record(
        "chatcluster:messages_accepted:rate5m",
        per_cluster("sum", rate5m(m.MESSAGES_ACCEPTED)),
        (m.MESSAGES_ACCEPTED,),
    ),
    Record(
        "chatcluster:http_requests:rate5m",
        per_cluster("sum", rate5m(HTTP_COUNT), m.HTTP_STATUS),
        (HTTP_COUNT,),
    ),
    Record(
        "chatcluster:http_request_duration_seconds:p95_5m",
        f"histogram_quantile(0.95, {per_cluster('sum', rate5m(m.HTTP_SERVER_DURATION + '_bucket'), 'le')})",
        (m.HTTP_SERVER_DURATION + "_bucket",),
    ),
    Record(
        "chatcluster:consumer_pending:max",
        per_cluster("max", m.CONSUMER_PENDING, m.CONSUMER_GROUP),
        (m.CONSUMER_PENDING,),
    ),
)

GROUPS = (("chatcluster.alerts", ALERTS), ("chatcluster.records", RECORDS))


class PromQL(str):
    """An expression: written as a YAML block, one line per clause, never folded."""


class _Dumper(yaml.SafeDumper):
    pass


def _block(dumper: yaml.SafeDumper, value: PromQL) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


_Dumper.add_representer(PromQL, _block)


def document() -> dict[str, Any]:
    """The rule groups file (the `spec` of a PrometheusRule has the same shape)."""
    return {"groups": [{"name": name, "rules": [rule.rule() for rule in rules]} for name, rules in GROUPS]}


def render() -> str:
    header = (
        "# Generated by observability/dashboards/generate.py from observability/prometheus/rules.py: do not edit.\n"
        "# Check with: promtool check rules observability/prometheus/alerts.yaml\n"
    )
    return header + str(yaml.dump(document(), Dumper=_Dumper, sort_keys=False, width=1000, allow_unicode=True))
