"""The committed dashboards and rules are what the generator writes, and every panel is complete.

Edits go through observability/dashboards/generate.py (and observability/prometheus/rules.py);
the real-Prometheus test (tests/integration/test_observability_prometheus.py) proves the queries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from observability import catalogue
from observability.dashboards import generate
from observability.prometheus import rules

ROOT = Path(__file__).parents[2]
GRAFANA_BUILTINS = {"__rate_interval", "__interval", "__range", "__from", "__to", "__all"}
VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)")


def _boards() -> dict[str, dict[str, Any]]:
    return {name: json.loads(generate.render(build())) for name, build in generate.DASHBOARDS.items()}


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in board["panels"] if panel["type"] != "row"]


def test_the_committed_files_are_what_the_generator_writes() -> None:
    stale = [
        str(path.relative_to(ROOT)) for path, content in generate.generated().items() if path.read_text() != content
    ]
    assert not stale, f"regenerate with `.venv/bin/python observability/dashboards/generate.py`: {stale} differ"


def test_there_is_no_committed_dashboard_the_generator_does_not_write() -> None:
    committed = {path.stem for path in (ROOT / "observability" / "dashboards").glob("*.json")}
    assert committed == set(generate.DASHBOARDS)


@pytest.mark.parametrize("name", list(generate.DASHBOARDS))
def test_every_panel_has_a_title_a_datasource_and_a_target(name: str) -> None:
    board = _boards()[name]
    assert board["uid"].startswith("chatcluster-") and board["title"]
    for panel in _panels(board):
        where = f"{name}: panel {panel.get('id')} {panel.get('title')!r}"
        assert panel.get("title"), f"{where} has no title"
        assert panel.get("description"), f"{where} has no description"
        assert panel.get("datasource", {}).get("uid", "").startswith("${"), f"{where} has no datasource variable"
        assert panel.get("targets"), f"{where} has no target"
        for target in panel["targets"]:
            assert target.get("expr") or target.get("url"), f"{where} has an empty target"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"


@pytest.mark.parametrize("name", list(generate.DASHBOARDS))
def test_every_variable_a_dashboard_uses_is_defined(name: str) -> None:
    board = _boards()[name]
    defined = {variable["name"] for variable in board["templating"]["list"]} | GRAFANA_BUILTINS
    used = set()
    for match in VARIABLE.finditer(json.dumps(board["panels"]) + json.dumps(board["templating"])):
        used.add(match.group(1) or match.group(2))
    assert used <= defined, f"{name} uses undefined variables {used - defined}"


@pytest.mark.parametrize("name", list(generate.DASHBOARDS))
def test_promql_is_scoped_to_the_cluster_and_reads_only_catalogued_metrics(name: str) -> None:
    known = {
        value
        for key, value in vars(catalogue).items()
        if key.isupper() and isinstance(value, str) and not value.startswith(("$", "."))
    }
    for panel in _panels(_boards()[name]):
        for target in panel["targets"]:
            if "expr" not in target:
                continue
            for metric in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", target["expr"]):
                base = re.sub(r"_(bucket|count|sum)$", "", metric)
                assert metric in known or base in known, f"{panel['title']}: {metric} is not in the catalogue"
            for selector in re.findall(r"\{([^}]*)\}", target["expr"]):
                assert '=~"$cluster"' in selector and '=~"$namespace"' in selector, (
                    f"{panel['title']}: selector {{{selector}}} is not scoped to $cluster and $namespace"
                )


def test_stats_api_panels_use_the_platforms_stats_endpoints() -> None:
    for board in _boards().values():
        for panel in _panels(board):
            for target in panel["targets"]:
                if "url" in target:
                    assert target["url"].startswith("/v1/stats/"), f"{panel['title']}: {target['url']}"


def test_every_alert_has_a_severity_annotations_and_a_runbook_section() -> None:
    runbooks = (ROOT / "observability" / "runbooks.md").read_text()
    anchors = {heading.strip().lower() for heading in re.findall(r"^## (.+)$", runbooks, flags=re.M)}
    document = yaml.safe_load((ROOT / "observability" / "prometheus" / "alerts.yaml").read_text())
    alerts = [rule for group in document["groups"] for rule in group["rules"] if "alert" in rule]
    assert {a["alert"] for a in alerts} == {
        "ChatClusterConsumerLagGrowing",
        "ChatClusterDeadLettersPresent",
        "ChatClusterPublishErrors",
        "ChatClusterGateway5xx",
        "ChatClusterNatsNotReady",
        "ChatClusterCassandraNotReady",
    }
    for alert in alerts:
        assert alert["labels"]["severity"] in {"warning", "critical"}
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        path, _, anchor = alert["annotations"]["runbook_url"].partition("#")
        assert path == "observability/runbooks.md"
        assert anchor in anchors, f"runbooks.md has no section '## {alert['alert']}'"


def test_every_rule_declares_the_metrics_it_reads() -> None:
    for rule in (*rules.ALERTS, *rules.RECORDS):
        # Label lists (`by (…)`, `on (…)`, `group_left (…)`) and matchers (`{…}`) name labels, not metrics.
        expr = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)|\{[^}]*\}", " ", rule.expr)
        for metric in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
            if metric.startswith(("chatcluster_", "http_", "messaging_", "kube_")):
                assert metric in rule.metrics, f"{rule.name} reads {metric} but does not declare it"


def test_the_catalogue_names_the_services_durable_consumers() -> None:
    from chatcluster import aggregator, notifier, persister, scorer

    assert catalogue.DURABLES == (persister.DURABLE, scorer.DURABLE, aggregator.DURABLE, notifier.DURABLE)


def test_the_collector_pipelines_use_only_defined_components() -> None:
    config = yaml.safe_load((ROOT / "observability" / "otel-collector.yaml").read_text())
    assert set(config["service"]["pipelines"]) == {"traces", "metrics"}
    assert {"grpc", "http"} <= set(config["receivers"]["otlp"]["protocols"])
    for name, pipeline in config["service"]["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            undefined = set(pipeline[kind]) - set(config[kind])
            assert not undefined, f"pipeline {name} uses undefined {kind}: {undefined}"
        assert pipeline["processors"][0] == "memory_limiter", f"{name}: memory_limiter must come first"
        assert {"k8sattributes", "batch"} <= set(pipeline["processors"])
    assert set(config["service"]["extensions"]) <= set(config["extensions"])
