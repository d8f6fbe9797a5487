"""What every manifest shares: metadata with the owner reference, pod hardening, spreading, disruption budgets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatcluster_operator.naming import API_VERSION, KIND, ClusterRef, Component, labels, selector_labels
from chatcluster_operator.spec import CASSANDRA_IMAGE, NATS_IMAGE, Resources

Manifest = dict[str, Any]

# The app.kubernetes.io/version label of the servers' objects: the default images' versions.
NATS_VERSION = NATS_IMAGE.split(":")[1].split("-")[0]
CASSANDRA_VERSION = CASSANDRA_IMAGE.split(":")[1]
# What a container gets when its part of the spec sets no resources: a namespace with a ResourceQuota admits every
# pod, the scheduler reserves what the process needs at rest, and a memory limit stops a leak before the node
# suffers, an ephemeral-storage limit keeps logs and scratch files from filling the node's disk. No CPU limits:
# throttling a latency-sensitive process hurts more than sharing spare CPU.
DEFAULT_RESOURCES: dict[Component, Resources] = {
    Component.NATS: Resources(
        requests={"cpu": "250m", "ephemeral-storage": "64Mi", "memory": "512Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "1Gi"},
    ),
    Component.CASSANDRA: Resources(
        requests={"cpu": "500m", "ephemeral-storage": "256Mi", "memory": "2Gi"},
        limits={"ephemeral-storage": "2Gi", "memory": "3Gi"},
    ),
    Component.GATEWAY: Resources(
        requests={"cpu": "250m", "ephemeral-storage": "64Mi", "memory": "256Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "512Mi"},
    ),
    Component.PERSISTER: Resources(
        requests={"cpu": "100m", "ephemeral-storage": "64Mi", "memory": "192Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "512Mi"},
    ),
    Component.SCORER: Resources(
        requests={"cpu": "100m", "ephemeral-storage": "64Mi", "memory": "256Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "768Mi"},
    ),
    Component.AGGREGATOR: Resources(
        requests={"cpu": "100m", "ephemeral-storage": "64Mi", "memory": "192Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "512Mi"},
    ),
    Component.NOTIFIER: Resources(
        requests={"cpu": "50m", "ephemeral-storage": "64Mi", "memory": "192Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "512Mi"},
    ),
    Component.MIGRATE: Resources(
        requests={"cpu": "100m", "ephemeral-storage": "64Mi", "memory": "256Mi"},
        limits={"ephemeral-storage": "1Gi", "memory": "512Mi"},
    ),
}


def resources(component: Component, configured: Resources | None) -> dict[str, dict[str, int | str]]:
    """A container's resources: the spec's when set, else the component's default."""
    return (configured or DEFAULT_RESOURCES[component]).manifest()


# The uid/gid the ChatCluster image runs as (its Dockerfile's `chatcluster` user) and the official
# cassandra image's `cassandra` user (it owns /etc/cassandra, which the entrypoint rewrites); nats-server has no
# user of its own, so it gets an id above 10000, outside any host's range of users.
SERVICE_UID = 10001
CASSANDRA_UID = 999
NATS_UID = 10002


def owner_reference(ref: ClusterRef) -> dict[str, Any]:
    """Makes the garbage collector delete the object with its ChatCluster; `controller` marks the operator
    as the one managing it, `blockOwnerDeletion` keeps a foreground delete waiting for it."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": ref.name,
        "uid": ref.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def object_meta(
    ref: ClusterRef,
    name: str,
    component: Component,
    version: str,
    *,
    annotations: Mapping[str, str] | None = None,
    extra_labels: Mapping[str, str] | None = None,
    owned: bool = True,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ref.namespace,
        "labels": {**labels(ref, component, version), **(extra_labels or {})},
    }
    if annotations:
        meta["annotations"] = dict(annotations)
    if owned:
        meta["ownerReferences"] = [owner_reference(ref)]
    return meta


def pod_security(uid: int) -> dict[str, Any]:
    # fsGroup makes the volumes (PVCs, emptyDirs) writable by the non-root user.
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_basics() -> dict[str, Any]:
    """What every operand pod spec carries: none of them calls the Kubernetes API, so none gets a token."""
    return {"automountServiceAccountToken": False}


def container_security(*, read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only_root,
        "capabilities": {"drop": ["ALL"]},
    }


def spread(ref: ClusterRef, component: Component, *, strict: bool) -> list[dict[str, Any]]:
    """Prefer spreading replicas over zones and nodes. For the quorum systems (strict) one pod per node is a rule,
    set by `anti_affinity`: a skew constraint alone still stacks pods when there are fewer nodes than replicas."""
    selector = {"matchLabels": selector_labels(ref, component)}
    return [
        {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector}
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
        if strict or key == "kubernetes.io/hostname"
    ]


def anti_affinity(ref: ClusterRef, component: Component) -> dict[str, Any]:
    """Never two replicas of a quorum system on one node: losing the node would lose the quorum. Pods beyond the
    node count stay Pending, which `kubectl get cc` shows, rather than silently sharing a node."""
    return {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "topologyKey": "kubernetes.io/hostname",
                    "labelSelector": {"matchLabels": selector_labels(ref, component)},
                }
            ]
        }
    }


def pod_disruption_budget(ref: ClusterRef, component: Component, name: str, version: str) -> Manifest:
    """At most one pod of the component evicted at a time (node drains): a quorum of 3 or 5 survives it."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": object_meta(ref, name, component, version),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(ref, component)}},
    }


def secret_env(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def field_env(name: str, field_path: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}
