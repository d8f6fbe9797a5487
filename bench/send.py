"""Messages per second through `POST /v1/rooms/{id}/messages`, against raw JetStream publishes.

Both run in this process against one local nats-server, same machine, same run:
- project: concurrent HTTP senders through the gateway (auth, membership check,
  validation, Snowflake id, JetStream publish awaiting the PubAck), with the persister
  storing behind it;
- baseline: the same number of concurrent loops calling nats-py `js.publish` directly
  (the floor under what any gateway on this bus can do).

Usage: .venv/bin/python bench/send.py [--messages 5000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import nats

from chatcluster.client import ChatClient
from chatcluster.config import Settings
from chatcluster.supervisor import Supervisor, free_port


async def _timed(count: int, concurrency: int, one: object) -> float:
    counter = iter(range(count))

    async def loop() -> None:
        for i in counter:
            await one(i)  # type: ignore[operator]

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def main(messages: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            gateway_port=free_port(),
            nats_url=f"nats://127.0.0.1:{free_port()}",
            send_rate_per_second=1e9,
            send_burst=10**9,
        )
        platform = Supervisor(settings)
        await platform.start()
        try:
            async with ChatClient(platform.gateway_url) as client:
                await client.register("bencher", "correct horse battery")
                room = (await client.create_room("bench"))["room_id"]
                headers = {"Authorization": f"Bearer {client.token}"}
            # aiohttp as the load generator: httpx's own overhead caps near 300 req/s here.
            async with aiohttp.ClientSession(platform.gateway_url, headers=headers) as http:

                async def via_gateway(i: int) -> None:
                    body = {"text": f"benchmark message number {i} with a few words"}
                    async with http.post(f"/v1/rooms/{room}/messages", json=body) as response:
                        if response.status != 202:
                            raise RuntimeError(f"send failed: {response.status} {await response.text()}")

                await via_gateway(-1)
                project = await _timed(messages, concurrency, via_gateway)

            nc = await nats.connect(settings.nats_url)
            js = nc.jetstream()
            payload = b'{"text": "benchmark message with a few words"}' * 4

            async def raw(i: int) -> None:
                await js.publish("bench.raw", payload, headers={"Nats-Msg-Id": f"raw-{i}"})

            await js.add_stream(name="BENCH", subjects=["bench.raw"])
            baseline = await _timed(messages, concurrency, raw)
            await nc.close()
        finally:
            await platform.stop()

    print(f"sends via gateway      {project:10,.0f} msg/s  ({messages} messages, {concurrency} concurrent)")
    print(f"raw JetStream publish  {baseline:10,.0f} msg/s  (baseline, same run)")
    print(f"ratio                  {project / baseline:10.2f}  (gateway / raw)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.concurrency))
