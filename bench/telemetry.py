"""What observability costs: the scorer + aggregator pipeline draining one backlog under three telemetry settings.

- baseline: `OTEL_SDK_DISABLED=true` (no metrics, no traces), the same code otherwise;
- metrics: the default (OpenTelemetry metrics served on /metrics, no tracing);
- tracing: metrics plus every message traced (100% sampling) and exported over OTLP/gRPC to a local sink
  that accepts and discards the spans (the collector's cost is not ours to measure).

Each setting gets a fresh NATS, store and backlog of the same messages, in the same run, so the ratios compare
like with like; the settings take turns for `--rounds` rounds and the median of each is reported, because two
cores shared by NATS and two Python processes make single runs noisy.
Usage: .venv/bin/python bench/telemetry.py [--messages 30000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from pipeline import backlogged, drain

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
    async with backlogged(count) as (platform, settings, _):
        with environment(env):  # drain() starts the scorer and the aggregator
            drained = await drain(platform, settings, count)
    return drained.warm_rate(count)


async def main(count: int, rounds: int) -> None:
    server = grpc.aio.server()
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(DiscardingSink(), server)
    sink = f"http://127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    await server.start()
    try:
        runs: dict[str, list[float]] = {name: [] for name in SETTINGS}
        for _ in range(rounds):
            for name, env in SETTINGS.items():
                resolved = {key: sink if value == "SINK" else value for key, value in env.items()}
                runs[name].append(await drain_rate(count, resolved))
    finally:
        await server.stop(grace=None)
    rates = {name: statistics.median(found) for name, found in runs.items()}
    baseline = rates["baseline (telemetry off)"]
    print(f"backlog {count:,d} messages through scorer + aggregator (warm rate, median of {rounds}, same run)")
    for name, rate in rates.items():
        spread = ", ".join(f"{r:,.0f}" for r in runs[name])
        print(f"{name:<28} {rate:8,.0f} msg/s  ratio to baseline {rate / baseline:5.2f}  (runs: {spread})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.rounds))
