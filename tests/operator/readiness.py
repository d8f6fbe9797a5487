"""What a kubelet and the workload controllers would report, written by hand (no kubelet runs here)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from tests.operator.conftest import Kube

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {last!r}")


def _patch_status(kube: Kube, kind: str, name: str, namespace: str, status: dict[str, Any]) -> None:
    kube.kubectl(
        "patch",
        kind,
        name,
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


def mark_workloads_ready(kube: Kube, namespace: str, instance: str) -> None:
    """Report every StatefulSet, Deployment and Job of the ChatCluster as ready / complete."""
    selector = f"app.kubernetes.io/instance={instance}"
    for kind in ("statefulset", "deployment"):
        items = json.loads(kube.kubectl("get", kind, "-n", namespace, "-l", selector, "-o", "json").stdout)["items"]
        for item in items:
            replicas = item["spec"].get("replicas", 1)
            status = {
                "observedGeneration": item["metadata"]["generation"],
                "replicas": replicas,
                "readyReplicas": replicas,
                "updatedReplicas": replicas,
                "availableReplicas": replicas,
            }
            if kind == "statefulset":
                status["currentReplicas"] = replicas
            _patch_status(kube, kind, item["metadata"]["name"], namespace, status)
    jobs = json.loads(kube.kubectl("get", "job", "-n", namespace, "-l", selector, "-o", "json").stdout)["items"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for job in jobs:
        finished = [
            {"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now}
            for kind in ("SuccessCriteriaMet", "Complete")
        ]
        status = {"startTime": now, "completionTime": now, "succeeded": 1, "conditions": finished}
        _patch_status(kube, "job", job["metadata"]["name"], namespace, status)
