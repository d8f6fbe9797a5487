"""Reconciliation decisions that depend on what is running: pure, so they are tested without a cluster.

The spec says what the user wants; some of it cannot be done safely yet. Shrinking NATS needs each leaving
server removed from the JetStream meta group (`nats server raft peer-remove`), shrinking Cassandra needs
`nodetool decommission` so a node streams its data away before its pod goes, and a standalone NATS server does
not carry its streams into a new cluster. The operator does none of these yet, so it keeps what runs, reports a
refusal (a Degraded condition and a Warning event), and applies the rest of the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chatcluster_operator.builders.quantity import quantity_bytes
from chatcluster_operator.naming import COMPONENT_LABEL, Component
from chatcluster_operator.spec import ChatClusterSpec

SCALE_DOWN_REFUSED = "ScaleDownRefused"
CLUSTER_CONVERSION_REFUSED = "ClusterConversionRefused"
STORAGE_CHANGE_REFUSED = "StorageChangeRefused"


@dataclass(frozen=True)
class Refusal:
    component: Component
    reason: str  # CamelCase, for the condition and the event
    message: str  # a sentence: what was asked, why not, what runs instead, how to clear it


@dataclass(frozen=True)
class StatefulSetObservation:
    component: Component
    replicas: int
    storage: str | None
    storage_class: str | None


@dataclass(frozen=True)
class Decision:
    spec: ChatClusterSpec  # what to build: the user's spec with the refused changes held back
    refusals: list[Refusal] = field(default_factory=list)


def observe_statefulset(obj: Mapping[str, Any]) -> StatefulSetObservation | None:
    """The facts a decision needs from a StatefulSet manifest as the API server returns it."""
    labels = obj.get("metadata", {}).get("labels", {})
    if obj.get("kind") != "StatefulSet" or labels.get(COMPONENT_LABEL) not in (Component.NATS, Component.CASSANDRA):
        return None
    spec = obj.get("spec", {})
    claims = spec.get("volumeClaimTemplates") or [{}]
    claim_spec = claims[0].get("spec", {})
    return StatefulSetObservation(
        component=Component(labels[COMPONENT_LABEL]),
        replicas=int(spec.get("replicas", 1)),
        storage=claim_spec.get("resources", {}).get("requests", {}).get("storage"),
        storage_class=claim_spec.get("storageClassName"),
    )


def _replicas(spec: ChatClusterSpec, running: StatefulSetObservation) -> tuple[int, Refusal | None]:
    """The replica count to build for a stateful component, and the refusal if it differs from the spec."""
    part = spec.nats if running.component is Component.NATS else spec.cassandra
    wanted, current, what = part.replicas, running.replicas, running.component.value
    if running.component is Component.NATS and current == 1 and wanted > 1:
        return current, Refusal(
            running.component,
            CLUSTER_CONVERSION_REFUSED,
            f"nats.replicas 1 → {wanted} refused: a standalone JetStream server does not carry its streams into "
            "a new cluster (they would vanish from the cluster's view); keeping 1 replica. Create a new "
            f"ChatCluster with {wanted} NATS replicas to get a cluster, or set nats.replicas back to 1.",
        )
    if wanted >= current or current == 0:
        return wanted, None
    how = (
        "each leaving server must be removed from the JetStream meta group (nats server raft peer-remove)"
        if running.component is Component.NATS
        else "each leaving node must first stream its data to the others (nodetool decommission)"
    )
    return current, Refusal(
        running.component,
        SCALE_DOWN_REFUSED,
        f"{what}.replicas {current} → {wanted} refused: {how}, and safe decommissioning is not implemented "
        f"yet; keeping {current} replicas. Set {what}.replicas back to {current} to clear this.",
    )


def _storage(spec: ChatClusterSpec, running: StatefulSetObservation) -> tuple[str, Refusal | None]:
    """Claim templates are immutable; the CRD forbids size changes, this guards against any that slip through
    (an API server without CEL transition rules, a hand-edited StatefulSet). Sizes compare as bytes: the API
    server stores quantities in canonical form (1024Mi reads back as 1Gi)."""
    part = spec.nats if running.component is Component.NATS else spec.cassandra
    if running.storage is None or quantity_bytes(running.storage) == quantity_bytes(part.storage):
        return part.storage, None
    what = running.component.value
    return running.storage, Refusal(
        running.component,
        STORAGE_CHANGE_REFUSED,
        f"{what}.storage {running.storage} → {part.storage} refused: a StatefulSet's volume claim templates "
        f"cannot change; keeping {running.storage}. Resize the PVCs themselves (if the StorageClass allows "
        "expansion) and set the spec back.",
    )


def decide(spec: ChatClusterSpec, observed: Iterable[Mapping[str, Any]]) -> Decision:
    """The spec to build from, given the children as listed from the API server (any kinds; others ignored)."""
    refusals: list[Refusal] = []
    effective = spec
    storage_class: str | None = spec.storage.storage_class_name
    for running in filter(None, map(observe_statefulset, observed)):
        replicas, refused_scale = _replicas(effective, running)
        storage, refused_storage = _storage(effective, running)
        refusals += [r for r in (refused_scale, refused_storage) if r is not None]
        update = {"replicas": replicas, "storage": storage}
        if running.component is Component.NATS:
            effective = effective.model_copy(update={"nats": effective.nats.model_copy(update=update)})
        else:
            effective = effective.model_copy(update={"cassandra": effective.cassandra.model_copy(update=update)})
        if running.storage_class != spec.storage.storage_class_name:
            storage_class = running.storage_class  # immutable too; the CRD forbids changing it
    if storage_class != spec.storage.storage_class_name:
        pinned = effective.storage.model_copy(update={"storage_class_name": storage_class})
        effective = effective.model_copy(update={"storage": pinned})
    return Decision(spec=effective, refusals=refusals)


# Server-side apply deletes a field its manager stops sending when no other manager owns it: omitting
# spec.replicas when autoscaling is switched on would reset a running gateway to 1 replica (checked against
# kube-apiserver 1.35). Applying the live count once under a second manager keeps it until the HPA takes over
# (the hand-over in the Kubernetes server-side apply documentation).
HANDOVER_FIELD_MANAGER = "chatcluster-operator-handover"


def replicas_handover(
    desired: Mapping[str, Any], live: Mapping[str, Any] | None, field_manager: str = "chatcluster-operator"
) -> dict[str, Any] | None:
    """The manifest to apply under HANDOVER_FIELD_MANAGER before `desired`, or None when nothing is handed over:
    `desired` omits spec.replicas while `field_manager` still owns it on the live object."""
    if live is None or "replicas" in desired.get("spec", {}):
        return None
    owns = any(
        entry.get("manager") == field_manager
        and entry.get("operation") == "Apply"
        and "f:replicas" in (entry.get("fieldsV1") or {}).get("f:spec", {})
        for entry in live.get("metadata", {}).get("managedFields") or []
    )
    if not owns or "replicas" not in live.get("spec", {}):
        return None
    meta = desired["metadata"]
    return {
        "apiVersion": desired["apiVersion"],
        "kind": desired["kind"],
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
        "spec": {"replicas": live["spec"]["replicas"]},
    }
