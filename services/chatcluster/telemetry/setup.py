"""The OpenTelemetry setup every ChatCluster service runs once at start.

- Resource: `service.name` (the process's role, or `OTEL_SERVICE_NAME`), `service.version`,
  `service.instance.id` and `chatcluster.cluster.name` (`CHATCLUSTER_CLUSTER_NAME`);
  `OTEL_RESOURCE_ATTRIBUTES` may add to or override them.
- Metrics: always, through the OpenTelemetry SDK into the Prometheus client registry
  (`PrometheusMetricReader`), scraped at `/metrics`, every series labelled with
  `service_name` and `chatcluster_cluster_name` (and `target_info` carrying the whole
  resource); also pushed over OTLP/gRPC when
  `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._METRICS_ENDPOINT`) is set.
- Traces: exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
  `..._TRACES_ENDPOINT`) is set. Without one no tracer provider is installed: spans are the
  API's no-op ones and the messaging helpers skip span and header work, so an untraced
  platform pays nothing per message. `OTEL_TRACES_SAMPLER` works as usual.

`OTEL_SDK_DISABLED=true` turns both off; `/metrics` then shows only the process collectors.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chatcluster import __version__
from chatcluster.config import Settings
from chatcluster.telemetry import messaging
from chatcluster.telemetry.instruments import instruments

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics.view import View
    from opentelemetry.sdk.resources import Resource

log = logging.getLogger(__name__)

CLUSTER_NAME = "chatcluster.cluster.name"
# Resource attributes copied onto every Prometheus series (as `service_name`, `chatcluster_cluster_name`),
# so a dashboard can select a cluster and a service without joining `target_info`.
SERIES_RESOURCE_ATTRIBUTES = frozenset({"service.name", CLUSTER_NAME})
SEMCONV_OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"


def resource_attributes(service: str, cluster_name: str, instance_id: str) -> dict[str, str]:
    return {
        "service.name": service,
        "service.version": __version__,
        "service.instance.id": instance_id,
        CLUSTER_NAME: cluster_name,
    }


def otlp_signals(environ: Mapping[str, str]) -> tuple[bool, bool]:
    """(export traces, export metrics) over OTLP, from the standard OpenTelemetry variables."""

    def wanted(signal: str) -> bool:
        endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(
            f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT"
        )
        return bool(endpoint) and environ.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp").strip() != "none"

    return wanted("traces"), wanted("metrics")


def with_stable_http_semconv(opt_in: str | None) -> str:
    """`OTEL_SEMCONV_STABILITY_OPT_IN` with `http` added, so the FastAPI instrumentation
    records `http.server.request.duration` (seconds, `http.route`, `http.response.status_code`)."""
    values = [v.strip() for v in (opt_in or "").split(",") if v.strip()]
    if not {"http", "http/dup"} & set(values):
        values.append("http")
    return ",".join(values)


def build_resource(service: str, settings: Settings) -> Resource:
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource

    mine = resource_attributes(service, settings.cluster_name, f"{socket.gethostname()}:{os.getpid()}")
    # The standard variables win over our defaults, as everywhere in OpenTelemetry.
    return Resource.create(mine).merge(OTELResourceDetector().detect())


@dataclass(frozen=True)
class Telemetry:
    """What this process set up. The SDK flushes buffered spans and metrics at interpreter exit."""

    service: str
    traces_exported: bool = False
    metrics_exported: bool = False


_current: Telemetry | None = None


def setup_telemetry(service: str, settings: Settings) -> Telemetry:
    """Install the meter and tracer providers of this process; later calls return the first setup."""
    global _current
    if _current is not None:
        return _current
    os.environ[SEMCONV_OPT_IN] = with_stable_http_semconv(os.environ.get(SEMCONV_OPT_IN))
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        _current = Telemetry(service)
        return _current

    from opentelemetry import metrics, trace
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import AlwaysOffExemplarFilter, MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader

    resource = build_resource(service, settings)  # OTEL_SERVICE_NAME, if set, overrides the role
    export_traces, export_metrics = otlp_signals(os.environ)

    prometheus = PrometheusMetricReader(
        scope_info_enabled=False, resource_attribute_filter=SERIES_RESOURCE_ATTRIBUTES.__contains__
    )
    readers: list[MetricReader] = [prometheus]
    if export_metrics:
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
    # Exemplars (trace ids on histogram buckets) only reach a backend through OTLP; the Prometheus
    # text format drops them, so without OTLP metrics each measurement skips the exemplar check.
    exemplars = None if export_metrics or os.environ.get("OTEL_METRICS_EXEMPLAR_FILTER") else AlwaysOffExemplarFilter()
    metrics.set_meter_provider(
        MeterProvider(resource=resource, metric_readers=readers, views=_views(), exemplar_filter=exemplars)
    )

    if export_traces:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(tracer_provider)
        messaging.enable_tracing()

    instruments().prime(service)
    log.debug("telemetry for %s: traces %s, OTLP metrics %s", service, export_traces, export_metrics)
    _current = Telemetry(service, traces_exported=export_traces, metrics_exported=export_metrics)
    return _current


def _views() -> list[View]:
    """The HTTP body-size histograms are dropped (many series, little use); every other instrument
    keeps its default aggregation (views apply only to the instruments they match)."""
    from opentelemetry.sdk.metrics.view import DropAggregation, View

    return [
        View(instrument_name=f"http.server.{part}.body.size", aggregation=DropAggregation())
        for part in ("request", "response")
    ]


def serve_metrics(settings: Settings, probes: bool = True) -> bool:
    """Serve /metrics (and, with `probes`, a consumer's /livez and /readyz) on `metrics_host:metrics_port` from
    daemon threads, for the process's lifetime. Every service, the gateway too, serves its metrics on this port
    of its own, never on a public one. A port already taken is logged, not fatal: the pipeline matters more than
    its gauges."""
    if settings.metrics_port == 0:
        return False
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from prometheus_client import make_wsgi_app

    from chatcluster.telemetry.health import HEALTH

    metrics = make_wsgi_app()
    # The gateway answers its probes on its HTTP port; HEALTH is the consumers' event loop and NATS link.
    answers = {"/livez": HEALTH.live, "/readyz": HEALTH.ready} if probes else {}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        probe = answers.get(environ.get("PATH_INFO", ""))
        if probe is None:
            return metrics(environ, start_response)
        ok, reason = probe()
        start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
        return [reason.encode()]

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # every scrape and probe would log a line

    where = (settings.metrics_host, settings.metrics_port)
    try:
        server = make_server(*where, app, server_class=Server, handler_class=Quiet)
    except OSError as exc:
        log.error("cannot serve /metrics on %s:%s (%s); running without it", *where, exc)
        return False
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics at http://%s:%s/metrics", *where)
    return True
