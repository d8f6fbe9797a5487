"""The ChatCluster status: components, phase and Ready / Progressing / Degraded conditions over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chatcluster_operator.decisions import Refusal
from chatcluster_operator.naming import WORKLOADS, Component
from chatcluster_operator.status import Observed, compute_status, gateway_ingress, observe_workload
from tests.unit.operator.support import REF, spec_of

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
KINDS = {Component.NATS: "StatefulSet", Component.CASSANDRA: "StatefulSet"}
DESIRED = {"nats": 3, "cassandra": 3, "gateway": 2, "persister": 2, "scorer": 2, "aggregator": 1, "notifier": 1}


def _workload(component: Component, ready: int | None = None, **overrides: Any) -> dict[str, Any]:
    desired = DESIRED[component.value]
    ready = desired if ready is None else ready
    return {
        "kind": KINDS.get(component, "Deployment"),
        "metadata": {
            "name": f"demo-{component.value}",
            "generation": overrides.get("generation", 1),
            "labels": {"app.kubernetes.io/component": component.value},
        },
        "spec": {"replicas": desired},
        "status": {
            "observedGeneration": overrides.get("observed", 1),
            "readyReplicas": ready,
            "updatedReplicas": overrides.get("updated", desired),
            "conditions": overrides.get("conditions", []),
        },
    }


def _job(
    name: str = "demo-migrate-aaaa", finished: str | None = "Complete", created: str = "2026-01-01T00:00:00Z"
) -> dict[str, Any]:
    conditions = [{"type": finished, "status": "True"}] if finished else []
    status = {
        "succeeded": 1 if finished == "Complete" else 0,
        "failed": 7 if finished == "Failed" else 0,
        "conditions": conditions,
    }
    return {
        "kind": "Job",
        "metadata": {
            "name": name,
            "generation": 1,
            "creationTimestamp": created,
            "labels": {"app.kubernetes.io/component": "migrate"},
        },
        "spec": {"backoffLimit": 6},
        "status": status,
    }


def _observed(*manifests: dict[str, Any], ingress: str | None = None) -> Observed:
    return Observed(workloads=[observe_workload(m) for m in manifests], gateway_ingress=ingress)


def _healthy(**not_ready: int) -> Observed:
    return _observed(*(_workload(c, not_ready.get(c.value)) for c in WORKLOADS), _job())


def _status(
    observed: Observed, *, generation: int = 1, previous: dict[str, Any] | None = None, **kw: Any
) -> dict[str, Any]:
    return compute_status(REF, generation=generation, observed=observed, previous=previous, now=kw.pop("now", T0), **kw)


def _conditions(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in status["conditions"]}


def test_a_cluster_with_nothing_created_yet_is_pending() -> None:
    status = _status(Observed(), spec=spec_of())
    assert status["phase"] == "Pending" and status["readyComponents"] == "0/7"
    assert status["components"] == {name: f"0/{n}" for name, n in DESIRED.items()}
    assert _conditions(status)["Progressing"]["reason"] == "Creating"


def test_a_cluster_whose_every_component_is_ready_is_ready() -> None:
    status = _status(_healthy())
    assert status["phase"] == "Ready" and status["readyComponents"] == "7/7"
    assert status["components"] == {name: f"{n}/{n}" for name, n in DESIRED.items()}
    conditions = _conditions(status)
    assert [(c["status"], c["reason"]) for c in conditions.values()] == [
        ("True", "AllComponentsReady"),
        ("False", "RolloutComplete"),
        ("False", "AsExpected"),
    ]
    assert all(
        c["observedGeneration"] == 1 and c["lastTransitionTime"] == "2026-01-02T03:04:05Z" for c in conditions.values()
    )
    assert status["observedGeneration"] == 1


def test_pods_still_coming_up_on_a_first_rollout_are_progress_not_degradation() -> None:
    status = _status(_healthy(gateway=1))
    assert status["phase"] == "Progressing" and status["readyComponents"] == "6/7"
    conditions = _conditions(status)
    assert conditions["Ready"]["message"] == "not ready: gateway 1/2"
    assert conditions["Progressing"]["status"] == "True" and "gateway 1/2" in conditions["Progressing"]["message"]
    assert conditions["Degraded"]["status"] == "False"


def test_a_component_whose_controller_lags_its_generation_is_rolling() -> None:
    observed = _observed(
        *(_workload(c) for c in WORKLOADS if c is not Component.SCORER),
        _workload(Component.SCORER, generation=2),
        _job(),
    )
    status = _status(observed)
    assert _conditions(status)["Progressing"]["reason"] == "RollingOut" and status["readyComponents"] == "6/7"


def test_losing_pods_after_a_completed_rollout_is_degraded() -> None:
    settled = _status(_healthy())
    later = _status(_healthy(cassandra=2), previous=settled, now=T0 + timedelta(minutes=5))
    conditions = _conditions(later)
    assert later["phase"] == "Degraded"
    assert (conditions["Degraded"]["reason"], conditions["Progressing"]["status"]) == ("ComponentsUnavailable", "False")
    assert "cassandra 2/3" in conditions["Degraded"]["message"]


def test_a_new_generation_that_is_not_ready_yet_is_progressing_again() -> None:
    settled = _status(_healthy())
    status = _status(_healthy(gateway=0), generation=2, previous=settled)
    assert status["phase"] == "Progressing" and _conditions(status)["Degraded"]["status"] == "False"


def test_a_running_migration_is_progress_and_a_failed_one_is_degraded() -> None:
    running = _observed(*(_workload(c) for c in WORKLOADS), _job(finished=None))
    assert _conditions(_status(running))["Progressing"]["reason"] == "Migrating"
    failed = _observed(*(_workload(c) for c in WORKLOADS), _job(finished="Failed"))
    degraded = _conditions(_status(failed))["Degraded"]
    assert degraded["reason"] == "MigrationFailed" and "kubectl logs job/demo-migrate-aaaa" in degraded["message"]


def test_a_cluster_is_not_ready_until_its_schema_migration_completes() -> None:
    running = _status(_observed(*(_workload(c) for c in WORKLOADS), _job(finished=None)))
    ready = _conditions(running)["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "MigrationNotComplete"
    assert running["phase"] == "Progressing" and running["readyComponents"] == f"{len(WORKLOADS)}/{len(WORKLOADS)}"


def test_the_newest_migration_job_decides() -> None:
    old_failure = _job("demo-migrate-old", finished="Failed", created="2026-01-01T00:00:00Z")
    new_success = _job("demo-migrate-new", finished="Complete", created="2026-01-02T00:00:00Z")
    status = _status(_observed(*(_workload(c) for c in WORKLOADS), old_failure, new_success))
    assert status["phase"] == "Ready"


def test_a_refused_scale_down_makes_a_healthy_cluster_degraded_with_the_refusal_reason() -> None:
    refusal = Refusal(Component.CASSANDRA, "ScaleDownRefused", "cassandra.replicas 3 → 2 refused: ... decommission")
    status = _status(_healthy(), refusals=[refusal])
    conditions = _conditions(status)
    assert status["phase"] == "Degraded" and conditions["Ready"]["status"] == "True"
    assert (conditions["Degraded"]["reason"], conditions["Degraded"]["message"]) == (
        "ScaleDownRefused",
        refusal.message,
    )


def test_a_deployment_past_its_progress_deadline_is_degraded() -> None:
    stuck = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]
    observed = _observed(
        *(_workload(c) for c in WORKLOADS if c is not Component.SCORER),
        _workload(Component.SCORER, 0, conditions=stuck),
        _job(),
    )
    assert _conditions(_status(observed))["Degraded"]["reason"] == "RolloutStuck"


def test_a_paused_cluster_reports_phase_paused() -> None:
    status = _status(_healthy(gateway=0), paused=True)
    assert status["phase"] == "Paused"
    assert (_conditions(status)["Progressing"]["status"], _conditions(status)["Progressing"]["reason"]) == (
        "False",
        "Paused",
    )


def test_transition_times_change_only_when_a_condition_flips() -> None:
    first = _status(_healthy(gateway=1))
    second = _status(_healthy(gateway=1), previous=first, now=T0 + timedelta(minutes=1))
    assert second["conditions"] == first["conditions"]
    third = _status(_healthy(), previous=second, now=T0 + timedelta(minutes=2))
    times = {c["type"]: c["lastTransitionTime"] for c in third["conditions"]}
    assert times == {
        "Ready": "2026-01-02T03:06:05Z",
        "Progressing": "2026-01-02T03:06:05Z",
        "Degraded": "2026-01-02T03:04:05Z",
    }


def test_the_gateway_endpoint_is_the_service_dns_name_or_its_load_balancer() -> None:
    assert _status(_healthy())["gatewayEndpoint"] == "demo-gateway.chat.svc:8000"
    service = {"status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}}
    assert _status(_observed(ingress=gateway_ingress(service)))["gatewayEndpoint"] == "203.0.113.7:8000"
    assert gateway_ingress({"status": {}}) is None


def test_observing_a_workload_reads_desired_ready_updated_and_generations() -> None:
    seen = observe_workload(_workload(Component.NATS, 2, updated=3, generation=4, observed=3))
    assert (seen.kind, seen.name, seen.component) == ("StatefulSet", "demo-nats", "nats")
    assert (seen.desired, seen.ready, seen.updated, seen.generation, seen.observed_generation) == (3, 2, 3, 4, 3)
    job = observe_workload(_job(finished="Failed"))
    assert (job.kind, job.finished, job.failed, job.succeeded) == ("Job", "Failed", 7, 0)
