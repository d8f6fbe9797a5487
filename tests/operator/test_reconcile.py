"""The operator against a real kube-apiserver: what `kubectl apply -f examples/chatcluster.yaml` gives."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.operator.conftest import Kube
from tests.operator.readiness import mark_workloads_ready, wait_for

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chatcluster.yaml"
SERVICES = ("gateway", "persister", "scorer", "aggregator", "notifier")
CONSUMERS = ("persister", "scorer", "aggregator", "notifier")


def _workload_kind(service: str) -> str:
    return "statefulset" if service == "gateway" else "deployment"  # the gateway's pod index is its worker id


pytestmark = pytest.mark.usefixtures("operator_process")


def _cluster(kube: Kube, namespace: str) -> dict[str, Any]:
    return kube.get("chatcluster", "demo", namespace)


def _condition(cluster: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in cluster.get("status", {}).get("conditions", []) if c["type"] == kind), None)


def _apply_example(kube: Kube, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", str(EXAMPLE))
    wait_for("every workload of the example", lambda: _workloads_exist(kube, namespace))


def _workloads_exist(kube: Kube, namespace: str) -> bool:
    names = kube.kubectl("get", "deploy,sts", "-n", namespace, "-o", "name").stdout.split()
    expected = {f"deployment.apps/demo-{s}" for s in CONSUMERS} | {
        "statefulset.apps/demo-gateway",
        "statefulset.apps/demo-nats",
        "statefulset.apps/demo-cassandra",
    }
    return expected <= set(names)


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = workload["spec"]["template"]["spec"]["containers"][0]
    return container


def test_applying_the_example_creates_every_object_owned_by_the_cluster(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    cluster = _cluster(kube, namespace)
    for kind, name in [
        ("statefulset", "demo-nats"),
        ("statefulset", "demo-cassandra"),
        ("service", "demo-nats"),
        ("service", "demo-nats-headless"),
        ("service", "demo-cassandra"),
        ("service", "demo-gateway"),
        ("horizontalpodautoscaler", "demo-gateway"),
        ("poddisruptionbudget", "demo-gateway"),
        *[(_workload_kind(service), f"demo-{service}") for service in SERVICES],
    ]:
        found = kube.get(kind, name, namespace)
        owners = found["metadata"].get("ownerReferences", [])
        assert [(o["kind"], o["name"], o["uid"], o.get("controller")) for o in owners] == [
            ("ChatCluster", "demo", cluster["metadata"]["uid"], True)
        ], f"{kind}/{name} is not owned by the ChatCluster"
        assert found["metadata"]["labels"]["app.kubernetes.io/instance"] == "demo"

    nats = kube.get("statefulset", "demo-nats", namespace)
    assert nats["spec"]["replicas"] == 3
    assert nats["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert nats["spec"]["template"]["spec"]["containers"][0]["lifecycle"]["preStop"], "NATS needs lame-duck mode"
    cassandra = kube.get("statefulset", "demo-cassandra", namespace)
    assert cassandra["spec"]["replicas"] == 3
    assert cassandra["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert cassandra["spec"]["template"]["spec"]["topologySpreadConstraints"]

    hpa = kube.get("horizontalpodautoscaler", "demo-gateway", namespace)
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    gateway = kube.get("statefulset", "demo-gateway", namespace)
    assert _container(gateway)["image"].endswith(":0.1.0")
    env = {e["name"]: e for e in _container(gateway)["env"]}
    assert "CHATCLUSTER_NATS_URL" in env and "CHATCLUSTER_STORE_URL" in env
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://otel-collector.observability:4317"

    jobs = json.loads(kube.kubectl("get", "job", "-n", namespace, "-o", "json").stdout)["items"]
    assert [job["spec"]["template"]["spec"]["containers"][0]["args"][-2:] for job in jobs] == [["store", "migrate"]]
    secrets = kube.kubectl("get", "secret", "-n", namespace, "-o", "name").stdout.split()
    assert {"secret/demo-nats-credentials", "secret/demo-cassandra-credentials", "secret/demo-token-key"} <= set(
        secrets
    )


def test_cluster_becomes_ready_when_its_workloads_report_ready(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    progressing = wait_for("a Progressing status", lambda: _condition(_cluster(kube, namespace), "Progressing"))
    assert progressing["status"] == "True"
    assert _cluster(kube, namespace)["status"]["phase"] != "Ready"

    mark_workloads_ready(kube, namespace, "demo")

    ready = wait_for(
        "phase Ready", lambda: (c := _cluster(kube, namespace)).get("status", {}).get("phase") == "Ready" and c
    )
    status = ready["status"]
    assert status["observedGeneration"] == ready["metadata"]["generation"]
    assert _condition(ready, "Ready")["status"] == "True"  # type: ignore[index]
    assert _condition(ready, "Degraded")["status"] == "False"  # type: ignore[index]
    rolled_out = _condition(ready, "Progressing")
    assert rolled_out is not None and (rolled_out["status"], rolled_out["reason"]) == ("False", "RolloutComplete")
    assert status["components"]["nats"] == "3/3" and status["components"]["gateway"] == "2/2"
    table = kube.kubectl("get", "cc", "demo", "-n", namespace).stdout.splitlines()
    header, row = table[0].split(), table[1].split()
    assert header[:4] == ["NAME", "PHASE", "READY", "GATEWAY"]
    assert row[:3] == ["demo", "Ready", status["readyComponents"]]
    assert row[3] == f"demo-gateway.{namespace}.svc:8000"
    wait_for(
        "a PhaseReady event",
        lambda: (
            "PhaseReady"
            in kube.kubectl("get", "events", "-n", namespace, "--field-selector", "reason=PhaseReady").stdout
        ),
    )


def test_a_hand_made_change_to_an_owned_deployment_is_put_back(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    image = _container(kube.get("deployment", "demo-scorer", namespace))["image"]
    kube.kubectl("set", "image", "deployment/demo-scorer", "scorer=busybox:latest", "-n", namespace)
    kube.kubectl("scale", "deployment/demo-scorer", "--replicas=7", "-n", namespace)

    def restored() -> bool:
        scorer = kube.get("deployment", "demo-scorer", namespace)
        return _container(scorer)["image"] == image and scorer["spec"]["replicas"] == 2

    wait_for("the operator to restore demo-scorer", restored)


def test_changing_the_version_rolls_every_service(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    old_jobs = wait_for(
        "the first migration Job", lambda: set(kube.kubectl("get", "job", "-n", namespace, "-o", "name").stdout.split())
    )
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", '{"spec": {"version": "0.2.0"}}')

    def rolled() -> bool:
        images = [_container(kube.get(_workload_kind(s), f"demo-{s}", namespace))["image"] for s in SERVICES]
        return all(image.endswith(":0.2.0") for image in images)

    wait_for("every service on version 0.2.0", rolled)
    wait_for(
        "the old migration Job replaced by the new version's",
        lambda: (
            len(now := set(kube.kubectl("get", "job", "-n", namespace, "-o", "name").stdout.split())) == 1
            and not now & old_jobs
        ),
    )


def test_scaling_cassandra_down_is_refused_with_a_condition_and_an_event(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    grow, shrink = '{"spec": {"cassandra": {"replicas": 4}}}', '{"spec": {"cassandra": {"replicas": 3}}}'
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", grow)
    wait_for(
        "Cassandra scaled up to 4",
        lambda: kube.get("statefulset", "demo-cassandra", namespace)["spec"]["replicas"] == 4,
    )
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", shrink)

    degraded = wait_for(
        "a Degraded condition about the scale-down",
        lambda: (c := _condition(_cluster(kube, namespace), "Degraded")) and c["status"] == "True" and c,
    )
    assert degraded["reason"] == "ScaleDownRefused"
    assert "decommission" in degraded["message"]
    assert kube.get("statefulset", "demo-cassandra", namespace)["spec"]["replicas"] == 4
    events = kube.kubectl("get", "events", "-n", namespace, "--field-selector", "reason=ScaleDownRefused").stdout
    assert "ScaleDownRefused" in events


def test_the_gateway_scales_by_hand_and_hands_its_count_to_the_autoscaler(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)

    def gateway_replicas() -> int:
        return int(kube.get("statefulset", "demo-gateway", namespace)["spec"]["replicas"])

    def hpa_exists() -> bool:
        return kube.kubectl("get", "hpa", "demo-gateway", "-n", namespace, check=False).returncode == 0

    manual = {"spec": {"gateway": {"replicas": 4, "autoscaling": {"enabled": False}}}}
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", json.dumps(manual))
    wait_for("4 gateway replicas and no autoscaler", lambda: gateway_replicas() == 4 and not hpa_exists())

    autoscaled = {"spec": {"gateway": {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 12}}}}
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", json.dumps(autoscaled))
    hpa = wait_for(
        "the autoscaler", lambda: hpa_exists() and kube.get("horizontalpodautoscaler", "demo-gateway", namespace)
    )
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    time.sleep(4)  # at least one more resync: the handed-over count must survive it
    assert gateway_replicas() == 4, "switching the autoscaler on reset the running gateway"


def test_a_paused_cluster_is_left_alone(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", '{"spec": {"paused": true}}')
    wait_for("phase Paused", lambda: _cluster(kube, namespace).get("status", {}).get("phase") == "Paused")
    kube.kubectl("scale", "deployment/demo-aggregator", "--replicas=4", "-n", namespace)
    time.sleep(8)  # longer than two resync periods of the test operator
    assert kube.get("deployment", "demo-aggregator", namespace)["spec"]["replicas"] == 4

    kube.kubectl("patch", "cc", "demo", "-n", namespace, "--type=merge", "-p", '{"spec": {"paused": false}}')
    wait_for(
        "the aggregator back at 1 replica after unpausing",
        lambda: kube.get("deployment", "demo-aggregator", namespace)["spec"]["replicas"] == 1,
    )


def test_deleting_the_cluster_removes_what_it_owns(kube: Kube, namespace: str) -> None:
    _apply_example(kube, namespace)
    kube.kubectl("delete", "cc", "demo", "-n", namespace, "--wait=true", "--timeout=60s")

    def gone() -> bool:
        left = kube.kubectl("get", "deploy,sts,svc,cm,job,hpa,pdb", "-n", namespace, "-o", "name").stdout.split()
        return not [name for name in left if "demo-" in name]

    wait_for("the garbage collector to remove every owned object", gone)
    secrets = set(kube.kubectl("get", "secret", "-n", namespace, "-o", "name").stdout.split())
    assert "secret/demo-nats-credentials" not in secrets and "secret/demo-token-key" not in secrets
    # Kept with the volumes it unlocks (PVCs are kept by default): a re-created cluster logs in to its data.
    assert "secret/demo-cassandra-credentials" in secrets


SERVICE_MONITOR_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
    "spec": {
        "group": "monitoring.coreos.com",
        "names": {"kind": "ServiceMonitor", "listKind": "ServiceMonitorList", "plural": "servicemonitors"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


def test_observability_ships_with_the_cluster(kube: Kube, namespace: str) -> None:
    """Dashboards for Grafana's sidecar, scrape annotations, and a ServiceMonitor once prometheus-operator's CRD
    exists (a stand-in CRD with the same group, kind and version here)."""
    kube.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(SERVICE_MONITOR_CRD))
    kube.kubectl("wait", "--for=condition=Established", "crd/servicemonitors.monitoring.coreos.com")
    cluster = {
        "apiVersion": "chatcluster.dev/v1alpha1",
        "kind": "ChatCluster",
        "metadata": {"name": "demo"},
        "spec": {"telemetry": {"metrics": {"serviceMonitor": True}}},
    }
    kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(cluster))

    monitor = wait_for(
        "the ServiceMonitor",
        lambda: kube.kubectl("get", "servicemonitor", "demo", "-n", namespace, "-o", "json", check=False).stdout,
    )
    endpoints = json.loads(monitor)["spec"]["endpoints"]
    assert [e["port"] for e in endpoints] == ["metrics"]
    dashboards = json.loads(
        kube.kubectl("get", "configmap", "-n", namespace, "-l", "grafana_dashboard=1", "-o", "json").stdout
    )["items"]
    shipped = sorted(p.name for p in (EXAMPLE.parents[1] / "observability" / "dashboards").glob("*.json"))
    assert sorted(name for item in dashboards for name in item["data"]) == shipped
    scorer = kube.get("deployment", "demo-scorer", namespace)
    annotations = scorer["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "9464"
