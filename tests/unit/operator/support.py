"""Shared helpers of the operator's pure-layer tests: one ChatCluster identity, specs, and a manifest finder."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from chatcluster_operator.naming import ClusterRef
from chatcluster_operator.spec import ChatClusterSpec

REF = ClusterRef(name="demo", namespace="chat", uid="0b9f6c1e-5d5e-4c1e-9a43-1d1f5c1d2a77")

Manifest = dict[str, Any]


def spec_of(**body: Any) -> ChatClusterSpec:
    """A spec from camelCase keys, as the API server hands it over."""
    return ChatClusterSpec.from_body(body)


def find(objects: Iterable[Manifest], kind: str, name: str) -> Manifest:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def container(workload: Manifest, index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = workload["spec"]["template"]["spec"]["containers"][index]
    return found


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container["env"]}


def counting_secrets() -> Callable[[], str]:
    """Deterministic, distinct, URL-safe secrets."""
    counter = itertools.count(1)
    return lambda: f"secret-{next(counter)}"
