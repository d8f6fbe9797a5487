"""The API server itself refuses bad ChatCluster specs, with the CRD's CEL messages (no operator involved)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.operator.conftest import Kube


def _cluster(spec: dict[str, Any], name: str = "bad") -> str:
    return json.dumps(
        {"apiVersion": "chatcluster.dev/v1alpha1", "kind": "ChatCluster", "metadata": {"name": name}, "spec": spec}
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"gateway": {"replicas": 0}}, "gateway.replicas must be at least 1"),
        ({"aggregator": {"replicas": 0}}, "aggregator.replicas must be at least 1"),
        ({"nats": {"replicas": 2}}, "nats.replicas must be 1, 3 or 5"),
        ({"nats": {"replicas": 4}}, "nats.replicas must be 1, 3 or 5"),
        (
            {"cassandra": {"replicas": 2, "replicationFactor": 3}},
            "replicationFactor must not exceed cassandra.replicas",
        ),
        (
            {"gateway": {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}}},
            "minReplicas",
        ),
        ({"scorer": {"model": "gpt"}}, "scorer.model"),
        ({"notifier": {"replicas": 0}}, "notifier.replicas must be at least 1"),
        ({"notifier": {"smtp": {"from": "x@example.com"}}}, "secretName"),
        ({"notifier": {"digestScanSeconds": 0}}, "notifier.digestScanSeconds must be between 1 and 3600"),
    ],
    ids=[
        "zero-gateway",
        "zero-aggregator",
        "even-nats",
        "four-nats",
        "rf-above-replicas",
        "autoscaling-min-above-max",
        "unknown-model",
        "zero-notifier",
        "smtp-without-secret",
        "zero-digest-scan",
    ],
)
def test_the_api_server_rejects_a_bad_spec_with_a_readable_message(
    kube: Kube, namespace: str, spec: dict[str, Any], message: str
) -> None:
    refused = kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=_cluster(spec), check=False)
    assert refused.returncode != 0, f"the API server accepted {spec}"
    assert message in refused.stderr


def test_storage_sizes_cannot_change_after_creation(kube: Kube, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=_cluster({"nats": {"storage": "10Gi"}}, "sized"))
    patch = json.dumps({"spec": {"nats": {"storage": "20Gi"}}})
    refused = kube.kubectl("patch", "cc", "sized", "-n", namespace, "--type=merge", "-p", patch, check=False)
    assert refused.returncode != 0
    assert "nats.storage cannot be changed" in refused.stderr
    cassandra = json.dumps({"spec": {"cassandra": {"storage": "1Ti"}}})
    refused = kube.kubectl("patch", "cc", "sized", "-n", namespace, "--type=merge", "-p", cassandra, check=False)
    assert "cassandra.storage cannot be changed" in refused.stderr


def test_a_good_spec_gets_the_crd_defaults(kube: Kube, namespace: str) -> None:
    kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=_cluster({}, "defaults"))
    spec = kube.get("chatcluster", "defaults", namespace)["spec"]
    assert spec["nats"]["replicas"] == 3 and spec["cassandra"]["replicationFactor"] == 3
    assert spec["version"] and spec["paused"] is False
