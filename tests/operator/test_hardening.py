"""What a platform team checks after `kubectl apply -f examples/chatcluster.yaml`, against the real API server:
every generated pod carries its NetworkPolicy, TLS settings, resources and no service-account token; the operator's
own CA issues the certificates (no cert-manager here) and renews one that is due, rolling the pods onto it."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from chatcluster_operator.builders.certificates import dns_names, issue_leaf
from chatcluster_operator.naming import ClusterRef, Component
from tests.operator.conftest import Kube
from tests.operator.readiness import wait_for

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "chatcluster.yaml"
WORKLOADS = {
    "statefulset": ("demo-nats", "demo-cassandra", "demo-gateway"),
    "deployment": ("demo-persister", "demo-scorer", "demo-aggregator", "demo-notifier"),
}
TLS_HASH = "chatcluster.dev/tls-hash"

pytestmark = pytest.mark.usefixtures("operator_process")


def _items(kube: Kube, kind: str, namespace: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(kube.kubectl("get", kind, "-n", namespace, "-o", "json").stdout)["items"]
    return found


def _secret(kube: Kube, name: str, namespace: str) -> dict[str, str]:
    data = kube.get("secret", name, namespace)["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def _templates(kube: Kube, namespace: str) -> dict[str, dict[str, Any]]:
    templates = {
        name: kube.get(kind, name, namespace)["spec"]["template"] for kind, names in WORKLOADS.items() for name in names
    }
    (job,) = _items(kube, "job", namespace)
    templates["migrate"] = job["spec"]["template"]
    return templates


def _applied(kube: Kube, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", str(EXAMPLE))
    wait_for(
        "every workload and the migration Job",
        lambda: (
            all(
                kube.kubectl("get", kind, name, "-n", namespace, check=False).returncode == 0
                for kind, names in WORKLOADS.items()
                for name in names
            )
            and _items(kube, "job", namespace)
        ),
    )


def test_every_generated_pod_has_its_policy_tls_resources_and_no_token(kube: Kube, namespace: str) -> None:
    _applied(kube, namespace)
    policies = {p["metadata"]["name"]: p["spec"] for p in _items(kube, "networkpolicy", namespace)}
    for name, template in _templates(kube, namespace).items():
        pod = template["spec"]
        assert pod["automountServiceAccountToken"] is False, f"{name} mounts a service-account token"
        for container in pod["containers"] + pod.get("initContainers", []):
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), f"{name}/{container['name']} requests"
            assert "memory" in resources["limits"], f"{name}/{container['name']} has no memory limit"
        labels = template["metadata"]["labels"]
        selecting = [
            policy_name
            for policy_name, policy in policies.items()
            if policy["podSelector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(selecting) == 1, f"{name} is selected by {selecting}"
        assert policies[selecting[0]]["policyTypes"] == ["Ingress", "Egress"]
        mounted = {volume.get("secret", {}).get("secretName") for volume in pod.get("volumes", [])}
        assert mounted & {"demo-nats-tls", "demo-cassandra-tls"}, f"{name} mounts no certificate"
        if name != "migrate":
            assert template["metadata"]["annotations"][TLS_HASH], f"{name} would not roll on a new certificate"

    nats = policies["demo-nats"]
    route = next(rule for rule in nats["ingress"] if rule["ports"][0]["port"] == 6222)
    assert route["from"] == [{"podSelector": {"matchLabels": {**_selector("nats")}}}]
    cql = next(rule for rule in policies["demo-cassandra"]["ingress"] if rule["ports"][0]["port"] == 9042)
    assert cql["from"][0]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/part-of": "chatcluster",
    }
    gateway = kube.get("statefulset", "demo-gateway", namespace)
    headless = kube.get("service", gateway["spec"]["serviceName"], namespace)
    assert headless["spec"]["clusterIP"] == "None"

    conf = kube.get("configmap", "demo-nats-config", namespace)["data"]["nats.conf"]
    assert "verify: true" in conf and 'ca_file: "/etc/nats-tls/ca.crt"' in conf
    env = {e["name"]: e.get("value") for e in gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["CHATCLUSTER_NATS_TLS_CA"] == "/etc/chatcluster/tls/ca.crt"
    assert "tls_ca=/etc/chatcluster/tls/ca.crt" in env["CHATCLUSTER_STORE_URL"]
    ca, leaf = _secret(kube, "demo-ca", namespace), _secret(kube, "demo-nats-tls", namespace)
    assert leaf["ca.crt"] == ca["tls.crt"] and "PRIVATE KEY" in leaf["tls.key"]


def _selector(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/component": component,
    }


def test_a_certificate_due_for_renewal_is_reissued_and_rolls_the_servers(kube: Kube, namespace: str) -> None:
    _applied(kube, namespace)
    wait_for(
        "the NATS certificate",
        lambda: kube.kubectl("get", "secret", "demo-nats-tls", "-n", namespace, check=False).returncode == 0,
    )
    before = kube.get("statefulset", "demo-nats", namespace)["spec"]["template"]["metadata"]["annotations"][TLS_HASH]
    ca = _secret(kube, "demo-ca", namespace)
    ref = ClusterRef("demo", namespace, "")
    # Issued 80 hours into a 90-hour life: past two thirds, so the next pass must replace it.
    old = issue_leaf(
        ca, "demo-nats", dns_names(ref, Component.NATS), 90, dt.datetime.now(dt.UTC) - dt.timedelta(hours=80)
    )
    patch = {"data": {key: base64.b64encode(value.encode()).decode() for key, value in old.items()}}
    kube.kubectl("patch", "secret", "demo-nats-tls", "-n", namespace, "--type=merge", "-p", json.dumps(patch))

    renewed = wait_for(
        "a renewed certificate",
        lambda: (s := _secret(kube, "demo-nats-tls", namespace))["tls.crt"] not in (old["tls.crt"],) and s,
    )
    assert renewed["ca.crt"] == ca["tls.crt"], "the renewed leaf comes from the same CA, so peers still trust it"
    rolled = wait_for(
        "the NATS pods rolled onto it",
        lambda: (
            (
                a := kube.get("statefulset", "demo-nats", namespace)["spec"]["template"]["metadata"]["annotations"][
                    TLS_HASH
                ]
            )
            != before
            and a
        ),
    )
    assert rolled
