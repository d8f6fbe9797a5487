"""The operator chart against the real API server: what `helm install` gives a platform team."""

from __future__ import annotations

import json
from pathlib import Path

from tests.operator.conftest import Kube, running_operator
from tests.operator.readiness import wait_for

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


def test_the_operator_works_with_nothing_but_the_charts_rbac(kube: Kube, namespace: str, tmp_path: Path) -> None:
    """The operator runs as the chart's ServiceAccount (a real token from the TokenRequest API), so a permission
    the chart forgot shows up as a Forbidden error and an unconverged cluster."""
    kube.helm("install", "cc-op", str(CHART), "-n", namespace, "--set", f"watchNamespace={namespace}", "--wait=false")
    try:
        account = kube.get("deployment", "cc-op-chatcluster-operator", namespace)["spec"]["template"]["spec"][
            "serviceAccountName"
        ]
        token = kube.kubectl("create", "token", account, "-n", namespace, "--duration=1h").stdout.strip()
        kubeconfig = json.loads(kube.kubeconfig.read_text())
        kubeconfig["users"] = [{"name": "admin", "user": {"token": token}}]
        as_operator = tmp_path / "operator.kubeconfig"
        as_operator.write_text(json.dumps(kubeconfig))
        log = tmp_path / "operator.log"
        with running_operator(
            kube, log, "--namespace", namespace, "--peering", "chatcluster-operator", KUBECONFIG=str(as_operator)
        ):
            kube.kubectl("apply", "-n", namespace, "-f", str(CHART.parents[1] / "examples" / "chatcluster-dev.yaml"))
            wait_for(
                "the ChatCluster converged by the operator's ServiceAccount",
                lambda: (
                    kube.get("chatcluster", "demo", namespace).get("status", {}).get("phase") == "Progressing"
                    and "statefulset.apps/demo-gateway"
                    in kube.kubectl("get", "sts", "-n", namespace, "-o", "name").stdout
                ),
            )
            kube.kubectl("delete", "cc", "demo", "-n", namespace, "--wait=true", "--timeout=60s")
        assert "Forbidden" not in log.read_text() and "403" not in log.read_text(), log.read_text()[-3000:]
    finally:
        kube.helm("uninstall", "cc-op", "-n", namespace, check=False)
