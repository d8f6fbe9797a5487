"""docs/capacity.md from a benchmark report: what ChatCluster needs for the seed's peak, computed from the CPU seconds
per 1,000 messages and per 1,000 deliveries that `make bench` measured, so the plan moves when the code does.

The seed (001): 10 million daily users, a peak of 10,000 messages/s of 1 KB, 315 TB a year of storage, rooms of
up to 1,000 members, CPU (and RAM, disk) under 50%. What the seed does not say is an assumption, named in
ASSUMPTIONS and printed in the document beside every result that depends on it.

Usage: .venv/bin/python bench/capacity.py [bench/results/report.json] [--out docs/capacity.md]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

PEAK_MESSAGES_PER_S = 10_000
MESSAGE_BYTES = 1_000
STORAGE_TB_PER_YEAR = 315
DAILY_USERS = 10_000_000
ROOM_MEMBERS_MAX = 1_000
CPU_TARGET = 0.5

ASSUMPTIONS = {
    "online_share_at_peak": (0.10, "share of daily users holding a socket at the peak (1,000,000 sockets)"),
    "deliveries_per_message": (20, "online members a message reaches on average (DMs and small rooms dominate)"),
    "cassandra_rf": (3, "Cassandra replication factor"),
    "cassandra_tb_per_node": (4.0, "data per Cassandra node: an 8 TB disk kept under 50%"),
    "cassandra_cores_per_node": (16, "cores per Cassandra node"),
    "nats_cores_per_node": (8, "cores per NATS node"),
    "jetstream_replicas": (3, "JetStream stream replicas (R3): each message written by three servers"),
    "nats_copy_share": (
        0.25,
        "NATS CPU for one more core-NATS copy of a message (to one more gateway), as a share "
        "of its cost for a JetStream publish",
    ),
    "gateway_memory_gb": (4.0, "memory per gateway pod, kept under 50%"),
}
KNOBS = {
    "gateway": "gateway.replicas (or its HorizontalPodAutoscaler); per message: the fan-out path (a frame encoded "
    "once per room, bounded per-socket queues without a task per message)",
    "persister": "persister.replicas (same durable); CHATCLUSTER_CONSUMER_BATCH and batched store writes "
    "(on Cassandra: prepared statements instead of a statement per message in apply_events)",
    "scorer": "scorer.replicas (same durable); CHATCLUSTER_CONSUMER_BATCH (the model scores a batch at once)",
    "aggregator": "aggregator.replicas; CHATCLUSTER_CONSUMER_BATCH",
    "notifier": "notifier.replicas",
    "nats": "nats.replicas and, past one stream leader's core, the CHAT stream split by room hash",
}


def value(name: str) -> float:
    return float(ASSUMPTIONS[name][0])


def figures_of(report: dict[str, Any]) -> dict[str, Any]:
    return {b["name"]: b.get("figures") for b in report["benchmarks"] if b.get("figures")}


def cpu_inputs(report: dict[str, Any]) -> dict[str, Any]:
    """CPU seconds per 1,000 messages per service and per 1,000 deliveries for the gateway, one replica each."""
    found = figures_of(report)
    per_message: dict[str, float] = {}
    sources: dict[str, str] = {}
    send = found.get("send")
    if send:
        http = send["by_replicas"][0]["cpu_seconds_per_1000_messages"]["http"]
        for name, seconds in http.items():
            if name.startswith("load generator"):
                continue
            per_message[name] = seconds
            sources[name] = "bench/send.py (HTTP sends, consumers caught up)"
    pipeline = found.get("pipeline")
    if pipeline:
        # At the peak the consumers fetch full batches, as when draining a backlog: the pipeline figure is theirs.
        for name, seconds in pipeline["by_replicas"][0]["cpu_seconds_per_1000_messages"].items():
            if name != "nats":
                per_message[name] = seconds
                sources[name] = "bench/pipeline.py (100,000 backlog, full batches)"
    per_delivery = None
    fanout = found.get("fanout")
    if fanout:
        costs = [
            s.get("server_cpu_seconds_per_1000_deliveries_all_steps") or s["server_cpu_seconds_per_1000_deliveries"]
            for s in fanout["chatcluster"]["scenarios"].values()
        ]
        costs = [c for c in costs if c]
        per_delivery = max(costs) if costs else None
    return {
        "per_message": per_message,
        "sources": sources,
        "per_delivery": per_delivery,
        "kb_per_socket": fanout["chatcluster"]["kb_per_idle_connection"] if fanout else None,
        "fanout": fanout,
        "store": store_write_rate(report),
        "apply_events": apply_events_rate(report),
    }


def store_row(report: dict[str, Any]) -> dict[str, Any] | None:
    for bench in report["benchmarks"]:
        for row in bench.get("rows", []):
            if row["path"].startswith("Cassandra writes"):
                return dict(row)
    return None


def store_write_rate(report: dict[str, Any]) -> float | None:
    """Raw rows/s one 2-core Cassandra node took in bench/store.py (three rows a message)."""
    row = store_row(report)
    return float(row["baseline_value"]) * 3 if row else None


def apply_events_rate(report: dict[str, Any]) -> float | None:
    """Messages/s one caller of CassandraStore.apply_events wrote in bench/store.py: a persister's ceiling on
    Cassandra, whatever its own CPU."""
    row = store_row(report)
    return float(row["chatcluster"]) if row else None


def plan(report: dict[str, Any]) -> dict[str, Any]:
    inputs = cpu_inputs(report)
    peak = PEAK_MESSAGES_PER_S
    deliveries = peak * value("deliveries_per_message")
    sockets = DAILY_USERS * value("online_share_at_peak")
    services: dict[str, dict[str, float]] = {}
    for name, per_1000 in sorted(inputs["per_message"].items()):
        if name == "nats":
            continue
        cores = peak / 1000 * per_1000
        if name == "gateway" and inputs["per_delivery"]:
            cores += deliveries / 1000 * inputs["per_delivery"]
        services[name] = {"busy_cores": cores, "pods": max(2, math.ceil(cores / CPU_TARGET))}
    if inputs["apply_events"] and "persister" in services:
        # The pipeline benchmark's persister writes SQLite; on Cassandra one persister writes no faster than
        # apply_events did, so that rate sizes the persisters when it needs more of them than CPU does.
        by_rate = math.ceil(peak / inputs["apply_events"] / CPU_TARGET)
        services["persister"]["pods_cassandra"] = by_rate
    gateway_pods = services.get("gateway", {}).get("pods", 2)
    if inputs["kb_per_socket"]:
        memory_pods = math.ceil(sockets * inputs["kb_per_socket"] / 1e6 / (value("gateway_memory_gb") * CPU_TARGET))
        if "gateway" in services and memory_pods > services["gateway"]["pods"]:
            services["gateway"]["pods"] = memory_pods
            gateway_pods = memory_pods
    nats = {}
    if "nats" in inputs["per_message"]:
        # Every message reaches the gateways that hold one of its room's members: at most one copy per gateway.
        copies = min(value("deliveries_per_message"), gateway_pods)
        leader = peak / 1000 * inputs["per_message"]["nats"]
        total = leader * value("jetstream_replicas") + leader * copies * value("nats_copy_share")
        nats = {
            "leader_cores": leader,
            "busy_cores": total,
            "nodes": max(3, math.ceil(total / CPU_TARGET / value("nats_cores_per_node"))),
        }
    rf = value("cassandra_rf")
    stored_tb = STORAGE_TB_PER_YEAR * rf
    cassandra: dict[str, float] = {
        "tb_per_year": stored_tb,
        "nodes_storage": math.ceil(stored_tb / value("cassandra_tb_per_node")),
    }
    if inputs["store"]:
        rows_per_core = inputs["store"] / 2  # the benchmark's node had two cores
        write_cores = peak * 3 * rf / rows_per_core
        cassandra["write_cores"] = write_cores
        cassandra["nodes_writes"] = math.ceil(write_cores / CPU_TARGET / value("cassandra_cores_per_node"))
    cassandra["nodes"] = max(cassandra["nodes_storage"], cassandra.get("nodes_writes", 0))
    return {
        "inputs": inputs,
        "deliveries": deliveries,
        "sockets": sockets,
        "services": services,
        "nats": nats,
        "cassandra": cassandra,
    }


def breaking_order(p: dict[str, Any]) -> list[tuple[str, float]]:
    """Messages/s at which one pod of each service reaches 50% of a core: the smallest breaks first."""
    inputs = p["inputs"]
    limits = []
    for name, per_1000 in inputs["per_message"].items():
        if name == "nats":
            continue
        cost = per_1000
        if name == "gateway" and inputs["per_delivery"]:
            cost += value("deliveries_per_message") * inputs["per_delivery"]
        if cost > 0:
            limits.append((name, CPU_TARGET * 1000 / cost))
    if "nats" in inputs["per_message"] and inputs["per_message"]["nats"] > 0:
        limits.append(
            (
                "nats (the CHAT stream's leader, one node)",
                value("nats_cores_per_node") * CPU_TARGET * 1000 / inputs["per_message"]["nats"],
            )
        )
    return sorted(limits, key=lambda item: item[1])


def hot_room(p: dict[str, Any]) -> str:
    fanout = p["inputs"]["fanout"]
    if not fanout:
        return "not measured in this report"
    ours = fanout["chatcluster"]["scenarios"]
    name = next((n for n in ours if n.startswith("one room")), None)
    if name is None:
        return "not measured in this report"
    best = ours[name]["best_deliveries_per_s_p99_under_100ms"]
    members = ROOM_MEMBERS_MAX
    if not best:
        peak = ours[name]["peak_deliveries_per_s"]
        return (
            f"no rate held p99 ≤ 100 ms on one gateway process in this run; the most it delivered with nothing "
            f"lost was {peak:,.0f} deliveries/s, {peak / members:,.1f} messages/s into a room of {members:,}, at "
            "any latency. Spread over G gateways a room takes G times that, since each gateway sends only to its "
            "own sockets"
        )
    return (
        f"one gateway process delivered {best:,.0f} deliveries/s to a room of {members:,} members at p99 ≤ 100 ms, "
        f"so a single room whose members all sit on one gateway takes {best / members:,.0f} messages/s; spread over "
        f"G gateways it takes G times that, since each gateway sends only to its own sockets"
    )


def document(report: dict[str, Any]) -> str:
    p = plan(report)
    inputs = p["inputs"]
    lines = [
        "# Capacity plan",
        "",
        "Generated by `bench/capacity.py` from `bench/results/report.json` (`make bench`, "
        f"{report['started']}, {report['machine']}); edit the script, not this file. Measured CPU is per process "
        "on this machine's cores; pods here are single-process Python pods of one core, sized to stay under "
        f"{CPU_TARGET:.0%} CPU as the seed asks.",
        "",
        "## The seed's load",
        "",
        f"- {PEAK_MESSAGES_PER_S:,} messages/s at peak, {MESSAGE_BYTES:,} bytes each; {STORAGE_TB_PER_YEAR} TB "
        f"a year; rooms up to {ROOM_MEMBERS_MAX:,} members; {DAILY_USERS:,} daily users.",
    ]
    lines += [f"- assumed: {text} = **{value(key):g}**" for key, (_, text) in ASSUMPTIONS.items()]
    lines += [
        f"- hence {p['deliveries']:,.0f} deliveries/s to {p['sockets']:,.0f} open sockets at the peak.",
        "",
        "## Measured inputs (one replica each)",
        "",
        "| service | CPU s per 1,000 messages | from |",
        "| --- | --- | --- |",
    ]
    for name, seconds in sorted(inputs["per_message"].items()):
        lines.append(f"| {name} | {seconds:.3f} | {inputs['sources'].get(name, '')} |")
    if inputs["per_delivery"] is not None:
        lines.append(f"| gateway, live fan-out | {inputs['per_delivery']:.3f} per 1,000 deliveries | bench/fanout.py |")
    if inputs["kb_per_socket"] is not None:
        lines.append(f"| gateway memory | {inputs['kb_per_socket']:.1f} KB per idle socket | bench/fanout.py |")
    if inputs["store"]:
        lines.append(f"| Cassandra node (2 cores) | {inputs['store']:,.0f} raw rows/s | bench/store.py |")
    lines += [
        "",
        "## What the peak needs",
        "",
        "| component | busy cores at the peak | pods or nodes (under 50%) |",
        "| --- | --- | --- |",
    ]
    for name, s in p["services"].items():
        pods = f"{s['pods']} pods"
        if "pods_cassandra" in s:
            pods += (
                f" on SQLite; **{s['pods_cassandra']:.0f}** on Cassandra, where one persister writes at most "
                f"{inputs['apply_events']:,.0f} msg/s (`apply_events` in bench/store.py)"
            )
        lines.append(f"| {name} | {s['busy_cores']:.1f} | {pods} |")
    if p["nats"]:
        n = p["nats"]
        lines.append(
            f"| NATS JetStream (R{value('jetstream_replicas'):g}) | {n['busy_cores']:.1f} "
            f"(the CHAT stream's leader alone: {n['leader_cores']:.1f}) | {n['nodes']} nodes of "
            f"{value('nats_cores_per_node'):g} cores |"
        )
    c = p["cassandra"]
    write = f"{c['write_cores']:.0f} cores of writes; " if "write_cores" in c else ""
    lines.append(
        f"| Cassandra (RF {value('cassandra_rf'):g}) | {write}{c['tb_per_year']:,.0f} TB a year stored | "
        f"{c['nodes']} nodes of {value('cassandra_cores_per_node'):g} cores ({c['nodes_storage']} for a year of "
        f"storage at {value('cassandra_tb_per_node'):g} TB each"
        + (f", {c['nodes_writes']} for the writes" if "nodes_writes" in c else "")
        + ") |"
    )
    total_pods = sum(s["pods"] for s in p["services"].values())
    lines += [
        "",
        f"ChatCluster's own pods: **{total_pods}** one-core pods. Storage, not CPU, sizes Cassandra: every year "
        "kept adds its nodes, so retention (a TTL on messages) is the knob that bounds it.",
        "",
        "## What breaks first as load grows",
        "",
        "Messages/s at which one pod of each service reaches 50% of its core (the gateway counting "
        f"{value('deliveries_per_message'):g} deliveries a message); the first row gives out first and its "
        "knob moves it:",
        "",
        "| component | messages/s per pod at 50% | knob |",
        "| --- | --- | --- |",
    ]
    order = breaking_order(p)
    if inputs["apply_events"]:
        order = sorted([*order, ("persister on Cassandra", inputs["apply_events"] * CPU_TARGET)], key=lambda x: x[1])
    for name, rate in order:
        knob = KNOBS.get(name.split(" ")[0], "")
        lines.append(f"| {name} | {rate:,.0f} | {knob} |")
    lines += [
        "",
        f"Rooms of {ROOM_MEMBERS_MAX:,}: {hot_room(p)}. Adding replicas raises the total but not what one gateway "
        "process delivers, which the fan-out work (encode once per room, no task per message) raises.",
        "",
        "Everything but the CHAT stream's leader scales out by replicas: each consumer's replicas share one "
        "durable, and each gateway receives only the rooms its sockets are in (NATS interest). One stream has one "
        "leader, which takes every write, so past its core the knob is more streams (subjects split by room hash).",
    ]
    return "\n".join(lines) + "\n"


def write_capacity(report: dict[str, Any], out: Path) -> None:
    out.write_text(document(report))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path, nargs="?", default=Path(__file__).parent / "results" / "report.json")
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "docs" / "capacity.md")
    args = parser.parse_args()
    write_capacity(json.loads(args.report.read_text()), args.out)
    print(f"wrote {args.out}")
