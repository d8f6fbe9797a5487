"""Two operator replicas share the work through Kopf peering: one acts, the other stands by and takes over."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from tests.operator.conftest import Kube, running_operator
from tests.operator.readiness import wait_for

PEERING = {"apiVersion": "kopf.dev/v1", "kind": "KopfPeering", "metadata": {"name": "chatcluster-operator"}}
CLUSTER = {"apiVersion": "chatcluster.dev/v1alpha1", "kind": "ChatCluster", "metadata": {"name": "solo"}, "spec": {}}


def _version_of_gateway(kube: Kube, namespace: str) -> str | None:
    found = kube.kubectl("get", "statefulset", "solo-gateway", "-n", namespace, "-o", "json", check=False)
    if found.returncode != 0:
        return None
    image: str = json.loads(found.stdout)["spec"]["template"]["spec"]["containers"][0]["image"]
    return image.rsplit(":", 1)[1]


def _peers(kube: Kube, namespace: str) -> list[str]:
    return list(kube.get("kopfpeering", "chatcluster-operator", namespace).get("status", {}))


def test_only_the_leader_acts_and_the_standby_takes_over_when_it_dies(
    kube: Kube, namespace: str, tmp_path: Path
) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(PEERING))
    flags = ("--namespace", namespace, "--peering", "chatcluster-operator")
    timing = {"CHATCLUSTER_OPERATOR_PEERING_LIFETIME": "5"}
    leader_log, standby_log = tmp_path / "leader.log", tmp_path / "standby.log"
    with running_operator(kube, leader_log, *flags, "--priority", "200", POD_ID="leader", **timing) as leader:
        # Kopf starts every replica paused and resumes the live peer with the highest priority.
        wait_for("the leader to resume", lambda: "Resuming operations" in leader_log.read_text())
        with running_operator(kube, standby_log, *flags, "--priority", "100", POD_ID="standby", **timing):
            wait_for("both peers in the peering object", lambda: {"leader", "standby"} <= set(_peers(kube, namespace)))
            kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(CLUSTER))
            wait_for("the leader to create the gateway", lambda: _version_of_gateway(kube, namespace))
            wait_for("the leader's handler to finish", lambda: "Handler 'converge'" in leader_log.read_text())
            assert "Handler 'converge'" not in standby_log.read_text(), "the standby acted while the leader lived"

            os.kill(leader.pid, signal.SIGKILL)  # no goodbye: the standby must notice the silence
            wait_for("the standby to resume", lambda: "Resuming operations" in standby_log.read_text(), timeout=90)
            patch = json.dumps({"spec": {"version": "0.3.0"}})
            kube.kubectl("patch", "cc", "solo", "-n", namespace, "--type=merge", "-p", patch)
            wait_for("the former standby to roll the version", lambda: _version_of_gateway(kube, namespace) == "0.3.0")
