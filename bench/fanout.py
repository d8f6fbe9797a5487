"""Live fan-out: deliveries per second and send→receive latency for ChatCluster's gateway against Centrifugo v6.9.1,
same load generator (bench/loadgen, Go), same machine, same run.

- project: nats-server and one gateway process (nothing else: the live path is gateway → NATS → gateway), a
  per-user send rate limit lifted and the member limit one above --users (the rooms' owner is not a member
  that connects). The generator creates and joins the rooms through the HTTP API, opens one `/v1/ws` socket per
  user, and sends with `send` frames from members' sockets. Users are written into the store with sessions and
  access tokens issued by the gateway's own functions (one argon2 hash shared by all), because signing 1,000 up
  through the API costs ~0.2 s of CPU each in argon2, minutes on two cores; `--signup api` does it anyway;
- baseline: Centrifugo v6.9.1 built from Go modules (bench/gobuild.py), memory engine, HMAC connection tokens,
  channels open to client subscribe and publish, the same users, rooms (channels) and rising rates, senders
  publishing from their own sockets.

Scenarios: one room of all --users members, and --rooms rooms of --room-members (each user in several). Figures:
the best deliveries/s whose p99 stayed at or under 100 ms with nothing lost, the server's CPU seconds per 1,000
deliveries there, and memory per idle socket (server RSS before and after the sockets connect). The two targets
take turns --rounds times; the report keeps each round and the medians.

Usage: .venv/bin/python bench/fanout.py [--users 1000] [--rooms 100] [--room-members 100] [--rounds 3]
                                        [--rates 2000,5000,...] [--step-seconds 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gobuild import CENTRIFUGO_VERSION, ensure_centrifugo, ensure_loadgen
from harness import provision

from chatcluster.config import Settings
from chatcluster.supervisor import Supervisor, free_port, wait_for_port

DEFAULT_RATES = "1000,2000,3500,5000,7500,10000,15000,20000,30000,45000,70000,100000,150000"
TARGET_P99_MS = 100


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def loadgen_argv(args: argparse.Namespace, target: str, url: str, server: list[int], bus: list[int]) -> list[str]:
    return [
        str(ensure_loadgen()),
        f"--target={target}",
        f"--url={url}",
        f"--users={args.users}",
        f"--rooms={args.rooms}",
        f"--room-members={args.room_members}",
        f"--rates={args.rates}",
        f"--step-seconds={args.step_seconds}",
        f"--drain-seconds={args.drain_seconds}",
        f"--text-bytes={args.text_bytes}",
        f"--stop-p99-ms={args.stop_p99_ms}",
        f"--server-pid={','.join(map(str, server))}",
        f"--bus-pid={','.join(map(str, bus))}",
    ]


async def run_loadgen(argv: list[str]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(*argv, stdout=subprocess.PIPE)
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"loadgen exited with {process.returncode}: {' '.join(argv)}")
    found: dict[str, Any] = json.loads(out)
    return found


async def chatcluster_round(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    settings = Settings(
        data_dir=tmp,
        gateway_port=free_port(),
        nats_url=f"nats://127.0.0.1:{free_port()}",
        send_rate_per_second=1e9,
        send_burst=10**9,
        room_member_limit=args.users + 1,
        password_queue=args.users,  # sign-ups wait for the argon2 workers instead of answering 503
        access_token_ttl_seconds=3600,  # sockets are opened well after sign-up on a busy machine
    )
    platform = Supervisor(settings, services=("gateway",))
    await platform.start()
    try:
        gateway, nats = platform.children["gateway"].pid, platform.children["nats"].pid
        assert gateway is not None and nats is not None
        argv = loadgen_argv(args, "chatcluster", platform.gateway_url, [gateway], [nats])
        if args.signup == "store":
            tokens = tmp / "tokens.json"
            made = await provision(settings, ["fanout-owner", *(f"fanout{i}" for i in range(args.users))])
            tokens.write_text(json.dumps({"owner": made[0][1], "users": [token for _, token in made[1:]]}))
            argv.append(f"--tokens={tokens}")
        say(f"fan-out: ChatCluster gateway {platform.gateway_url} (pid {gateway}) ...")
        return await run_loadgen(argv)
    finally:
        await platform.stop()


def centrifugo_config(port: int, secret: str) -> dict[str, Any]:
    """Memory engine, loopback only, HMAC tokens, channels clients may subscribe and publish to, no phoning home."""
    return {
        "http_server": {"address": "127.0.0.1", "port": port},
        "log": {"level": "error"},
        "client": {"token": {"hmac_secret_key": secret}},
        "http_api": {"key": secrets.token_urlsafe(16)},
        "channel": {"without_namespace": {"allow_subscribe_for_client": True, "allow_publish_for_client": True}},
        "usage_stats": {"disabled": True},
    }


async def centrifugo_round(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    binary = ensure_centrifugo()
    port, secret = free_port(), secrets.token_urlsafe(32)
    config = tmp / "centrifugo.json"
    config.write_text(json.dumps(centrifugo_config(port, secret)))
    with (tmp / "centrifugo.log").open("ab") as log:
        server = subprocess.Popen([str(binary), "--config", str(config)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    try:
        await wait_for_port("127.0.0.1", port, timeout=30)
        say(f"fan-out: Centrifugo {CENTRIFUGO_VERSION} on 127.0.0.1:{port} (pid {server.pid}) ...")
        argv = [*loadgen_argv(args, "centrifugo", f"http://127.0.0.1:{port}", [server.pid], []), f"--secret={secret}"]
        return await run_loadgen(argv)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds of one target: memory per idle socket and, per scenario, the best rate under 100 ms."""
    scenarios: dict[str, dict[str, Any]] = {}
    for report in rounds:
        for scenario in report["scenarios"]:
            into = scenarios.setdefault(
                scenario["name"], {"best": [], "cpu": [], "p99": [], "peak": [], "stop": [], "cpu_all": []}
            )
            # What a delivery costs hardly depends on the rate: every step that delivered everything counts.
            into["cpu_all"] += [
                step["server_cpu_seconds_per_1000_deliveries"]
                for step in scenario["steps"]
                if step["delivered"] == step["expected_deliveries"] and step["delivered"]
            ]
            into["best"].append(scenario["best_deliveries_per_s_p99_under_100ms"])
            into["cpu"].append(scenario["best_step_server_cpu_seconds_per_1000_deliveries"])
            into["p99"].append(scenario["best_step_p99_ms"])
            into["peak"].append(scenario["peak_deliveries_per_s"])
            into["stop"].append(scenario["stop_reason"])
    return {
        "kb_per_idle_connection": median([r["idle"]["kb_per_idle_connection"] for r in rounds]),
        "scenarios": {
            name: {
                "best_deliveries_per_s_p99_under_100ms": median(v["best"]),
                "server_cpu_seconds_per_1000_deliveries": median(v["cpu"]),
                "server_cpu_seconds_per_1000_deliveries_all_steps": median(v["cpu_all"]),
                "p99_ms_at_best": median(v["p99"]),
                "peak_deliveries_per_s": median(v["peak"]),
                "stop_reasons": v["stop"],
            }
            for name, v in scenarios.items()
        },
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    ensure_loadgen()
    if "centrifugo" in args.targets:
        ensure_centrifugo()
    rounds: dict[str, list[dict[str, Any]]] = {"chatcluster": [], "centrifugo": []}
    started = time.monotonic()
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="chatcluster-bench-fanout-") as tmp:
            if "chatcluster" in args.targets:
                rounds["chatcluster"].append(await chatcluster_round(args, Path(tmp) / "chatcluster"))
            if "centrifugo" in args.targets:
                rounds["centrifugo"].append(await centrifugo_round(args, Path(tmp)))
    project, baseline = summarise(rounds["chatcluster"]), summarise(rounds["centrifugo"])
    result = {
        "users": args.users,
        "rounds": args.rounds,
        "seconds": time.monotonic() - started,
        "target_p99_ms": TARGET_P99_MS,
        "chatcluster": project,
        "centrifugo": baseline,
        "raw": rounds,
    }
    print(f"live fan-out, {args.users} sockets, median of {args.rounds} round(s); best deliveries/s with p99 ≤ 100 ms")
    for name, ours in project["scenarios"].items():
        theirs = baseline["scenarios"].get(name, {})
        best, reference = (
            ours["best_deliveries_per_s_p99_under_100ms"],
            theirs.get("best_deliveries_per_s_p99_under_100ms", 0),
        )
        print(
            f"  {name:<26} ChatCluster {best:9,.0f}/s ({ours['server_cpu_seconds_per_1000_deliveries']:.3f} CPU s per "
            f"1,000) | Centrifugo {CENTRIFUGO_VERSION} {reference:9,.0f}/s "
            f"({theirs.get('server_cpu_seconds_per_1000_deliveries', 0):.3f}) | ratio "
            f"{best / reference if reference else 0:5.2f}"
        )
    print(
        f"  memory per idle socket     ChatCluster {project['kb_per_idle_connection']:.1f} KB | Centrifugo "
        f"{baseline['kb_per_idle_connection']:.1f} KB"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


def parser() -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    found.add_argument("--users", type=int, default=1000, help="members, one socket each; all in the big room")
    found.add_argument("--rooms", type=int, default=100, help="rooms of the many-rooms scenario")
    found.add_argument("--room-members", type=int, default=100, help="members of each of those rooms")
    found.add_argument("--rates", default=DEFAULT_RATES, help="deliveries per second of each step")
    found.add_argument("--step-seconds", type=float, default=3.0)
    found.add_argument("--drain-seconds", type=float, default=3.0)
    found.add_argument("--text-bytes", type=int, default=120)
    found.add_argument("--stop-p99-ms", type=float, default=300.0, help="a scenario stops rising past this p99")
    found.add_argument("--rounds", type=int, default=3, help="each target this many times, taking turns")
    found.add_argument("--signup", choices=["store", "api"], default="store", help="how ChatCluster's users are made")
    found.add_argument("--targets", type=lambda v: v.split(","), default=["chatcluster", "centrifugo"])
    found.add_argument("--json", help="write the figures (and every step of every round) here")
    return found


if __name__ == "__main__":
    asyncio.run(main(parser().parse_args()))
