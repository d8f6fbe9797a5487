"""The shipped dashboards and rules against a real Prometheus scraping a real local platform.

A platform runs under a little traffic (three users, two rooms, positive,
negative and neutral messages, an open WebSocket, a rejected request, an
undecodable message that is dead-lettered, and a steady trickle of sends), and
Debian's `prometheus` scrapes every service's /metrics each second with
observability/prometheus/alerts.yaml loaded. Then:

- every PromQL query of every dashboard panel, with the dashboard variables
  expanded as Grafana would, parses and returns at least one sample that is a
  number: a metric renamed in the services and not in observability/catalogue.py
  fails here, naming the dashboard, the panel and the query;
- every alert and recording rule parses, loads with health "ok", and every metric
  it reads exists; the alerts that must fire under this traffic do (dead letters
  are present), and the ones that must not, do not. kube-state-metrics does not
  run here: a static exposition in its format (one NATS and one Cassandra
  StatefulSet short of ready replicas, one healthy) stands in for it, so the
  Kubernetes branches of the NotReady alerts are evaluated with data too;
- every stats-API URL behind the Infinity panels and variables answers with rows
  carrying the columns the panel reads (these need no Prometheus).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import shutil
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor, free_port
from observability import catalogue, local_prometheus
from observability.prometheus import rules
from tests.conftest import platform_settings, require, unique_name
from tests.helpers import eventually, stop_process

ROOT = Path(__file__).parents[2]
DASHBOARDS = ROOT / "observability" / "dashboards"
ALERTS_FILE = ROOT / "observability" / "prometheus" / "alerts.yaml"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"

SCRAPE_SECONDS = 1
RATE_INTERVAL = "15s"  # Grafana's $__rate_interval is at least four scrape intervals
QUERY_WAIT_SECONDS = 30.0
PASSWORD = "correct horse battery"
TEXTS = (
    "I love this, what a great day!",
    "this is terrible, I hate it",
    "the meeting moved to room 4",
    "thanks, awesome work everyone",
    "ugh, the build is broken again and I'm angry",
    "lunch at noon?",
)

# kube-state-metrics stand-in: demo-nats and demo-cassandra lack a ready replica; other-nats is healthy.
KUBE_STATE_METRICS = """\
# TYPE kube_statefulset_replicas gauge
kube_statefulset_replicas{namespace="chat",statefulset="demo-nats"} 3
kube_statefulset_replicas{namespace="chat",statefulset="demo-cassandra"} 3
kube_statefulset_replicas{namespace="chat",statefulset="other-nats"} 3
# TYPE kube_statefulset_status_replicas_ready gauge
kube_statefulset_status_replicas_ready{namespace="chat",statefulset="demo-nats"} 2
kube_statefulset_status_replicas_ready{namespace="chat",statefulset="demo-cassandra"} 1
kube_statefulset_status_replicas_ready{namespace="chat",statefulset="other-nats"} 3
"""
# What each alert must return under this test's traffic: the label values of its firing series.
EXPECTED_ALERTS: dict[str, set[str]] = {
    "ChatClusterConsumerLagGrowing": set(),
    "ChatClusterDeadLettersPresent": {"local"},
    "ChatClusterPublishErrors": set(),
    "ChatClusterGateway5xx": set(),
    "ChatClusterNatsNotReady": {"demo-nats"},
    "ChatClusterCassandraNotReady": {"demo-cassandra"},
}


# --- What the dashboards ask -------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel: str
    ref_id: str
    target: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref_id}"


def _dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def _queries(datasource_type: str) -> list[Query]:
    found = []
    for name, board in _dashboards().items():
        for panel in board["panels"]:
            if panel.get("datasource", {}).get("type") != datasource_type:
                continue
            for target in panel.get("targets", []):
                found.append(Query(name, panel["title"], target["refId"], target))
        for variable in board["templating"]["list"]:
            if variable.get("datasource", {}).get("type") == datasource_type and variable["type"] == "query":
                found.append(Query(name, f"variable ${variable['name']}", "query", {"variable": variable["query"]}))
    return found


PROMQL = [q for q in _queries("prometheus") if "expr" in q.target]
VARIABLES = [q for q in _queries("prometheus") if "variable" in q.target]
STATS = _queries("yesoreyeram-infinity-datasource")
GRAFANA_VARIABLE = re.compile(r"\$\{(\w+)(?::([^}]*))?\}|\$(\w+)")


def expand(text: str, values: dict[str, str]) -> str:
    """Grafana's interpolation of `$name` and `${name[:format]}` (formats: the date ones the panels use)."""

    def value(match: re.Match[str]) -> str:
        name, fmt = match.group(1) or match.group(3), match.group(2)
        if name in ("__from", "__to"):
            moment = datetime.fromisoformat(values[name])
            return moment.strftime("%Y-%m-%d") if fmt == "date:YYYY-MM-DD" else moment.isoformat()
        assert name in values, f"{text!r} uses ${name}, which this test (and maybe the dashboard) does not define"
        return values[name]

    return GRAFANA_VARIABLE.sub(value, text)


# --- The platform under traffic -------------------------------------------------------------------


@dataclass
class Busy:
    platform: Supervisor
    alice: ChatClient
    room_id: str


async def _trickle(client: ChatClient, room_ids: list[str], stop: asyncio.Event) -> None:
    """A send every ~0.3 s until stopped, so every rate has fresh increments."""
    count = 0
    while not stop.is_set():
        with contextlib.suppress(Exception):
            await client.send(room_ids[count % len(room_ids)], TEXTS[count % len(TEXTS)])
        count += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.3)


async def _drain(ws: Any) -> None:
    with contextlib.suppress(Exception):
        async for _frame in ws:
            pass


@pytest.fixture(scope="module")
async def busy(tmp_path_factory: pytest.TempPathFactory, model_home: Path) -> AsyncIterator[Busy]:  # noqa: ARG001
    platform = Supervisor(platform_settings(tmp_path_factory.mktemp("observed")))
    await platform.start()
    stop = asyncio.Event()
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(platform.stop)
        people = []
        for _ in range(3):
            person = ChatClient(platform.gateway_url)
            await person.register(unique_name("obs"), PASSWORD)
            stack.push_async_callback(person.aclose)
            people.append(person)
        alice, bob, carol = people
        rooms = [(await alice.create_room(name))["room_id"] for name in ("general", "random")]
        for person in (bob, carol):
            for room_id in rooms:
                await person.join(room_id)
        ws = await stack.enter_async_context(bob.websocket())  # open for the whole module
        draining = asyncio.create_task(_drain(ws))
        for index in range(18):
            await people[index % 3].send(rooms[index % 2], TEXTS[index % len(TEXTS)])
        rejected = await alice.request("POST", f"/v1/rooms/{rooms[0]}/messages", json={"text": ""})
        assert rejected.status_code == 422  # a 4xx for the status panels
        nc = await nats.connect(platform.settings.nats_url)
        await nc.jetstream().publish(f"chat.msg.{rooms[0]}", b'{"kind": "undecodable on purpose"}')
        await nc.close()
        trickling = asyncio.create_task(_trickle(carol, rooms, stop))
        try:
            yield Busy(platform, alice, rooms[0])
        finally:
            stop.set()
            await trickling
            draining.cancel()


# --- A real Prometheus ------------------------------------------------------------------------------


class _KubeStateMetrics(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = KUBE_STATE_METRICS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def kube_state_metrics_stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KubeStateMetrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def prometheus_config(targets_file: Path, kube_state_metrics: str) -> dict[str, Any]:
    """What `observability/local_prometheus.py` runs by default (following the targets file the supervisor writes),
    scraping each second, plus the stand-in."""
    config = local_prometheus.discovered_config(targets_file, ALERTS_FILE, scrape_seconds=SCRAPE_SECONDS)
    config["scrape_configs"].append(
        {"job_name": "kube-state-metrics", "static_configs": [{"targets": [kube_state_metrics]}]}
    )
    return config


@dataclass
class Prometheus:
    url: str
    started: float
    http: httpx.AsyncClient

    async def api(self, path: str, **params: Any) -> dict[str, Any]:
        response = await self.http.get(f"{self.url}/api/v1/{path}", params=params)
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
async def prometheus(busy: Busy, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Prometheus]:
    require(Path(PROMETHEUS).exists(), "Prometheus is not installed (Debian: apt-get install prometheus)")
    folder = tmp_path_factory.mktemp("prometheus")
    with kube_state_metrics_stand_in() as kube_state_metrics:
        config = folder / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(busy.platform.metrics_targets_file, kube_state_metrics)))
        async with httpx.AsyncClient(timeout=10) as http:
            process, url = await _start_prometheus(config, folder, http)
            try:
                prom = Prometheus(url, time.time(), http)
                await _wait_until_scraping(prom, process, folder / "prometheus.log")
                yield prom
            finally:
                stop_process(process, timeout=20)


async def _start_prometheus(config: Path, folder: Path, http: httpx.AsyncClient) -> tuple[subprocess.Popen[bytes], str]:
    """Prometheus on a free loopback port, ready; another port if that one was taken meanwhile."""
    log_file = folder / "prometheus.log"
    for _attempt in range(3):
        port = free_port()
        with log_file.open("w") as log:
            process = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={folder / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                ready = await http.get(f"http://127.0.0.1:{port}/-/ready")
                if ready.status_code == 200 and "Prometheus" in ready.text:
                    return process, f"http://127.0.0.1:{port}"
            await asyncio.sleep(0.2)
        if process.poll() is None:
            process.kill()
            process.wait()
        if "address already in use" not in log_file.read_text():
            break
    raise AssertionError(f"prometheus did not start:\n{log_file.read_text()[-3000:]}")


async def _wait_until_scraping(prom: Prometheus, process: subprocess.Popen[bytes], log: Path) -> None:
    """Every target up, and enough scrapes since for a rate over the rate window."""

    async def all_up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            targets = (await prom.api("targets"))["data"]["activeTargets"]
            return bool(targets) and all(t["health"] == "up" for t in targets)
        return False

    await eventually(all_up, timeout=60, interval=0.5)
    await asyncio.sleep(4 * SCRAPE_SECONDS + 1)


async def _label_values(prom: Prometheus, query: str) -> list[str]:
    """Grafana's `label_values(selector, label)` through Prometheus's label values API."""
    match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
    assert match, f"not a label_values() query: {query}"
    selector, label = match.groups()
    body = await prom.api(f"label/{label}/values", **{"match[]": selector})
    assert body["status"] == "success", f"{query}: {body.get('error')}"
    values: list[str] = body["data"]
    return values


@pytest.fixture(scope="module")
async def variables(prometheus: Prometheus) -> dict[str, str]:
    """$cluster is the local platform's name ("local"), read through the variable's own query;
    $namespace has no value off Kubernetes, so it is "All" (`.*`)."""
    clusters = await _label_values(prometheus, f"label_values({catalogue.TARGET_INFO}, {catalogue.CLUSTER})")
    assert "local" in clusters, f"the $cluster variable offers {clusters}, not the local platform"
    return {"cluster": "local", "namespace": ".*", "__rate_interval": RATE_INTERVAL, "__interval": "1s"}


def _has_number(result: list[dict[str, Any]]) -> bool:
    samples = [s["value"] for s in result if "value" in s] + [v for s in result for v in s.get("values", [])]
    return any(not math.isnan(float(value)) for _, value in samples)


# --- Tests: dashboards -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", VARIABLES, ids=lambda q: q.id)
async def test_every_dashboard_variable_query_parses(query: Query, prometheus: Prometheus) -> None:
    await _label_values(prometheus, expand(query.target["variable"], {"cluster": "local"}))


@pytest.mark.parametrize("query", PROMQL, ids=lambda q: q.id)
async def test_every_panel_query_returns_data(query: Query, prometheus: Prometheus, variables: dict[str, str]) -> None:
    expr = ""
    body: dict[str, Any] = {}

    async def answered() -> bool:
        nonlocal expr, body
        now = time.time()
        values = {**variables, "__range": f"{int(now - prometheus.started) + 1}s"}
        expr = expand(query.target["expr"], values)
        if query.target.get("instant"):
            body = await prometheus.api("query", query=expr, time=now)
        else:
            body = await prometheus.api("query_range", query=expr, start=prometheus.started, end=now, step=1)
        assert body["status"] == "success", f"{query.id}: Prometheus refused\n  {expr}\n  {body.get('error')}"
        return _has_number(body["data"]["result"])

    try:
        await eventually(answered, timeout=QUERY_WAIT_SECONDS, interval=1.0)
    except AssertionError:
        missing = await _missing_metrics(prometheus, expr)
        pytest.fail(
            f"{query.id}: no data within {QUERY_WAIT_SECONDS:.0f}s\n  query: {expr}\n"
            f"  metrics with no series at all: {missing or 'none (the selectors or labels match nothing)'}\n"
            f"  answer: {json.dumps(body)[:500]}"
        )
    # A part behind `or vector(0)` answers even when its metric is misnamed: every metric must exist.
    missing = await _missing_metrics(prometheus, expr)
    assert not missing, f"{query.id}: {missing} have no series\n  query: {expr}"


async def _missing_metrics(prom: Prometheus, expr: str) -> list[str]:
    names = set(re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr))
    missing = []
    for name in sorted(names):
        body = await prom.api("query", query=f"count({name})")
        if not body["data"]["result"]:
            missing.append(name)
    return missing


# --- Tests: rules ------------------------------------------------------------------------------------


async def test_the_rule_groups_load_and_evaluate_healthy(prometheus: Prometheus) -> None:
    expected = {group["name"]: len(group["rules"]) for group in yaml.safe_load(ALERTS_FILE.read_text())["groups"]}

    async def evaluated() -> list[dict[str, Any]]:
        groups: list[dict[str, Any]] = (await prometheus.api("rules"))["data"]["groups"]
        loaded = [rule for group in groups for rule in group["rules"]]
        return groups if loaded and all(rule["health"] != "unknown" for rule in loaded) else []

    groups = await eventually(evaluated, timeout=30, interval=0.5)
    assert {g["name"]: len(g["rules"]) for g in groups} == expected
    unhealthy = {r["name"]: r.get("lastError") for g in groups for r in g["rules"] if r["health"] != "ok"}
    assert not unhealthy, f"rules that failed to evaluate: {unhealthy}"


RULES = [*rules.ALERTS, *rules.RECORDS]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
async def test_every_rule_parses_and_reads_metrics_that_exist(
    rule: rules.Alert | rules.Record, prometheus: Prometheus
) -> None:
    body = await prometheus.api("query", query=rule.expr)
    assert body["status"] == "success", f"{rule.name}: Prometheus refused\n  {rule.expr}\n  {body.get('error')}"
    for metric in rule.metrics:
        assert metric in rule.expr, f"{rule.name} declares {metric} but its expression does not read it"
        source = "the kube-state-metrics stand-in" if metric in catalogue.KUBERNETES_ONLY else "the services"
        found = (await prometheus.api("query", query=f"count({metric})"))["data"]["result"]
        assert found, f"{rule.name} reads {metric}, which {source} do not export"


@pytest.mark.parametrize("alert", rules.ALERTS, ids=lambda a: a.name)
async def test_alerts_fire_exactly_when_this_traffic_says(alert: rules.Alert, prometheus: Prometheus) -> None:
    expected = EXPECTED_ALERTS[alert.name]

    async def firing() -> set[str]:
        result = (await prometheus.api("query", query=alert.expr))["data"]["result"]
        return {s["metric"].get("statefulset") or s["metric"].get(catalogue.CLUSTER, "") for s in result}

    if expected:
        assert await eventually(firing, timeout=QUERY_WAIT_SECONDS, interval=1.0) == expected
        states = await _alert_states(prometheus, alert.name)
        assert states and states <= {"pending", "firing"}, f"{alert.name} is not active in Prometheus: {states}"
    else:
        assert await firing() == set(), f"{alert.name} fires on a healthy platform"


async def _alert_states(prom: Prometheus, name: str) -> set[str]:
    async def active() -> set[str]:
        groups = (await prom.api("rules", type="alert"))["data"]["groups"]
        return {a["state"] for g in groups for r in g["rules"] if r["name"] == name for a in r.get("alerts", [])}

    return await eventually(active, timeout=QUERY_WAIT_SECONDS, interval=0.5)


@pytest.mark.parametrize("record", rules.RECORDS, ids=lambda r: r.name)
async def test_recording_rules_record_series(record: rules.Record, prometheus: Prometheus) -> None:
    async def recorded() -> list[Any]:
        result: list[Any] = (await prometheus.api("query", query=record.name))["data"]["result"]
        return result

    await eventually(recorded, timeout=QUERY_WAIT_SECONDS, interval=1.0)


# --- Tests: the stats API behind the Infinity panels -----------------------------------------------


def _stats_url(query: Query, busy: Busy) -> tuple[str, dict[str, str], dict[str, Any]]:
    target = query.target["variable"]["infinityQuery"] if "variable" in query.target else query.target
    now = datetime.now(UTC)
    values = {
        "room": busy.room_id,
        "step": "minute",
        "window": "day",
        "__from": (now - timedelta(hours=6)).isoformat(),
        "__to": (now + timedelta(minutes=1)).isoformat(),
    }
    params = {p["key"]: expand(p["value"], values) for p in target["url_options"]["params"]}
    return expand(target["url"], values), params, target


@pytest.mark.parametrize("query", STATS, ids=lambda q: q.id)
async def test_every_stats_api_panel_gets_rows_with_its_columns(query: Query, busy: Busy) -> None:
    url, params, target = _stats_url(query, busy)
    rows: list[dict[str, Any]] = []

    async def answered() -> bool:
        nonlocal rows
        response = await busy.alice.request("GET", url, params=params)
        assert response.status_code == 200, f"{query.id}: GET {url} {params} → {response.status_code} {response.text}"
        body = response.json()
        for key in filter(None, target["root_selector"].split(".")):
            body = body[key]
        rows = body
        return bool(rows)

    try:
        await eventually(answered, timeout=QUERY_WAIT_SECONDS, interval=1.0)
    except AssertionError:
        pytest.fail(f"{query.id}: GET {url} {params} returned no rows under {target['root_selector']!r}")
    for column in target["columns"]:
        values = [row.get(column["selector"]) for row in rows]
        assert all(v is not None for v in values), f"{query.id}: rows lack {column['selector']!r}: {rows[:3]}"
        if column["type"] == "number":
            assert all(isinstance(v, int | float) for v in values), f"{query.id}: {column['selector']} not numeric"
        if column["type"] == "timestamp":
            for value in values:
                datetime.fromisoformat(str(value))


# --- The Kubernetes example configuration ----------------------------------------------------------


def test_the_kubernetes_example_configuration_is_valid(tmp_path: Path) -> None:
    """promtool checks observability/prometheus/prometheus.yml with its rule file. Debian builds
    Prometheus without Kubernetes service discovery, so each `kubernetes_sd_configs` is swapped for
    a static target here; the relabelling, the rule file and everything else are checked as written."""
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    require(Path(promtool).exists(), "promtool is not installed (Debian: apt-get install prometheus)")
    example = yaml.safe_load((ROOT / "observability" / "prometheus" / "prometheus.yml").read_text())
    for job in example["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": ["127.0.0.1:9464"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(example))
    shutil.copy(ALERTS_FILE, tmp_path / "alerts.yaml")
    checked = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 10 rules found" in checked.stdout + checked.stderr
