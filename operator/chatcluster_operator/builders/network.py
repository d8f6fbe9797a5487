"""NetworkPolicies: one per component, each selecting that component's pods, ingress and egress both.

- NATS (client 4222) and Cassandra (CQL 9042) answer only this ChatCluster's own pods; NATS routes (6222) and
  Cassandra internode (7000) only their own peers; the NATS monitor port (8222) only the monitoring namespace.
- The gateway's public port answers `gateway.allowFrom` (everyone when empty): it is the platform's entry point.
- Every metrics port (9464) answers only `networkPolicy.monitoringNamespace`.
- Egress: DNS, then only what each pod dials (the services: NATS, Cassandra, the OTLP endpoint's port, SMTP ports,
  `networkPolicy.extraEgress`; the servers: their own peers).
Kubelet probes come from the node and are not subject to these policies in the common network plugins.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from chatcluster_operator.builders.env import CQL_PORT, GATEWAY_PORT, METRICS_PORT, NATS_CLIENT_PORT
from chatcluster_operator.builders.meta import Manifest, object_meta
from chatcluster_operator.naming import (
    CONSUMERS,
    INSTANCE_LABEL,
    PART_OF,
    PART_OF_LABEL,
    ClusterRef,
    Component,
    selector_labels,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec

ROUTE_PORT = 6222  # builders.nats.CLUSTER_PORT (imported there from here would be circular)
MONITOR_PORT = 8222
INTERNODE_PORT = 7000
DNS_PORT = 53
# Where a notifier's SMTP server may listen (submission, smtps, smtp, and the usual test relays).
SMTP_PORTS = (25, 465, 587, 1025, 2525)
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ANYWHERE = [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _platform_pods(ref: ClusterRef) -> dict[str, Any]:
    """Every pod of this ChatCluster (in its namespace): the services, the migration Job, the servers."""
    return {"podSelector": {"matchLabels": {INSTANCE_LABEL: ref.name, PART_OF_LABEL: PART_OF}}}


def _pods_of(ref: ClusterRef, component: Component) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": selector_labels(ref, component)}}


def _monitoring(spec: ChatClusterSpec) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: spec.network_policy.monitoring_namespace}}}


def _dns() -> dict[str, Any]:
    # Any namespace: the cluster DNS lives in kube-system under names that differ between distributions.
    return {
        "to": [{"namespaceSelector": {}}],
        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
    }


def _policy(
    ref: ClusterRef,
    spec: ChatClusterSpec,
    component: Component,
    ingress: list[dict[str, Any]],
    egress: list[dict[str, Any]],
) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": object_meta(ref, workload_name(ref, component), component, spec.version),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(ref, component)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def _service_egress(ref: ClusterRef, spec: ChatClusterSpec, component: Component) -> list[dict[str, Any]]:
    egress = [
        _dns(),
        {"to": [_pods_of(ref, Component.NATS)], "ports": _tcp(NATS_CLIENT_PORT)},
        {"to": [_pods_of(ref, Component.CASSANDRA)], "ports": _tcp(CQL_PORT)},
    ]
    if spec.telemetry.otlp_endpoint:
        parsed = urlparse(spec.telemetry.otlp_endpoint)
        port = parsed.port or (443 if parsed.scheme == "https" else 4317)
        egress.append({"to": ANYWHERE, "ports": _tcp(port)})
    if component is Component.NOTIFIER and spec.notifier.smtp is not None:
        egress.append({"to": ANYWHERE, "ports": _tcp(*SMTP_PORTS)})
    return [*egress, *spec.network_policy.extra_egress]


def network_policies(ref: ClusterRef, spec: ChatClusterSpec) -> list[Manifest]:
    platform, monitoring = _platform_pods(ref), _monitoring(spec)
    metrics = {"from": [monitoring], "ports": _tcp(METRICS_PORT)}
    nats_peers, cassandra_peers = _pods_of(ref, Component.NATS), _pods_of(ref, Component.CASSANDRA)
    public: dict[str, Any] = {"ports": _tcp(GATEWAY_PORT)}
    if spec.gateway.allow_from:
        public["from"] = list(spec.gateway.allow_from)
    policies = [
        _policy(
            ref,
            spec,
            Component.NATS,
            ingress=[
                {"from": [platform], "ports": _tcp(NATS_CLIENT_PORT)},
                {"from": [nats_peers], "ports": _tcp(ROUTE_PORT)},
                {"from": [monitoring], "ports": _tcp(MONITOR_PORT)},
            ],
            egress=[_dns(), {"to": [nats_peers], "ports": _tcp(ROUTE_PORT)}],
        ),
        _policy(
            ref,
            spec,
            Component.CASSANDRA,
            ingress=[
                {"from": [platform], "ports": _tcp(CQL_PORT)},
                {"from": [cassandra_peers], "ports": _tcp(INTERNODE_PORT)},
            ],
            egress=[_dns(), {"to": [cassandra_peers], "ports": _tcp(INTERNODE_PORT)}],
        ),
        _policy(ref, spec, Component.GATEWAY, [public, metrics], _service_egress(ref, spec, Component.GATEWAY)),
        *(_policy(ref, spec, c, [metrics], _service_egress(ref, spec, c)) for c in CONSUMERS),
        # The migration Job answers nothing; it dials Cassandra (and reads the same settings as the services).
        _policy(ref, spec, Component.MIGRATE, [], _service_egress(ref, spec, Component.MIGRATE)),
    ]
    return policies
