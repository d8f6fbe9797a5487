"""One reconciliation pass: read what exists, decide, apply what should exist, report the status.

The decisions (what to build, what to refuse, what the status says) are pure functions elsewhere; this
module only sequences them around the API calls, so every handler converges the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatcluster_operator.builders.certificates import (
    CA_KEY,
    CERT_KEY,
    TLS_COMPONENTS,
    content_hash,
    dns_names,
    issue_ca,
    issue_leaf,
    renewal_due,
    secret_strings,
    tls_secret_manifest,
)
from chatcluster_operator.decisions import HANDOVER_FIELD_MANAGER, Refusal, decide, replicas_handover
from chatcluster_operator.desired import CA_HASH_KEY, desired_objects, desired_secrets
from chatcluster_operator.kube import ClusterApi, Manifest
from chatcluster_operator.naming import (
    ClusterRef,
    Component,
    ca_secret,
    selector,
    short_hash,
    tls_secret,
    workload_name,
)
from chatcluster_operator.observability import dashboards
from chatcluster_operator.spec import ChatClusterSpec
from chatcluster_operator.status import Observed, compute_status, gateway_ingress, observe_workload

WORKLOAD_KINDS = (("apps/v1", "StatefulSet"), ("apps/v1", "Deployment"), ("batch/v1", "Job"))
# Kinds whose objects come and go with the spec (a migration Job per pod template, the autoscaler while autoscaling
# is on, the ServiceMonitor while asked for); an owned object of these kinds that is no longer desired is deleted.
PRUNED_KINDS = (
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
)


@dataclass(frozen=True)
class ClusterEvent:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass
class ReconcileOutcome:
    status: dict[str, Any]
    events: list[ClusterEvent] = field(default_factory=list)


def _ref(body: Mapping[str, Any]) -> ClusterRef:
    metadata = body["metadata"]
    return ClusterRef(name=metadata["name"], namespace=metadata["namespace"], uid=metadata["uid"])


def _observe(api: ClusterApi, ref: ClusterRef) -> list[Manifest]:
    return [
        item
        for api_version, kind in WORKLOAD_KINDS
        for item in api.list(api_version, kind, ref.namespace, selector(ref))
    ]


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def reconcile(api: ClusterApi, body: Mapping[str, Any]) -> ReconcileOutcome:
    ref = _ref(body)
    spec = ChatClusterSpec.from_body(body.get("spec") or {})
    previous = dict(body.get("status") or {})
    if spec.paused:
        return _publish(api, body, ref, spec, previous, refusals=[])
    decision = decide(spec, _observe(api, ref))
    for secret in desired_secrets(ref, spec, _new_secret):
        api.create_if_absent(secret)
    service_monitor = api.kind_served("monitoring.coreos.com/v1", "ServiceMonitor")
    cert_manager, tls_hashes = _certificates(api, ref, decision.spec, datetime.now(UTC))
    desired = desired_objects(
        ref,
        decision.spec,
        dashboards=dashboards(),
        service_monitor_crd=service_monitor,
        cert_manager=cert_manager,
        tls_hashes=tls_hashes,
    )
    for manifest in desired:
        _apply(api, manifest, initial_replicas=decision.spec.gateway.autoscaling.min_replicas)
    _prune(api, ref, desired, service_monitor)
    return _publish(api, body, ref, spec, previous, refusals=decision.refusals)


def refresh_status(api: ClusterApi, body: Mapping[str, Any]) -> ReconcileOutcome:
    """Recompute the status from the children without applying anything (a child changed)."""
    ref = _ref(body)
    spec = ChatClusterSpec.from_body(body.get("spec") or {})
    previous = dict(body.get("status") or {})
    children = _observe(api, ref)
    refusals = [] if spec.paused else decide(spec, children).refusals
    return _publish(api, body, ref, spec, previous, refusals=refusals, children=children)


def _certificates(
    api: ClusterApi, ref: ClusterRef, spec: ChatClusterSpec, now: datetime
) -> tuple[bool, dict[str, str]]:
    """Whether cert-manager issues, and the hashes of the live certificates (see `desired_objects`). Without
    cert-manager the operator is the issuer: it creates its CA once and re-issues a leaf that is due (every resync
    pass looks, so a leaf is renewed within a pass of reaching two thirds of its life)."""
    if not spec.tls.enabled:
        return False, {}
    provider = spec.tls.provider
    cert_manager = provider == "certManager" or (
        provider == "auto" and api.kind_served("cert-manager.io/v1", "Certificate")
    )
    hashes: dict[str, str] = {}
    if not cert_manager:
        ca = secret_strings(api.get("v1", "Secret", ref.namespace, ca_secret(ref)))
        if CERT_KEY not in ca:
            api.create_if_absent(tls_secret_manifest(ref, spec, ca_secret(ref), issue_ca(ref, now)))
            ca = secret_strings(api.get("v1", "Secret", ref.namespace, ca_secret(ref)))  # another replica may have won
        for component in TLS_COMPONENTS:
            name, names = tls_secret(ref, component), dns_names(ref, component)
            live = secret_strings(api.get("v1", "Secret", ref.namespace, name))
            if renewal_due(live.get(CERT_KEY), ca[CERT_KEY], names, now):
                live = issue_leaf(ca, workload_name(ref, component), names, spec.tls.certificate_hours, now)
                api.apply(tls_secret_manifest(ref, spec, name, live))
            hashes[name] = content_hash(live)
    else:
        for component in TLS_COMPONENTS:
            name = tls_secret(ref, component)
            hashes[name] = content_hash(secret_strings(api.get("v1", "Secret", ref.namespace, name)))
    nats_tls = secret_strings(api.get("v1", "Secret", ref.namespace, tls_secret(ref, Component.NATS)))
    hashes[CA_HASH_KEY] = short_hash(nats_tls.get(CA_KEY, ""))
    return cert_manager, hashes


def _prune(api: ClusterApi, ref: ClusterRef, desired: list[Manifest], service_monitor: bool) -> None:
    keep = {(m["kind"], m["metadata"]["name"]) for m in desired}
    for api_version, kind in PRUNED_KINDS:
        if kind == "ServiceMonitor" and not service_monitor:
            continue
        for item in api.list(api_version, kind, ref.namespace, selector(ref)):
            owners = item["metadata"].get("ownerReferences") or []
            ours = any(owner.get("uid") == ref.uid and owner.get("controller") for owner in owners)
            if ours and (kind, item["metadata"]["name"]) not in keep:
                api.delete(api_version, kind, ref.namespace, item["metadata"]["name"])


def _apply(api: ClusterApi, manifest: Manifest, *, initial_replicas: int) -> None:
    """Apply one object; a workload left to an autoscaler (no spec.replicas) never drops to the API's default
    of 1: an existing one hands its count over, a new one starts at the autoscaler's minimum."""
    meta = manifest["metadata"]
    if manifest["kind"] == "StatefulSet":
        live = api.get(manifest["apiVersion"], manifest["kind"], meta["namespace"], meta["name"])
        if live is not None and live["spec"].get("serviceName") != manifest["spec"]["serviceName"]:
            # serviceName is immutable (the gateway's moved to its headless Service): delete the StatefulSet but
            # orphan its pods, which keep serving; the next pass creates the new one, which adopts them.
            api.delete(manifest["apiVersion"], manifest["kind"], meta["namespace"], meta["name"], "Orphan")
            return
    if manifest["kind"] not in ("Deployment", "StatefulSet") or "replicas" in manifest["spec"]:
        api.apply(manifest)
        return
    live = api.get(manifest["apiVersion"], manifest["kind"], meta["namespace"], meta["name"])
    handover = replicas_handover(manifest, live)
    if handover is not None:
        api.apply(handover, field_manager=HANDOVER_FIELD_MANAGER)
    api.apply(manifest)
    if live is None:
        start = {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "spec": {"replicas": initial_replicas},
        }
        api.apply(start, field_manager=HANDOVER_FIELD_MANAGER)


def _publish(
    api: ClusterApi,
    body: Mapping[str, Any],
    ref: ClusterRef,
    spec: ChatClusterSpec,
    previous: dict[str, Any],
    *,
    refusals: list[Refusal],
    children: list[Manifest] | None = None,
) -> ReconcileOutcome:
    """Write the status computed from `children` (listed now unless given: after an apply they changed)."""
    gateway = api.get("v1", "Service", ref.namespace, workload_name(ref, Component.GATEWAY))
    observed = Observed(
        workloads=[observe_workload(item) for item in (children if children is not None else _observe(api, ref))],
        gateway_ingress=gateway_ingress(gateway) if gateway else None,
    )
    status = compute_status(
        ref,
        generation=body["metadata"].get("generation", 0),
        observed=observed,
        refusals=refusals,
        paused=spec.paused,
        previous=previous,
        now=datetime.now(UTC),
        spec=spec,
    )
    reported = " ".join(_conditions(previous))
    events = [ClusterEvent("Warning", r.reason, r.message) for r in refusals if r.message not in reported]
    if status.get("phase") != previous.get("phase"):
        events.append(ClusterEvent("Normal", f"Phase{status['phase']}", f"ChatCluster is {status['phase']}"))
    if status != {key: previous.get(key) for key in status}:
        api.patch_cluster_status(ref.namespace, ref.name, status)
    return ReconcileOutcome(status=status, events=events)


def _conditions(status: Mapping[str, Any]) -> set[str]:
    return {str(condition.get("message")) for condition in status.get("conditions", [])}
