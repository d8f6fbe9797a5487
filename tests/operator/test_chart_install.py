"""The operator chart against the real API server: what `helm install` gives a platform team."""

from __future__ import annotations

import json
from pathlib import Path

from tests.operator.conftest import Kube

CHART = Path(__file__).resolve().parents[2] / "charts" / "chatcluster-operator"


def test_helm_install_creates_the_operator_with_least_privilege_rbac(kube: Kube, namespace: str) -> None:
    kube.helm("install", "cc-op", str(CHART), "-n", namespace, "--wait=false")
    try:
        deployment = kube.get("deployment", "cc-op-chatcluster-operator", namespace)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["image"].startswith("ghcr.io/chatcluster/chatcluster:")
        assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
        subject = f"system:serviceaccount:{namespace}:{account}"
        allowed = [
            ("create", "deployments.apps"),
            ("patch", "statefulsets.apps"),
            ("patch", "chatclusters.chatcluster.dev/status"),
            ("create", "events"),
            ("create", "secrets"),
        ]
        for verb, resource in allowed:
            answer = kube.kubectl("auth", "can-i", verb, resource, "--as", subject, "-n", namespace, check=False)
            assert answer.stdout.strip() == "yes", f"the operator cannot {verb} {resource}"
        for verb, resource in [("create", "clusterrolebindings"), ("delete", "namespaces"), ("create", "pods/exec")]:
            answer = kube.kubectl("auth", "can-i", verb, resource, "--as", subject, "-n", namespace, check=False)
            assert answer.stdout.strip() == "no", f"the operator may {verb} {resource}, more than it needs"
        status = json.loads(kube.helm("status", "cc-op", "-n", namespace, "-o", "json").stdout)
        assert status["info"]["status"] == "deployed"
    finally:
        kube.helm("uninstall", "cc-op", "-n", namespace, check=False)


def test_rendered_chart_is_accepted_by_the_api_server(kube: Kube, namespace: str) -> None:
    for values in ([], ["--set", f"watchNamespace={namespace}"]):
        rendered = kube.helm("template", "cc-op", str(CHART), "-n", namespace, "--include-crds", *values).stdout
        applied = kube.kubectl("apply", "--dry-run=server", "-n", namespace, "-f", "-", stdin=rendered)
        assert "deployment.apps/cc-op-chatcluster-operator" in applied.stdout


def test_the_example_chatcluster_is_accepted_by_the_api_server(kube: Kube, namespace: str) -> None:
    for example in sorted((CHART.parents[1] / "examples").glob("*.yaml")):
        kube.kubectl("apply", "--dry-run=server", "-n", namespace, "-f", str(example))
