"""Messages per second through the gateway's two send paths, against raw JetStream publishes, with one and with two
replicas of the services, and the CPU each service spends per 1,000 messages.

Everything runs against one local platform per replica count (nats-server, gateway, persister, scorer, aggregator,
notifier; per-user send rate limit lifted), same machine, same run:
- HTTP: --concurrency loops, each a user of its own posting `POST /v1/rooms/{id}/messages` into its own room
  (answered 202 after the PubAck) with aiohttp;
- WebSocket: as many `/v1/ws` sockets of the same users, each sending a `send` frame and waiting for its `ack`
  (also after the PubAck) before the next; each socket also receives its own message, as a chat client does;
- baseline: as many concurrent loops calling nats-py `js.publish` (awaiting the PubAck) on a stream of its own:
  the floor under any gateway on this bus.
After each timed phase the benchmark waits until every durable consumer (persister, scorer, aggregator, notifier)
has acknowledged everything, and reads each process's CPU seconds (/proc/<pid>/stat): CPU seconds per 1,000
messages per service, the figure that sizes a cluster.

With `--replicas 1,2` the whole thing runs again with a second gateway (the loops split between the two), a
second persister and a second scorer on the same durables; on two cores a second replica cannot double anything,
so the ratio shows only that the work spreads. Each phase runs --rounds times in turn; figures are medians.

Usage: .venv/bin/python bench/send.py [--messages 5000] [--concurrency 32] [--rounds 3] [--replicas 1,2]
                                      [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import nats
from harness import Replicas, cpu_seconds, ensure_model, medians, per_thousand, provision, wait_drained, write_json

from chatcluster.config import Settings
from chatcluster.supervisor import Supervisor, free_port

DRAIN_TIMEOUT = 300.0


async def _timed(count: int, loops: list[Callable[[int], Awaitable[None]]]) -> float:
    """Messages per second when `loops` share `count` sends, each loop one send at a time."""
    counter = iter(range(count))

    async def loop(one: Callable[[int], Awaitable[None]]) -> None:
        for i in counter:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(loop(one) for one in loops))
    return count / (time.perf_counter() - started)


def shifted(send: Callable[[Any, int], Awaitable[None]], who: Any, offset: int) -> Callable[[int], Awaitable[None]]:
    """`send(who, i)` with i moved past the numbers earlier phases used (they are refs and message-id keys)."""

    async def one(i: int) -> None:
        await send(who, i + offset)

    return one


class Sender:
    """One user: its token, its room, which gateway it talks to, and (once opened) its socket."""

    def __init__(self, token: str, url: str) -> None:
        self.token, self.url, self.room = token, url, ""
        self.http: aiohttp.ClientSession | None = None
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def open(self, name: str) -> None:
        self.http = aiohttp.ClientSession(self.url, headers={"Authorization": f"Bearer {self.token}"})
        async with self.http.post("/v1/rooms", json={"name": name}) as response:
            self.room = (await response.json())["room_id"]
        self.socket = await self.http.ws_connect(f"/v1/ws?token={self.token}", max_msg_size=0)
        while json.loads((await self.socket.receive()).data).get("type") != "ready":
            pass

    async def post(self, i: int) -> None:
        assert self.http is not None
        body = {"text": f"benchmark message number {i} with a few words"}
        async with self.http.post(f"/v1/rooms/{self.room}/messages", json=body) as response:
            if response.status != 202:
                raise RuntimeError(f"send failed: {response.status} {await response.text()}")

    async def send_frame(self, i: int) -> None:
        assert self.socket is not None
        frame = {"type": "send", "room_id": self.room, "text": f"benchmark message number {i} with a few words"}
        await self.socket.send_str(json.dumps({**frame, "ref": i}))
        while True:
            message = await self.socket.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"socket closed while sending: {message.type} {message.data}")
            text = message.data
            if '"ack"' in text or '"error"' in text:  # most frames are the echoed events: skip them unparsed
                answer = json.loads(text)
                if answer.get("type") == "error":
                    raise RuntimeError(f"send refused: {text}")
                if answer.get("type") == "ack" and answer.get("ref") == i:
                    return

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.http is not None:
            await self.http.close()


async def one_platform(args: argparse.Namespace, replicas: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="chatcluster-bench-send-") as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            gateway_port=free_port(),
            nats_url=f"nats://127.0.0.1:{free_port()}",
            send_rate_per_second=1e9,
            send_burst=10**9,
            model_home=ensure_model(),
        )
        platform = Supervisor(settings)
        await platform.start()
        services = Replicas(platform)
        senders: list[Sender] = []
        nc = await nats.connect(settings.nats_url)
        try:
            if replicas > 1:
                await services.add(["gateway", "persister", "scorer"])
            urls = services.gateway_urls
            made = await provision(settings, [f"sender{i}" for i in range(args.concurrency)])
            senders = [Sender(token, urls[i % len(urls)]) for i, (_, token) in enumerate(made)]
            for i, sender in enumerate(senders):
                await sender.open(f"bench {i}")
            js = nc.jetstream(timeout=30)
            await js.add_stream(name="BENCH", subjects=["bench.raw"])
            payload = b'{"text": "benchmark message with a few words"}' * 4

            async def raw(i: int) -> None:
                await js.publish("bench.raw", payload, headers={"Nats-Msg-Id": f"raw-{i}"})

            for sender in senders:  # warm-up: each path once per sender
                await sender.post(-1)
                await sender.send_frame(-2)
            await wait_drained(js, DRAIN_TIMEOUT)
            runs: dict[str, list[dict[str, float]]] = {"http": [], "websocket": [], "raw": []}
            cpu: dict[str, list[dict[str, float]]] = {"http": [], "websocket": []}
            offset = 0
            for _ in range(args.rounds):
                for path, make in (("http", Sender.post), ("websocket", Sender.send_frame)):
                    before = {**services.cpu(), "load generator (this process)": cpu_seconds(os.getpid())}
                    rate = await _timed(args.messages, [shifted(make, s, offset) for s in senders])
                    await wait_drained(js, DRAIN_TIMEOUT)
                    after = {**services.cpu(), "load generator (this process)": cpu_seconds(os.getpid())}
                    cpu[path].append(per_thousand(before, after, args.messages))
                    runs[path].append({"rate": rate})
                    offset += args.messages
                raw_loops = [shifted(lambda _, i: raw(i), None, offset)] * len(senders)
                runs["raw"].append({"rate": await _timed(args.messages, raw_loops)})
                offset += args.messages
        finally:
            for sender in senders:
                await sender.close()
            await nc.close()
            await services.stop()
            await platform.stop()
    rates = {path: medians(found)["rate"] for path, found in runs.items()}
    return {
        "replicas": replicas,
        "gateways": len(urls),
        "rates": rates,
        "runs": {path: [run["rate"] for run in found] for path, found in runs.items()},
        "cpu_seconds_per_1000_messages": {path: medians(found) for path, found in cpu.items()},
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results = [await one_platform(args, replicas) for replicas in args.replicas]
    first = results[0]
    figures: dict[str, Any] = {
        "messages": args.messages,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "by_replicas": results,
        "http_msg_per_s": first["rates"]["http"],
        "websocket_msg_per_s": first["rates"]["websocket"],
        "raw_msg_per_s": first["rates"]["raw"],
        "http_ratio": first["rates"]["http"] / first["rates"]["raw"],
        "websocket_ratio": first["rates"]["websocket"] / first["rates"]["raw"],
    }
    print(f"{args.messages} messages a phase, {args.concurrency} concurrent, median of {args.rounds} rounds")
    for result in results:
        r, cpu = result["rates"], result["cpu_seconds_per_1000_messages"]
        print(f"[{result['replicas']} replica(s); {result['gateways']} gateway(s)]")
        print(f"  sends via HTTP         {r['http']:10,.0f} msg/s   ratio to raw {r['http'] / r['raw']:5.2f}")
        print(f"  sends via WebSocket    {r['websocket']:10,.0f} msg/s   ratio to raw {r['websocket'] / r['raw']:5.2f}")
        print(f"  raw JetStream publish  {r['raw']:10,.0f} msg/s   (baseline, same run)")
        for path in ("http", "websocket"):
            spent = ", ".join(f"{name} {seconds:.3f}" for name, seconds in sorted(cpu[path].items()))
            busy = r[path] * sum(cpu[path].values()) / 1000  # below the cores: the path waits, not computes
            print(f"  CPU s per 1,000 ({path}): {spent}; {busy:.2f} cores busy while sending")
    if len(results) > 1:
        one, two = results[0]["rates"], results[-1]["rates"]
        figures["scale_out"] = {path: two[path] / one[path] for path in ("http", "websocket")}
        print(
            f"scale-out {results[-1]['replicas']}/1 replicas: HTTP {figures['scale_out']['http']:.2f}x, "
            f"WebSocket {figures['scale_out']['websocket']:.2f}x (2 cores: CPU per message is the sizing figure)"
        )
    write_json(args.json, figures)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    parser.add_argument("--json", help="write the figures here")
    asyncio.run(main(parser.parse_args()))
