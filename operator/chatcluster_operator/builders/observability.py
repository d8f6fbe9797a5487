"""What makes a ChatCluster observable: Grafana dashboards as ConfigMaps, the services' metrics Service and a
Prometheus Operator ServiceMonitor.

Pods also carry `prometheus.io/*` annotations, so a Prometheus using annotation-based discovery needs nothing
else; the ServiceMonitor is for the Prometheus Operator and is only built when its CRD exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from chatcluster_operator.builders.env import METRICS_PORT
from chatcluster_operator.builders.meta import Manifest, object_meta
from chatcluster_operator.naming import (
    COMPONENT_LABEL,
    INSTANCE_LABEL,
    METRICS_POD_LABEL,
    METRICS_SERVICE_LABEL,
    PART_OF,
    PART_OF_LABEL,
    ClusterRef,
    Component,
    dashboard_config_map,
    metrics_service,
)
from chatcluster_operator.spec import ChatClusterSpec

# The label and annotation the Grafana dashboard sidecar (kiwigrid k8s-sidecar, as in kube-prometheus-stack)
# watches for.
DASHBOARD_LABEL = "grafana_dashboard"
DASHBOARD_FOLDER_ANNOTATION = "grafana_folder"
SCRAPE_INTERVAL = "30s"


def dashboard_config_maps(ref: ClusterRef, spec: ChatClusterSpec, dashboards: Mapping[str, str]) -> list[Manifest]:
    """One ConfigMap per dashboard (file name → JSON text): a ConfigMap holds at most 1 MiB."""
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": object_meta(
                ref,
                dashboard_config_map(ref, file_name),
                Component.GATEWAY,
                spec.version,
                annotations={DASHBOARD_FOLDER_ANNOTATION: "ChatCluster"},
                extra_labels={DASHBOARD_LABEL: "1", COMPONENT_LABEL: "dashboards"},
            ),
            "data": {file_name: text},
        }
        for file_name, text in sorted(dashboards.items())
    ]


def pods_metrics_service(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    """The metrics port of every gateway and consumer pod. Headless: Prometheus scrapes every pod, which a
    load-balanced address would not let it do."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(
            ref,
            metrics_service(ref),
            Component.PERSISTER,
            spec.version,
            extra_labels={METRICS_SERVICE_LABEL: "true", COMPONENT_LABEL: "metrics"},
        ),
        "spec": {
            "clusterIP": "None",
            "selector": {INSTANCE_LABEL: ref.name, METRICS_POD_LABEL: "true"},
            "ports": [{"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"}],
        },
    }


def service_monitor(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    """Scrapes the `<name>-metrics` Service (port `metrics`), whose endpoints are every gateway and consumer pod."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": object_meta(
            ref, ref.name, Component.GATEWAY, spec.version, extra_labels={COMPONENT_LABEL: "metrics"}
        ),
        "spec": {
            "selector": {
                "matchLabels": {INSTANCE_LABEL: ref.name, PART_OF_LABEL: PART_OF, METRICS_SERVICE_LABEL: "true"}
            },
            "namespaceSelector": {"matchNames": [ref.namespace]},
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": SCRAPE_INTERVAL}],
            # Keep the component on every series, so dashboards can split by it.
            "podTargetLabels": [COMPONENT_LABEL],
        },
    }
