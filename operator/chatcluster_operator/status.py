"""The ChatCluster's status from what its children report: pure, given the previous status and the time.

Each component is missing, rolling (its controller has not caught up with its spec), unavailable (rolled out, yet
fewer ready pods than desired) or ready. Conditions follow the Kubernetes conventions:
- Ready: every component has all its replicas ready.
- Progressing: moving towards the spec: something is missing or rolling, the schema migration is pending or
  running, or pods are still coming up before this generation was first fully rolled out.
- Degraded: needs attention: a refused change, a failed migration, a stuck rollout, or pods lost *after* this
  generation was rolled out (Progressing already False with reason RolloutComplete at this generation).
lastTransitionTime changes only when a condition's status does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chatcluster_operator.decisions import Refusal
from chatcluster_operator.naming import COMPONENT_LABEL, WORKLOADS, ClusterRef, Component, service_dns, workload_name
from chatcluster_operator.spec import ChatClusterSpec

GATEWAY_PORT = 8000
ROLLOUT_COMPLETE = "RolloutComplete"


@dataclass(frozen=True)
class WorkloadObservation:
    """What status needs from a StatefulSet, Deployment or Job (the Job fields stay 0 / None for the others)."""

    kind: str
    name: str
    component: str
    desired: int
    ready: int
    updated: int
    generation: int
    observed_generation: int
    created: str = ""  # creationTimestamp (RFC 3339 sorts as text)
    stalled: bool = False  # Deployment: Progressing=False, ProgressDeadlineExceeded
    succeeded: int = 0
    failed: int = 0
    finished: str | None = None  # Job: "Complete" or "Failed" when that condition is True


@dataclass(frozen=True)
class Observed:
    workloads: Sequence[WorkloadObservation] = ()
    gateway_ingress: str | None = None  # LoadBalancer hostname or IP of the gateway Service, once assigned


def observe_workload(obj: Mapping[str, Any]) -> WorkloadObservation:
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions", [])}
    finished = next((k for k in ("Complete", "Failed") if conditions.get(k, {}).get("status") == "True"), None)
    progressing = conditions.get("Progressing", {})
    is_job = obj.get("kind") == "Job"
    return WorkloadObservation(
        kind=str(obj.get("kind")),
        name=meta.get("name", ""),
        component=meta.get("labels", {}).get(COMPONENT_LABEL, ""),
        desired=1 if is_job else int(spec.get("replicas", 1)),  # the API server defaults replicas to 1
        ready=int(status.get("succeeded" if is_job else "readyReplicas", 0)),
        updated=1 if is_job else int(status.get("updatedReplicas", 0)),
        generation=int(meta.get("generation", 0)),
        observed_generation=int(meta.get("generation", 0)) if is_job else int(status.get("observedGeneration", 0)),
        created=meta.get("creationTimestamp", ""),
        stalled=progressing.get("reason") == "ProgressDeadlineExceeded" and progressing.get("status") == "False",
        succeeded=int(status.get("succeeded", 0)),
        failed=int(status.get("failed", 0)),
        finished=finished,
    )


def gateway_ingress(service: Mapping[str, Any]) -> str | None:
    """The first load-balancer address of the gateway Service, if it has one."""
    for ingress in (service.get("status") or {}).get("loadBalancer", {}).get("ingress") or []:
        if address := ingress.get("hostname") or ingress.get("ip"):
            return str(address)
    return None


def _state(workload: WorkloadObservation | None) -> str:
    if workload is None:
        return "missing"
    if workload.observed_generation < workload.generation or workload.updated < workload.desired:
        return "rolling"
    return "ready" if workload.ready >= workload.desired >= 1 else "unavailable"


def _migration(jobs: Sequence[WorkloadObservation]) -> tuple[str, WorkloadObservation | None]:
    """The newest migration Job decides (Jobs of earlier versions may linger until pruned)."""
    if not jobs:
        return "missing", None
    job = max(jobs, key=lambda j: (j.created, j.name))
    if job.finished == "Complete" or (job.finished is None and job.succeeded > 0):
        return "succeeded", job
    return ("failed" if job.finished == "Failed" else "running"), job


def _desired_from_spec(spec: ChatClusterSpec | None, component: Component) -> int:
    if spec is None:
        return 0
    if component is Component.GATEWAY and spec.gateway.autoscaling.enabled:
        return spec.gateway.autoscaling.min_replicas
    part = getattr(spec, component.value)
    return int(part.replicas)


def _stamp(
    conditions: list[dict[str, Any]], previous: Sequence[Mapping[str, Any]], generation: int, now: datetime
) -> list[dict[str, Any]]:
    before = {c.get("type"): c for c in previous}
    for condition in conditions:
        old = before.get(condition["type"])
        kept = old is not None and old.get("status") == condition["status"] and old.get("lastTransitionTime")
        condition["lastTransitionTime"] = kept or now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        condition["observedGeneration"] = generation
    return conditions


def _condition(kind: str, true: bool, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": "True" if true else "False", "reason": reason, "message": message}


def _problems(
    refusals: Sequence[Refusal],
    workloads: Sequence[WorkloadObservation],
    job: WorkloadObservation | None,
    migration: str,
    lost: list[str],
    settled: bool,
) -> list[tuple[str, str]]:
    """(reason, message) of everything that needs a human, most specific first."""
    problems = [(r.reason, r.message) for r in refusals]
    if migration == "failed" and job is not None:
        problems.append(
            ("MigrationFailed", f"the schema migration Job {job.name} failed; see kubectl logs job/{job.name}")
        )
    problems += [
        ("RolloutStuck", f"{w.component}: the rollout exceeded its progress deadline") for w in workloads if w.stalled
    ]
    if settled and lost:
        problems.append(("ComponentsUnavailable", "not ready after the rollout completed: " + ", ".join(lost)))
    return problems


def _progressing(paused: bool, pending: list[str], reason: str, generation: int) -> dict[str, Any]:
    if paused:
        return _condition(
            "Progressing", False, "Paused", "reconciliation is paused (spec.paused): the spec is not applied"
        )
    if pending:
        return _condition("Progressing", True, reason, "waiting for: " + ", ".join(pending))
    return _condition("Progressing", False, ROLLOUT_COMPLETE, f"generation {generation} is rolled out")


def compute_status(
    ref: ClusterRef,
    *,
    generation: int,
    observed: Observed,
    refusals: Sequence[Refusal] = (),
    paused: bool = False,
    previous: Mapping[str, Any] | None = None,
    now: datetime,
    spec: ChatClusterSpec | None = None,
) -> dict[str, Any]:
    """The status to write. `previous` is the current status (its conditions keep their transition times);
    `spec`, when given, supplies the desired count of a component whose workload does not exist yet."""
    previous_conditions: Sequence[Mapping[str, Any]] = (previous or {}).get("conditions") or []
    by_component = {w.component: w for w in observed.workloads if w.kind != "Job"}
    states = {c: _state(by_component.get(c.value)) for c in WORKLOADS}
    components = {
        c.value: f"{w.ready}/{w.desired}" if (w := by_component.get(c.value)) else f"0/{_desired_from_spec(spec, c)}"
        for c in WORKLOADS
    }
    described = {c: f"{c.value} {components[c.value]}" for c in WORKLOADS}
    migration, job = _migration([w for w in observed.workloads if w.kind == "Job"])
    old = next((c for c in previous_conditions if c.get("type") == "Progressing"), {})
    # This generation was fully rolled out before: pods lost since are a degradation, not progress.
    settled = old.get("status") == "False" and old.get("reason") == ROLLOUT_COMPLETE
    settled = settled and old.get("observedGeneration") == generation
    lost = [described[c] for c in WORKLOADS if states[c] == "unavailable"]
    not_ready = [described[c] for c in WORKLOADS if states[c] != "ready"]
    pending = [described[c] for c in WORKLOADS if states[c] in ("missing", "rolling")] + ([] if settled else lost)
    if migration in ("missing", "running"):
        pending.append(f"the schema migration ({'Job ' + job.name if job else 'Job not created yet'})")
    reason = "Creating" if not observed.workloads else "Migrating" if migration == "running" else "RollingOut"
    progressing = _progressing(paused, pending, reason, generation)
    problems = _problems(refusals, list(by_component.values()), job, migration, lost, settled)
    # Ready promises a usable platform: the schema must exist too, not only the pods.
    unready = not_ready + ([] if migration == "succeeded" else [f"the schema migration ({migration})"])
    ready = _condition(
        "Ready",
        not unready,
        ("ComponentsNotReady" if not_ready else "MigrationNotComplete") if unready else "AllComponentsReady",
        "not ready: " + ", ".join(unready) if unready else f"all {len(WORKLOADS)} components are ready",
    )
    degraded = _condition(
        "Degraded",
        bool(problems),
        problems[0][0] if problems else "AsExpected",
        " ".join(message for _, message in problems) or "no problems",
    )
    if paused:
        phase = "Paused"
    elif not observed.workloads:
        phase = "Pending"
    elif problems:
        phase = "Degraded"
    elif progressing["status"] == "True" or unready:
        phase = "Progressing"
    else:
        phase = "Ready"
    host = observed.gateway_ingress or service_dns(ref, workload_name(ref, Component.GATEWAY))
    return {
        "observedGeneration": generation,
        "phase": phase,
        "readyComponents": f"{len(WORKLOADS) - len(not_ready)}/{len(WORKLOADS)}",
        "components": components,
        "gatewayEndpoint": f"{host}:{GATEWAY_PORT}",
        "conditions": _stamp([ready, progressing, degraded], previous_conditions, generation, now),
    }
