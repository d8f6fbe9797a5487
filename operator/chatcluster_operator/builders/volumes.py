"""Persistent volumes of the StatefulSets: claim templates and what happens to the claims on delete."""

from __future__ import annotations

from typing import Any

from chatcluster_operator.naming import ClusterRef, Component, instance_labels, selector_labels
from chatcluster_operator.spec import ChatClusterSpec


def retention_policy(spec: ChatClusterSpec) -> dict[str, str]:
    """PVCs made from claim templates are owned by their StatefulSet only under `Delete`; `Retain` (the default)
    keeps the data when the ChatCluster (and so the StatefulSet) is deleted. Scale-down is refused anyway."""
    when_deleted = "Delete" if spec.storage.delete_pvcs_on_delete else "Retain"
    return {"whenDeleted": when_deleted, "whenScaled": "Retain"}


def claim_templates(
    ref: ClusterRef,
    spec: ChatClusterSpec,
    component: Component,
    size: str,
) -> list[dict[str, Any]]:
    # Claim templates are immutable: no version label here (an upgrade would be rejected), and no owner
    # reference (the StatefulSet controller decides ownership from the retention policy).
    claim_spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
    }
    if spec.storage.storage_class_name:
        claim_spec["storageClassName"] = spec.storage.storage_class_name
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "labels": {**selector_labels(ref, component), **instance_labels(ref)}},
            "spec": claim_spec,
        }
    ]
