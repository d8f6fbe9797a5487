"""Runs every benchmark in bench/ one after the other and writes one report: bench/results/report.json (every
figure, each benchmark's own output and how long it took) and bench/results/report.md (a short table: each
ChatCluster figure beside its baseline from the same run, and the ratio), then docs/capacity.md from the report
(bench/capacity.py). This is what `make bench` runs.

Each benchmark runs in its own process with the sizes below (smaller than some defaults so the whole run stays
near half an hour on two cores); a benchmark that fails is recorded with its error and the others still run.
`--quick` shrinks every size further to check the harness itself in a few minutes (its figures mean little).

Usage: .venv/bin/python bench/report.py [--only fanout,send,...] [--quick] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).parent
ROOT = BENCH.parent
Row = dict[str, Any]


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    args: list[str]
    quick: list[str]
    json_output: bool = False  # takes --json PATH; otherwise its printed lines are read


BENCHMARKS = [
    Benchmark(
        "fanout",
        "fanout.py",
        [],
        [
            "--users",
            "200",
            "--rooms",
            "20",
            "--room-members",
            "20",
            "--rates",
            "2000,10000,30000",
            "--step-seconds",
            "2",
        ],
        json_output=True,
    ),
    Benchmark(
        "send",
        "send.py",
        ["--messages", "3000", "--rounds", "3"],
        ["--messages", "500", "--rounds", "1", "--concurrency", "8"],
        json_output=True,
    ),
    Benchmark("pipeline", "pipeline.py", ["--messages", "100000"], ["--messages", "10000"], json_output=True),
    Benchmark(
        "scorer", "scorer.py", ["--messages", "50000", "--repeats", "3"], ["--messages", "5000", "--repeats", "1"]
    ),
    Benchmark(
        "store",
        "store.py",
        ["--messages", "5000", "--reads", "500"],
        ["--messages", "500", "--reads", "50", "--history", "2000"],
    ),
    Benchmark(
        "rooms",
        "rooms.py",
        ["--messages", "100000", "--requests", "100", "--digests", "0"],
        ["--store", "sqlite", "--messages", "20000", "--requests", "20", "--digests", "0"],
    ),
    Benchmark("digests", "digests.py", ["--users", "500", "--rounds", "2"], ["--users", "50", "--rounds", "1"]),
    Benchmark(
        "telemetry", "telemetry.py", ["--messages", "20000", "--rounds", "3"], ["--messages", "3000", "--rounds", "1"]
    ),
    Benchmark(
        "search",
        "search.py",
        ["--messages", "100000", "--cassandra-messages", "20000", "--requests", "100"],
        ["--store", "sqlite", "--messages", "20000", "--requests", "20"],
    ),
]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def _find(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text, re.MULTILINE)
    if found is None:
        raise ValueError(f"no line matching {pattern!r}")
    return found


def row(path: str, ours: float, ours_unit: str, baseline: str, theirs: float, target: str = "", **extra: Any) -> Row:
    """One line of the table: higher is better for rates, so ratio = ours / theirs; latencies pass theirs/ours."""
    return {
        "path": path,
        "chatcluster": ours,
        "unit": ours_unit,
        "baseline": baseline,
        "baseline_value": theirs,
        "ratio": ours / theirs if theirs else None,
        "target": target,
        **extra,
    }


def fanout_rows(figures: dict[str, Any]) -> list[Row]:
    rows = []
    ours, theirs = figures["chatcluster"], figures["centrifugo"]
    for name, scenario in ours["scenarios"].items():
        reference = theirs["scenarios"].get(name, {})
        rows.append(
            row(
                f"live fan-out, {name}: deliveries/s at p99 ≤ 100 ms (`bench/fanout.py`, Go load generator)",
                scenario["best_deliveries_per_s_p99_under_100ms"],
                "deliveries/s",
                "Centrifugo v6.9.1, same generator and machine",
                reference.get("best_deliveries_per_s_p99_under_100ms", 0.0),
                "≥ 0.3",
                cpu_per_1000=scenario["server_cpu_seconds_per_1000_deliveries"],
                cpu_per_1000_all_steps=scenario.get("server_cpu_seconds_per_1000_deliveries_all_steps"),
                baseline_cpu_per_1000=reference.get("server_cpu_seconds_per_1000_deliveries"),
                stop=scenario["stop_reasons"],
                peak=scenario["peak_deliveries_per_s"],
                baseline_peak=reference.get("peak_deliveries_per_s"),
                baseline_stop=reference.get("stop_reasons"),
            )
        )
        rows.append(
            row(
                f"live fan-out, {name}: peak deliveries/s with nothing lost, any latency",
                scenario["peak_deliveries_per_s"],
                "deliveries/s",
                "Centrifugo v6.9.1 (bounded by the generator sharing the 2 cores)",
                reference.get("peak_deliveries_per_s", 0.0),
            )
        )
    rows.append(
        {
            "path": "memory per idle WebSocket (server RSS before/after 1,000 sockets)",
            "chatcluster": ours["kb_per_idle_connection"],
            "unit": "KB",
            "baseline": "Centrifugo v6.9.1",
            "baseline_value": theirs["kb_per_idle_connection"],
            "ratio": None,
            "target": "≤ 50 KB",
        }
    )
    return rows


def send_rows(figures: dict[str, Any]) -> list[Row]:
    raw = figures["raw_msg_per_s"]
    rows = [
        row(
            "`POST /v1/rooms/{id}/messages`, answered after the PubAck (`bench/send.py`)",
            figures["http_msg_per_s"],
            "msg/s",
            "raw nats-py JetStream publish, same concurrency",
            raw,
            "≥ 0.2",
        ),
        row(
            "WebSocket `send` frame, acked after the PubAck (`bench/send.py`)",
            figures["websocket_msg_per_s"],
            "msg/s",
            "raw nats-py JetStream publish, same concurrency",
            raw,
            "≥ 0.35",
        ),
    ]
    if "scale_out" in figures:
        two = figures["by_replicas"][-1]["rates"]
        one = figures["by_replicas"][0]["rates"]
        for path in ("http", "websocket"):
            rows.append(
                row(
                    f"send via {path}, two replicas (gateway, persister, scorer) against one",
                    two[path],
                    "msg/s",
                    "one replica, same run",
                    one[path],
                    "shown, not claimed",
                )
            )
    return rows


def pipeline_rows(figures: dict[str, Any]) -> list[Row]:
    first = figures["by_replicas"][0]
    rows = [
        row(
            f"persister + scorer + aggregator draining a {figures['messages']:,} backlog (`bench/pipeline.py`)",
            first["warm_msg_per_s"],
            "msg/s",
            "a bare fetch+ack consumer",
            first["bare_msg_per_s"],
            "≥ 0.65",
        )
    ]
    if "scale_out" in figures:
        two = figures["by_replicas"][-1]
        rows.append(
            row(
                "pipeline, two persisters and two scorers against one",
                two["warm_msg_per_s"],
                "msg/s",
                "one of each, same run",
                first["warm_msg_per_s"],
                "shown, not claimed",
            )
        )
    return rows


def scorer_rows(text: str) -> list[Row]:
    ours = number(_find(r"^project\s+([\d,]+) msg/s/core", text)[1])
    theirs = number(_find(r"^VADER\s+([\d,]+) msg/s/core", text)[1])
    return [row("sentiment scoring per core (`bench/scorer.py`)", ours, "msg/s/core", "VADER, same messages", theirs)]


def store_rows(text: str) -> list[Row]:
    ours = number(_find(r"^apply_events\s+([\d,]+) msg/s", text)[1])
    theirs = number(_find(r"^raw execute_concurrent\s+([\d,]+) msg/s", text)[1])
    page = number(_find(r"^history page\s+p50\s+([\d.]+) ms", text)[1])
    raw_page = number(_find(r"^raw page SELECTs\s+p50\s+([\d.]+) ms", text)[1])
    return [
        row(
            "Cassandra writes through `apply_events` (`bench/store.py`)",
            ours,
            "msg/s",
            "raw cassandra-driver execute_concurrent, same rows",
            theirs,
        ),
        {
            **row("Cassandra history page p50 (`bench/store.py`)", page, "ms", "raw page SELECTs", raw_page),
            "ratio": raw_page / page if page else None,
        },
    ]


def latency_lines(text: str, pattern: str, label: str, baseline: str) -> list[Row]:
    rows = []
    for found in re.finditer(pattern, text, re.MULTILINE):
        what, ours, theirs = " ".join(found["what"].split()), number(found["ours"]), number(found["theirs"])
        rows.append(
            {**row(f"{label} {what} p50", ours, "ms", baseline, theirs), "ratio": theirs / ours if ours else None}
        )
    return rows


def rooms_rows(text: str) -> list[Row]:
    pattern = (
        r"^(?P<what>\w+\s+(?:away|caught up))\s+GET /v1/rooms p50\s+(?P<ours>[\d.]+) ms"
        r".*?plain list p50\s+(?P<theirs>[\d.]+) ms"
    )
    return latency_lines(text, pattern, "`GET /v1/rooms` (`bench/rooms.py`),", "the plain room list, same rooms")


def search_rows(text: str) -> list[Row]:
    """Across all the reader's rooms through the API, for the commonest word and for the needle (the two ends)."""
    pattern = r"^(?P<what>\w+\s+.+?)\s+search p50\s+(?P<ours>[\d.]+) ms.*?history p50\s+(?P<theirs>[\d.]+) ms"
    rows = latency_lines(text, pattern, "search (`bench/search.py`),", "a history page of the same room")
    return [r for r in rows if "all rooms" in r["path"] and ("common" in r["path"] or "needle" in r["path"])]


def digests_rows(text: str) -> list[Row]:
    ours = number(_find(r"notifier \(Notifier.scan_digests\)\s+([\d.,]+) digests/s", text)[1])
    theirs = number(_find(r"raw smtplib, one connection\s+([\d.,]+) emails/s", text)[1])
    found = row("digest emails (`bench/digests.py`)", ours, "digests/s", "raw smtplib sends, same server", theirs)
    return [{**found, "baseline_unit": "emails/s"}]


def telemetry_rows(text: str) -> list[Row]:
    baseline = number(_find(r"^baseline \(telemetry off\)\s+([\d,]+) msg/s", text)[1])
    rows = []
    for found in re.finditer(r"^(metrics.*?)\s+([\d,]+) msg/s\s+ratio to baseline", text, re.MULTILINE):
        rows.append(
            row(
                f"pipeline with {found[1].strip()} (`bench/telemetry.py`)",
                number(found[2]),
                "msg/s",
                "telemetry off, same run",
                baseline,
            )
        )
    return rows


JSON_ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "fanout": fanout_rows,
    "send": send_rows,
    "pipeline": pipeline_rows,
}
TEXT_ROWS: dict[str, Callable[[str], list[Row]]] = {
    "scorer": scorer_rows,
    "store": store_rows,
    "rooms": rooms_rows,
    "digests": digests_rows,
    "telemetry": telemetry_rows,
    "search": search_rows,
}


def run(bench: Benchmark, out: Path, quick: bool) -> dict[str, Any]:
    script = BENCH / bench.script
    if not script.exists():
        return {"name": bench.name, "skipped": f"{script} does not exist"}
    argv = [sys.executable, str(script), *(bench.quick if quick else bench.args)]
    figures_path = out / f"{bench.name}.json"
    if bench.json_output:
        argv += ["--json", str(figures_path)]
    print(f"== {bench.name}: {' '.join(argv[1:])}", file=sys.stderr, flush=True)
    started = time.monotonic()
    with (out / f"{bench.name}.log").open("w") as log:
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, check=False)
    seconds = time.monotonic() - started
    (out / f"{bench.name}.txt").write_text(done.stdout)
    print(done.stdout, file=sys.stderr, flush=True)
    result: dict[str, Any] = {
        "name": bench.name,
        "argv": argv[1:],
        "seconds": round(seconds, 1),
        "exit_code": done.returncode,
        "output": done.stdout,
    }
    if done.returncode != 0:
        tail = (out / f"{bench.name}.log").read_text().splitlines()[-15:]
        result["error"] = "\n".join(tail)
        return result
    try:
        if bench.json_output:
            result["figures"] = json.loads(figures_path.read_text())
            result["rows"] = JSON_ROWS[bench.name](result["figures"])
        elif bench.name in TEXT_ROWS:
            result["rows"] = TEXT_ROWS[bench.name](done.stdout)
    except (ValueError, KeyError) as exc:
        result["error"] = f"could not read its figures: {exc}"
    return result


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "ms" or abs(value) < 10:
        return f"{value:,.2f} {unit}".strip()
    return f"{value:,.0f} {unit}".strip()


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark report ({report['started']}, {report['machine']})",
        "",
        f"`make bench` took {report['seconds'] / 60:.1f} min. Every ChatCluster figure stands beside its baseline "
        "from the same run; ratio = ChatCluster / baseline for rates, baseline / ChatCluster for latencies "
        "(so above 1 is better for both).",
        "",
        "| path | ChatCluster | baseline (same run) | ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in report["benchmarks"]:
        for r in result.get("rows", []):
            lines.append(
                f"| {r['path']} | {fmt(r['chatcluster'], r['unit'])} | {r['baseline']}: "
                f"{fmt(r['baseline_value'], r.get('baseline_unit', r['unit']))} | {fmt(r['ratio'])} | "
                f"{r.get('target', '')} |"
            )
    cpu = cpu_table(report)
    if cpu:
        lines += ["", "CPU seconds per 1,000 messages (or deliveries), one replica, medians:", "", *cpu]
    problems = [r for r in report["benchmarks"] if "error" in r or "skipped" in r]
    if problems:
        lines += ["", "Not measured in this run:", ""]
        lines += [f"- {r['name']}: {r.get('skipped') or r['error'].splitlines()[-1]}" for r in problems]
    lines += ["", "| benchmark | seconds |", "| --- | --- |"]
    lines += [f"| {r['name']} | {r.get('seconds', 0):.0f} |" for r in report["benchmarks"]]
    return "\n".join(lines) + "\n"


def cpu_table(report: dict[str, Any]) -> list[str]:
    by_name = {r["name"]: r.get("figures") for r in report["benchmarks"]}
    lines = []
    send = by_name.get("send")
    if send:
        cpu = send["by_replicas"][0]["cpu_seconds_per_1000_messages"]
        for path, spent in cpu.items():
            lines.append(f"- send path ({path}): " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(spent.items())))
    pipeline = by_name.get("pipeline")
    if pipeline:
        spent = pipeline["by_replicas"][0]["cpu_seconds_per_1000_messages"]
        lines.append("- pipeline drain: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(spent.items())))
    fanout = by_name.get("fanout")
    if fanout:
        for target in ("chatcluster", "centrifugo"):
            found = fanout[target]["scenarios"]
            lines.append(
                f"- fan-out, {target} server per 1,000 deliveries (median over the steps that delivered everything): "
                + ", ".join(
                    f"{name} {s.get('server_cpu_seconds_per_1000_deliveries_all_steps', 0):.3f}"
                    for name, s in found.items()
                )
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=lambda v: v.split(","), help="these benchmarks only (names above)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness, not the speed")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--capacity", type=Path, default=ROOT / "docs" / "capacity.md")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    report: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start",
        "quick": args.quick,
        "benchmarks": [],
    }
    for bench in BENCHMARKS:
        if args.only and bench.name not in args.only:
            continue
        report["benchmarks"].append(run(bench, args.out, args.quick))
        report["seconds"] = time.monotonic() - started
        (args.out / "report.json").write_text(json.dumps(report, indent=2))
    report["seconds"] = time.monotonic() - started
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    (args.out / "report.md").write_text(table)
    print(table)
    from capacity import write_capacity

    write_capacity(report, args.capacity)
    print(f"wrote {args.out / 'report.json'}, {args.out / 'report.md'} and {args.capacity}", file=sys.stderr)


if __name__ == "__main__":
    main()
