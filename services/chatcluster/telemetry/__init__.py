"""The one telemetry setup every ChatCluster process shares: logs, traces and metrics.

- `logs`: `setup_logging(service)`, the log format of every process;
- `setup`: `setup_telemetry(service, settings)`, the OpenTelemetry providers (resource
  attributes, the Prometheus reader, OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set),
  and `serve_metrics(settings)` (the gateway instruments its FastAPI app itself: FastAPI stays
  under `chatcluster.gateway`);
- `instruments`: the catalogue of metric instruments, their names, units and buckets;
- `messaging`: spans and timings of NATS publishes, fetches and processing, with the W3C
  trace context carried in the NATS message headers;
- `stores`: one span per store call, applied where the store is opened.

This package imports only the OpenTelemetry API at module level; the SDK and exporters
load when `setup_telemetry` runs, so CLI commands that never call it stay fast.
"""

from chatcluster.telemetry.logs import setup_logging

__all__ = ["setup_logging"]
