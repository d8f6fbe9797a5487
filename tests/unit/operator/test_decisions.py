"""Decisions that depend on what runs: refused scale-downs, a refused standalone-to-cluster NATS, pinned
storage, and the hand-over of the gateway's replica count to its autoscaler."""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.services import workload
from chatcluster_operator.decisions import (
    CLUSTER_CONVERSION_REFUSED,
    SCALE_DOWN_REFUSED,
    STORAGE_CHANGE_REFUSED,
    decide,
    replicas_handover,
)
from chatcluster_operator.desired import desired_objects
from chatcluster_operator.naming import Component
from tests.unit.operator.support import REF, find, spec_of


def _running(nats_replicas: int = 3, cassandra_replicas: int = 3, **spec: Any) -> list[dict[str, Any]]:
    """The NATS and Cassandra StatefulSets as the API server would list them, built with these replica counts."""
    body = {**spec, "nats": {**spec.get("nats", {}), "replicas": nats_replicas}}
    body["cassandra"] = {**spec.get("cassandra", {}), "replicas": cassandra_replicas}
    stateful = [o for o in desired_objects(REF, spec_of(**body)) if o["kind"] == "StatefulSet"]
    return [o for o in stateful if o["metadata"]["name"] in ("demo-nats", "demo-cassandra")]


def test_scaling_cassandra_down_is_refused_and_the_current_count_kept() -> None:
    decision = decide(spec_of(cassandra={"replicas": 2, "replicationFactor": 2}), _running(cassandra_replicas=3))
    assert decision.spec.cassandra.replicas == 3
    (refusal,) = decision.refusals
    assert (refusal.component, refusal.reason) == (Component.CASSANDRA, SCALE_DOWN_REFUSED)
    assert "nodetool decommission" in refusal.message and "not implemented yet" in refusal.message
    assert find(desired_objects(REF, decision.spec), "StatefulSet", "demo-cassandra")["spec"]["replicas"] == 3


def test_scaling_nats_down_is_refused_with_the_peer_remove_explanation() -> None:
    decision = decide(spec_of(nats={"replicas": 3}), _running(nats_replicas=5))
    assert decision.spec.nats.replicas == 5
    (refusal,) = decision.refusals
    assert refusal.reason == SCALE_DOWN_REFUSED and "peer-remove" in refusal.message
    assert "Set nats.replicas back to 5" in refusal.message


def test_turning_a_standalone_nats_into_a_cluster_is_refused() -> None:
    decision = decide(spec_of(nats={"replicas": 3}), _running(nats_replicas=1))
    assert decision.spec.nats.replicas == 1
    assert [r.reason for r in decision.refusals] == [CLUSTER_CONVERSION_REFUSED]


def test_growing_is_applied_as_asked() -> None:
    decision = decide(spec_of(nats={"replicas": 5}, cassandra={"replicas": 4}), _running())
    assert (decision.spec.nats.replicas, decision.spec.cassandra.replicas, decision.refusals) == (5, 4, [])


def test_a_new_cluster_is_built_exactly_as_specified() -> None:
    spec = spec_of(nats={"replicas": 1})
    assert decide(spec, []).spec == spec


def test_other_objects_in_the_observed_list_are_ignored() -> None:
    others = [o for o in desired_objects(REF, spec_of()) if o["kind"] != "StatefulSet"]
    assert decide(spec_of(), others).refusals == []


def test_a_storage_size_that_differs_from_the_running_claims_is_kept_as_it_runs() -> None:
    running = _running(nats={"storage": "10Gi"})
    decision = decide(spec_of(nats={"storage": "20Gi"}), running)
    assert decision.spec.nats.storage == "10Gi"
    assert [r.reason for r in decision.refusals] == [STORAGE_CHANGE_REFUSED]


def test_the_same_size_written_differently_is_not_a_change() -> None:
    # The API server reads quantities back in canonical form; 10240Mi and 10Gi are one size.
    running = _running()
    for sts, size in zip(running, ("10240Mi", "51200Mi"), strict=True):
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = size
    assert decide(spec_of(), running).refusals == []


def test_the_running_storage_class_is_kept() -> None:
    decision = decide(spec_of(storage={"storageClassName": "fast"}), _running(storage={"storageClassName": "slow"}))
    assert decision.spec.storage.storage_class_name == "slow"


def _with_managed_replicas(manifest: dict[str, Any], manager: str) -> dict[str, Any]:
    live = {**manifest, "metadata": {**manifest["metadata"], "managedFields": []}}
    live["metadata"]["managedFields"] = [
        {"manager": manager, "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {}}}}
    ]
    return live


def test_switching_autoscaling_on_hands_the_running_replica_count_over_first() -> None:
    live = _with_managed_replicas(
        workload(REF, spec_of(gateway={"replicas": 3}), Component.GATEWAY), "chatcluster-operator"
    )
    autoscaled = spec_of(gateway={"autoscaling": {"enabled": True}, "resources": {"requests": {"cpu": "1"}}})
    handover = replicas_handover(workload(REF, autoscaled, Component.GATEWAY), live)
    assert handover == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "demo-gateway", "namespace": "chat"},
        "spec": {"replicas": 3},
    }


def test_no_hand_over_when_the_operator_no_longer_owns_the_replica_count() -> None:
    autoscaled = workload(REF, spec_of(gateway={"autoscaling": {"enabled": True}}), Component.GATEWAY)
    live = _with_managed_replicas(workload(REF, spec_of(), Component.GATEWAY), "kube-controller-manager")
    assert replicas_handover(autoscaled, live) is None
    assert replicas_handover(autoscaled, None) is None
    assert replicas_handover(workload(REF, spec_of(), Component.GATEWAY), live) is None
