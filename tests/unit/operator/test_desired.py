"""All objects of a ChatCluster together: order, ownership, labels, optional pieces."""

from __future__ import annotations

from chatcluster_operator.desired import desired_objects
from chatcluster_operator.naming import API_VERSION, INSTANCE_LABEL, MANAGED_BY_LABEL, METRICS_SERVICE_LABEL
from tests.unit.operator.support import REF, find, spec_of

DASHBOARDS = {"chat-overview.json": '{"title": "Chat"}', "pipeline.json": '{"title": "Pipeline"}'}


def test_objects_come_in_apply_order() -> None:
    kinds = [o["kind"] for o in desired_objects(REF, spec_of(gateway={"autoscaling": {"enabled": True}}))]
    first = {kind: kinds.index(kind) for kind in reversed(kinds)}
    assert first["ConfigMap"] < first["Service"] < first["StatefulSet"] < first["Job"] < first["Deployment"]
    assert first["Deployment"] < first["HorizontalPodAutoscaler"] < first["PodDisruptionBudget"]


def test_every_object_is_namespaced_labelled_and_owned_by_the_chatcluster() -> None:
    objects = desired_objects(REF, spec_of(), dashboards=DASHBOARDS)
    names = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(names) == len(set(names))
    for manifest in objects:
        meta = manifest["metadata"]
        assert meta["namespace"] == "chat"
        assert meta["labels"][INSTANCE_LABEL] == "demo" and meta["labels"][MANAGED_BY_LABEL] == "chatcluster-operator"
        assert meta["ownerReferences"] == [
            {
                "apiVersion": API_VERSION,
                "kind": "ChatCluster",
                "name": "demo",
                "uid": REF.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]


def test_the_autoscaler_exists_only_when_autoscaling_is_enabled() -> None:
    kinds = {o["kind"] for o in desired_objects(REF, spec_of())}
    assert "HorizontalPodAutoscaler" not in kinds
    assert "HorizontalPodAutoscaler" in {
        o["kind"] for o in desired_objects(REF, spec_of(gateway={"autoscaling": {"enabled": True}}))
    }


def test_a_service_monitor_needs_both_its_crd_and_the_spec_flag() -> None:
    wanted = spec_of(telemetry={"metrics": {"serviceMonitor": True}})
    assert "ServiceMonitor" not in {o["kind"] for o in desired_objects(REF, wanted, service_monitor_crd=False)}
    assert "ServiceMonitor" not in {o["kind"] for o in desired_objects(REF, spec_of(), service_monitor_crd=True)}
    monitor = find(desired_objects(REF, wanted, service_monitor_crd=True), "ServiceMonitor", "demo")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]


def test_dashboards_become_config_maps_for_the_grafana_sidecar() -> None:
    objects = desired_objects(REF, spec_of(), dashboards=DASHBOARDS)
    dashboard = find(objects, "ConfigMap", "demo-dashboard-chat-overview")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"] == {"chat-overview.json": '{"title": "Chat"}'}
    assert find(objects, "ConfigMap", "demo-dashboard-pipeline")


def test_the_metrics_service_selects_the_gateway_and_consumer_pods_and_the_public_service_is_not_scraped() -> None:
    objects = desired_objects(REF, spec_of(), service_monitor_crd=True)
    selector = find(objects, "Service", "demo-metrics")["spec"]["selector"]
    labelled = [
        o["metadata"]["name"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet")
        and selector.items() <= o["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert sorted(labelled) == ["demo-aggregator", "demo-gateway", "demo-notifier", "demo-persister", "demo-scorer"]
    assert find(objects, "Service", "demo-metrics")["spec"]["ports"] == [
        {"name": "metrics", "port": 9464, "targetPort": "metrics"}
    ]
    public = find(objects, "Service", "demo-gateway")
    assert [p["name"] for p in public["spec"]["ports"]] == ["http"]
    assert METRICS_SERVICE_LABEL not in public["metadata"]["labels"], "the public Service must not be scraped"


def test_volumes_are_kept_on_delete_unless_the_spec_asks_otherwise() -> None:
    for spec, policy in ((spec_of(), "Retain"), (spec_of(storage={"deletePVCsOnDelete": True}), "Delete")):
        for name in ("demo-nats", "demo-cassandra"):
            sts = find(desired_objects(REF, spec), "StatefulSet", name)
            assert sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == policy


def test_claim_templates_carry_no_owner_and_no_version_so_they_never_need_to_change() -> None:
    for name in ("demo-nats", "demo-cassandra"):
        (claim,) = find(desired_objects(REF, spec_of()), "StatefulSet", name)["spec"]["volumeClaimTemplates"]
        assert "ownerReferences" not in claim["metadata"]
        assert "app.kubernetes.io/version" not in claim["metadata"]["labels"]


def test_stateful_components_get_disruption_budgets_too() -> None:
    objects = desired_objects(REF, spec_of())
    for name in ("demo-nats", "demo-cassandra", "demo-gateway"):
        assert find(objects, "PodDisruptionBudget", name)["spec"]["maxUnavailable"] == 1
