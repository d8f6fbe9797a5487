"""The CRD is structurally valid and agrees with the operator's pydantic spec, default for default."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from chatcluster_operator.naming import API_VERSION, KIND
from chatcluster_operator.spec import ChatClusterSpec

CRD_PATH = Path(__file__).resolve().parents[3] / "crds" / "chatcluster.dev_chatclusters.yaml"
Schema = dict[str, Any]


def _crd() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CRD_PATH.read_text())
    return loaded


def _version() -> dict[str, Any]:
    (version,) = _crd()["spec"]["versions"]
    found: dict[str, Any] = version
    return found


def _schema() -> Schema:
    schema: Schema = _version()["schema"]["openAPIV3Schema"]
    return schema


def _spec_schema() -> Schema:
    spec: Schema = _schema()["properties"]["spec"]
    return spec


def _nodes(schema: Schema, path: str = "") -> Iterator[tuple[str, Schema]]:
    """Every schema node below `schema` (properties, map values, list items) with a dotted path."""
    for name, child in schema.get("properties", {}).items():
        yield f"{path}.{name}".lstrip("."), child
        yield from _nodes(child, f"{path}.{name}".lstrip("."))
    for key in ("additionalProperties", "items"):
        if isinstance(schema.get(key), dict):
            yield f"{path}[{key}]", schema[key]
            yield from _nodes(schema[key], f"{path}[{key}]")


def _apply_defaults(schema: Schema, value: Any) -> Any:
    """Structural defaulting as the API server does it: a missing field gets its default, then its own
    properties are defaulted in turn (so `default: {}` fills in every nested default)."""
    if schema.get("type") != "object" or not isinstance(value, dict):
        return value
    for name, child in schema.get("properties", {}).items():
        if name not in value and "default" in child:
            value[name] = copy.deepcopy(child["default"])
        if name in value:
            value[name] = _apply_defaults(child, value[name])
    return value


def _model_aliases(model: type[BaseModel], path: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        alias = field.alias or name
        yield f"{path}.{alias}".lstrip(".")
        annotation = field.annotation
        nested = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        for candidate in nested:
            if issubclass(candidate, BaseModel):
                yield from _model_aliases(candidate, f"{path}.{alias}")


def test_the_crd_names_the_chatcluster_kind_in_group_chatcluster_dev() -> None:
    crd = _crd()
    assert crd["metadata"]["name"] == "chatclusters.chatcluster.dev"
    assert f"{crd['spec']['group']}/{_version()['name']}" == API_VERSION
    names = crd["spec"]["names"]
    assert (names["kind"], names["plural"], names["shortNames"], names["categories"]) == (
        KIND,
        "chatclusters",
        ["cc"],
        ["chatcluster"],
    )
    assert crd["spec"]["scope"] == "Namespaced"
    assert _version()["served"] and _version()["storage"]
    assert _version()["subresources"] == {"status": {}}


def test_kubectl_get_shows_phase_ready_gateway_and_age() -> None:
    columns = {c["name"]: c for c in _version()["additionalPrinterColumns"]}
    assert [name for name, c in columns.items() if c.get("priority", 0) == 0] == ["Phase", "Ready", "Gateway", "Age"]
    assert columns["Phase"]["jsonPath"] == ".status.phase"
    assert columns["Ready"]["jsonPath"] == ".status.readyComponents"
    assert columns["Gateway"]["jsonPath"] == ".status.gatewayEndpoint"
    assert columns["Age"] == {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def test_every_schema_node_has_a_type_so_the_schema_is_structural() -> None:
    untyped = [
        path for path, node in _nodes(_schema()) if "type" not in node and not node.get("x-kubernetes-int-or-string")
    ]
    assert untyped == []


def test_every_spec_field_is_described() -> None:
    undescribed = [path for path, node in _nodes(_spec_schema()) if "[" not in path and "description" not in node]
    assert undescribed == []


def test_an_empty_spec_defaulted_by_the_crd_equals_the_pydantic_defaults() -> None:
    defaulted = _apply_defaults(_spec_schema(), {})
    assert defaulted == ChatClusterSpec().model_dump(by_alias=True, exclude_none=True)


@pytest.mark.parametrize(
    "partial",
    [
        {"nats": {"replicas": 1}},
        {"cassandra": {"heap": "2G", "replicationFactor": 1, "replicas": 1}},
        {"gateway": {"autoscaling": {"enabled": True}}},
        {"telemetry": {"otlpEndpoint": "http://otel:4317"}, "storage": {"deletePVCsOnDelete": True}},
    ],
)
def test_a_partial_spec_gets_the_same_defaults_from_the_crd_and_from_pydantic(partial: dict[str, Any]) -> None:
    defaulted = _apply_defaults(_spec_schema(), copy.deepcopy(partial))
    assert defaulted == ChatClusterSpec.from_body(partial).model_dump(by_alias=True, exclude_none=True)


def test_the_crd_and_the_pydantic_spec_have_the_same_fields() -> None:
    # A field only in pydantic would be pruned by the API server; one only in the CRD would be ignored.
    crd_paths = {path for path, _ in _nodes(_spec_schema()) if "[" not in path}
    crd_paths -= {p for p in crd_paths if p.split(".")[-1] in ("requests", "limits")}
    assert crd_paths == set(_model_aliases(ChatClusterSpec)) - {
        p for p in _model_aliases(ChatClusterSpec) if p.split(".")[-1] in ("requests", "limits")
    }


def test_every_resources_block_is_the_same_requests_and_limits_shape() -> None:
    blocks = [node for path, node in _nodes(_spec_schema()) if path.endswith(".resources")]
    assert len(blocks) == 8  # nats, cassandra, gateway, the four consumers and the migration Job
    shapes = [{k: v for k, v in block.items() if k != "description"} for block in blocks]
    assert all(shape == shapes[0] for shape in shapes)
    quantity = shapes[0]["properties"]["requests"]["additionalProperties"]
    assert quantity["x-kubernetes-int-or-string"] is True


def _rules(path: str) -> dict[str, str]:
    node = _spec_schema() if path == "spec" else dict(_nodes(_spec_schema()))[path]
    return {rule["message"]: rule["rule"] for rule in node.get("x-kubernetes-validations", [])}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nats", "nats.replicas must be 1, 3 or 5 so JetStream keeps a quorum"),
        ("cassandra", "cassandra.replicationFactor must not exceed cassandra.replicas"),
        ("nats.storage", "nats.storage cannot be changed after creation; resize the PVCs instead"),
        ("cassandra.storage", "cassandra.storage cannot be changed after creation; resize the PVCs instead"),
        ("gateway.autoscaling", "gateway.autoscaling.minReplicas must not exceed gateway.autoscaling.maxReplicas"),
    ],
)
def test_each_safety_rule_is_a_cel_rule_with_a_readable_message(path: str, message: str) -> None:
    assert message in _rules(path)


def test_storage_sizes_are_immutable_through_transition_rules() -> None:
    assert _rules("nats.storage")["nats.storage cannot be changed after creation; resize the PVCs instead"] == (
        "self == oldSelf"
    )


def test_every_replicas_field_is_at_least_one() -> None:
    replicas = [node for path, node in _nodes(_spec_schema()) if path.lower().endswith("replicas")]
    assert len(replicas) == 9  # seven components, plus the autoscaler's min and max

    # A readable CEL message where a user types the count; nats has its own 1/3/5 rule on the parent object.
    def at_least_one(node: dict[str, Any]) -> bool:
        rules = node.get("x-kubernetes-validations", [])
        return node.get("minimum") == 1 or any(rule["rule"] == "self >= 1" for rule in rules)

    assert all(at_least_one(node) for node in replicas)
    assert sum("x-kubernetes-validations" in node for node in replicas) == 6


def test_strings_read_by_cel_rules_are_bounded_for_the_cost_budget() -> None:
    for path in ("nats.storage", "cassandra.storage", "cassandra.datacenter", "storage.storageClassName"):
        assert dict(_nodes(_spec_schema()))[path]["maxLength"] <= 253
    maps = [node for path, node in _nodes(_spec_schema()) if path.endswith((".requests", ".limits"))]
    assert maps and all(node["maxProperties"] <= 16 for node in maps)


def test_status_describes_phase_components_and_conditions_and_keeps_kopf_fields() -> None:
    status = _schema()["properties"]["status"]
    assert status["x-kubernetes-preserve-unknown-fields"] is True
    assert status["properties"]["phase"]["enum"] == ["Pending", "Progressing", "Ready", "Degraded", "Paused"]
    assert status["properties"]["components"]["additionalProperties"] == {"type": "string"}
    condition = status["properties"]["conditions"]["items"]["properties"]
    assert set(condition) == {"type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"}


def test_the_whole_spec_defaults_to_an_empty_object() -> None:
    assert _spec_schema()["default"] == {}
