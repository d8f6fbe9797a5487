"""What observability costs: the scorer + aggregator pipeline draining one backlog under three telemetry settings.

- baseline: `OTEL_SDK_DISABLED=true` (no metrics, no traces), the same code otherwise;
- metrics: the default (OpenTelemetry metrics served on /metrics, no tracing);
- tracing: metrics plus every message traced (100% sampling) and exported over OTLP/gRPC to a local sink
  that accepts and discards the spans (the collector's cost is not ours to measure).

Each setting gets a fresh NATS, store and backlog of the same messages, in the same run, so the ratios compare
like with like. Usage: .venv/bin/python bench/telemetry.py [--messages 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import nats
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from pipeline import MODEL_HOME, backlog, publish_all

from chatcluster.bus import ensure_streams
from chatcluster.config import Settings
from chatcluster.store import open_store
from chatcluster.supervisor import Supervisor, free_port

SETTINGS = {
    "baseline (telemetry off)": {"OTEL_SDK_DISABLED": "true"},
    "metrics (the default)": {},
    # Traces only over OTLP, as the operator configures pods (metrics stay on /metrics).
    "metrics + tracing 100%": {"OTEL_EXPORTER_OTLP_ENDPOINT": "SINK", "OTEL_METRICS_EXPORTER": "none"},
}


class DiscardingSink(trace_service_pb2_grpc.TraceServiceServicer):
    async def Export(
        self, _request: trace_service_pb2.ExportTraceServiceRequest, _context: object
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        return trace_service_pb2.ExportTraceServiceResponse()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The supervisor hands its own environment to the services it starts."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def drain_rate(count: int, env: dict[str, str]) -> float:
    """Warm messages per second through scorer + aggregator (after the first batch is counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), model_home=MODEL_HOME, nats_url=f"nats://127.0.0.1:{free_port()}")
        platform = Supervisor(settings, services=())
        await platform.start()
        try:
            nc = await nats.connect(settings.nats_url)
            js = nc.jetstream(timeout=30)
            await ensure_streams(js, settings)
            await publish_all(js, backlog(count))
            await nc.close()
            store = await open_store(settings)
            with environment(env):
                await platform.start_service("scorer")
                await platform.start_service("aggregator")
            first: tuple[float, int] | None = None
            while True:
                rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
                done = rows[0].count if rows else 0
                if done and first is None:
                    first = (time.perf_counter(), done)
                if done >= count:
                    break
                await asyncio.sleep(0.1)
            finished = time.perf_counter()
            await store.close()
        finally:
            await platform.stop()
    assert first is not None
    return (count - first[1]) / max(finished - first[0], 1e-9)


async def main(count: int) -> None:
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(DiscardingSink(), server)
    sink = f"http://127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    await server.start()
    try:
        rates = {}
        for name, env in SETTINGS.items():
            resolved = {key: sink if value == "SINK" else value for key, value in env.items()}
            rates[name] = await drain_rate(count, resolved)
    finally:
        await server.stop(grace=None)
    baseline = rates["baseline (telemetry off)"]
    print(f"backlog {count:,d} messages through scorer + aggregator (warm rate, same run)")
    for name, rate in rates.items():
        print(f"{name:<28} {rate:10,.0f} msg/s   ratio to baseline {rate / baseline:5.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().messages))
