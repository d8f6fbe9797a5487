"""kube-score over what a platform team would deploy: the operator chart's rendered templates (both RBAC modes)
and every object the operator generates for the examples (cert-manager and operator CA alike).

Only the exceptions README.md's "Security and hardening" section justifies may remain critical; the flags below are
the two checks the project declines as a whole, for the reasons given there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chatcluster_operator.desired import desired_objects
from chatcluster_operator.localkube import BuildError
from chatcluster_operator.localkube.kubescore import ensure_kube_score
from chatcluster_operator.naming import ClusterRef
from chatcluster_operator.spec import ChatClusterSpec
from tests.conftest import require
from tests.operator.test_chart_static import CHART, ONE_NAMESPACE, Helm, helm  # noqa: F401 (the fixture)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FLAGS = (
    "--kubernetes-version",
    "v1.35",
    "--ignore-container-cpu-limit",
    "--ignore-test",
    "container-image-pull-policy",
)
# (object, check): the official Cassandra image runs as its own user 999 and rewrites /etc/cassandra at start.
ACCEPTED = {
    ("StatefulSet/demo-cassandra", "container-security-context-user-group-id"),
    ("StatefulSet/demo-cassandra", "container-security-context-readonlyrootfilesystem"),
}


@pytest.fixture(scope="module")
def kube_score() -> Path:
    try:
        return ensure_kube_score()
    except BuildError as error:
        require(False, f"cannot build kube-score: {error}")
        raise


def _criticals(binary: Path, manifests: str, tmp_path: Path) -> set[tuple[str, str]]:
    path = tmp_path / "manifests.yaml"
    path.write_text(manifests)
    done = subprocess.run(
        [str(binary), "score", *FLAGS, "-o", "json", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.stdout, done.stderr
    found: set[tuple[str, str]] = set()
    for obj in json.loads(done.stdout):
        for check in obj["checks"]:
            if check["grade"] <= 1 and not check["skipped"]:  # 1: critical
                found.add((f"{obj['type_meta']['kind']}/{obj['object_meta']['name']}", check["check"]["id"]))
    return found


def _generated(example: Path, *, cert_manager: bool) -> str:
    body: dict[str, Any] = yaml.safe_load(example.read_text())
    ref = ClusterRef(name=body["metadata"]["name"], namespace="chat", uid="00000000-0000-0000-0000-000000000000")
    objects = desired_objects(ref, ChatClusterSpec.from_body(body.get("spec")), cert_manager=cert_manager)
    return yaml.safe_dump_all(objects)


@pytest.mark.parametrize("values", [(), ONE_NAMESPACE], ids=["all-namespaces", "one-namespace"])
def test_the_charts_templates_leave_no_kube_score_critical(
    kube_score: Path,
    helm: Helm,  # noqa: F811
    values: tuple[str, ...],
    tmp_path: Path,
) -> None:
    done = helm("template", "demo", str(CHART), "--namespace", "chatcluster-system", *values)
    assert done.returncode == 0, done.stderr
    assert _criticals(kube_score, done.stdout, tmp_path) == set()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
@pytest.mark.parametrize("cert_manager", [False, True], ids=["operator-ca", "cert-manager"])
def test_the_examples_generated_objects_leave_only_the_justified_kube_score_criticals(
    kube_score: Path, example: Path, cert_manager: bool, tmp_path: Path
) -> None:
    assert _criticals(kube_score, _generated(example, cert_manager=cert_manager), tmp_path) <= ACCEPTED
