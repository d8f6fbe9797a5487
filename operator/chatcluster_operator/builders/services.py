"""The ChatCluster services: the gateway (with its Service, autoscaler and disruption budget) and the four
JetStream consumers (persister, scorer, aggregator, notifier), all from one image with a different command.

The gateway is a StatefulSet, not a Deployment, although it keeps no state: it mints the Snowflake message ids,
and each replica needs a worker id no other live replica has. A StatefulSet's pod index is exactly that (a
Deployment's pods are interchangeable and briefly doubled during a rollout), handed to the process through the
downward API. The consumers mint nothing and stay Deployments."""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.env import (
    GATEWAY_PORT,
    METRICS_PORT,
    ca_volume,
    scrape_annotations,
    service_env,
    writable_volumes,
)
from chatcluster_operator.builders.meta import (
    SERVICE_UID,
    Manifest,
    container_security,
    object_meta,
    pod_basics,
    pod_disruption_budget,
    pod_security,
    resources,
    spread,
)
from chatcluster_operator.naming import (
    METRICS_POD_LABEL,
    TLS_HASH_ANNOTATION,
    ClusterRef,
    Component,
    gateway_headless,
    labels,
    selector_labels,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec, ServiceSpec

# The gateway closes WebSockets on SIGTERM; the pause lets endpoints drop the pod first, so no new client
# lands on a pod that is going away.
PRE_STOP_SLEEP_SECONDS = 5
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"  # set on StatefulSet pods since Kubernetes 1.28
WORKER_ID_ENV = {
    "name": "CHATCLUSTER_WORKER_ID",
    "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{POD_INDEX_LABEL}']"}},
}


def _part(spec: ChatClusterSpec, component: Component) -> ServiceSpec:
    parts: dict[Component, ServiceSpec] = {
        Component.GATEWAY: spec.gateway,
        Component.PERSISTER: spec.persister,
        Component.SCORER: spec.scorer,
        Component.AGGREGATOR: spec.aggregator,
        Component.NOTIFIER: spec.notifier,
    }
    return parts[component]


def _container(ref: ClusterRef, spec: ChatClusterSpec, component: Component) -> dict[str, Any]:
    _, mounts = writable_volumes()
    _, ca_mounts = ca_volume(ref, spec)
    container: dict[str, Any] = {
        "name": component.value,
        "image": spec.service_image,
        "imagePullPolicy": spec.image_pull_policy,
        # args, not command: the image has no ENTRYPOINT today, and args keeps working if one (tini) is added.
        "args": ["chatcluster", component.value],
        "env": service_env(ref, spec, component),
        "resources": resources(component, _part(spec, component).resources),
        "securityContext": container_security(),
        "volumeMounts": [*mounts, *ca_mounts],
    }
    if component is Component.GATEWAY:
        container["ports"] = [
            {"name": "http", "containerPort": GATEWAY_PORT},
            {"name": "metrics", "containerPort": METRICS_PORT},  # /metrics only; the Service does not expose it
        ]
        # /healthz answers 200 only while NATS and the store answer: right for readiness (take the pod out of
        # the Service), wrong for liveness (a store outage would restart every gateway at once). Liveness asks
        # /livez, which only says the process still answers.
        container["readinessProbe"] = {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        }
        container["livenessProbe"] = {
            "httpGet": {"path": "/livez", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 6,
        }
        # exec, not the `sleep` lifecycle action: that one needs Kubernetes 1.30+.
        container["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_SLEEP_SECONDS)]}}}
    else:
        # The consumers answer probes on their metrics port: live while the event loop turns (a wedged process is
        # restarted), ready while connected to NATS. A store outage fails neither: they hold and retry.
        container["ports"] = [{"name": "metrics", "containerPort": METRICS_PORT}]
        container["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": "metrics"}, "periodSeconds": 5}
        container["livenessProbe"] = {
            "httpGet": {"path": "/livez", "port": "metrics"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
    return container


def workload(ref: ClusterRef, spec: ChatClusterSpec, component: Component, tls_hash: str = "") -> Manifest:
    """The gateway's StatefulSet or a consumer's Deployment. `tls_hash` is `certificates.content_hash` of the
    Secret whose ca.crt the pods trust: a new CA rolls them."""
    replicas = _part(spec, component).replicas
    volumes, _ = writable_volumes()
    ca_volumes, _ = ca_volume(ref, spec)
    pod_labels = {**labels(ref, component, spec.version), METRICS_POD_LABEL: "true"}
    annotations = scrape_annotations(METRICS_PORT)
    if spec.tls.enabled:
        annotations[TLS_HASH_ANNOTATION] = tls_hash
    body: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(ref, component)},
        "revisionHistoryLimit": 3,
        "template": {
            "metadata": {"labels": pod_labels, "annotations": annotations},
            "spec": {
                **pod_basics(),
                "securityContext": pod_security(SERVICE_UID),
                "topologySpreadConstraints": spread(ref, component, strict=False),
                # Service links would inject e.g. CHATCLUSTER_GATEWAY_PORT=tcp://... for a cluster named
                # "chatcluster", which the services' settings would read as their own.
                "enableServiceLinks": False,
                "containers": [_container(ref, spec, component)],
                "volumes": [*volumes, *ca_volumes],
            },
        },
    }
    kind = "Deployment"
    if component is Component.GATEWAY:
        kind = "StatefulSet"
        body["serviceName"] = gateway_headless(ref)
        body["podManagementPolicy"] = "Parallel"  # ids come from the index, not from start order
        body["updateStrategy"] = {"type": "RollingUpdate"}
        body["template"]["spec"]["terminationGracePeriodSeconds"] = 30 + PRE_STOP_SLEEP_SECONDS
        body["template"]["spec"]["containers"][0]["env"].append(WORKER_ID_ENV)
    # With autoscaling the HPA owns spec.replicas: omitting it keeps server-side apply from resetting it.
    if not (component is Component.GATEWAY and spec.gateway.autoscaling.enabled):
        body = {"replicas": replicas, **body}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": object_meta(ref, workload_name(ref, component), component, spec.version),
        "spec": body,
    }


def gateway_service(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        # The public API only: metrics are scraped from the pods through the `<name>-metrics` Service.
        "metadata": object_meta(ref, workload_name(ref, Component.GATEWAY), Component.GATEWAY, spec.version),
        "spec": {
            "type": spec.gateway.service_type,
            "selector": selector_labels(ref, Component.GATEWAY),
            "ports": [{"name": "http", "port": GATEWAY_PORT, "targetPort": "http"}],
        },
    }


def gateway_headless_service(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    """The StatefulSet's governing Service: headless, so each gateway pod has its own DNS name
    (`<name>-gateway-<i>.<name>-gateway-headless`); clients keep using the load-balanced `<name>-gateway`."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(ref, gateway_headless(ref), Component.GATEWAY, spec.version),
        "spec": {
            "clusterIP": "None",
            "selector": selector_labels(ref, Component.GATEWAY),
            "ports": [{"name": "http", "port": GATEWAY_PORT, "targetPort": "http"}],
        },
    }


def consumer_disruption_budget(ref: ClusterRef, spec: ChatClusterSpec, component: Component) -> Manifest:
    return pod_disruption_budget(ref, component, workload_name(ref, component), spec.version)


def gateway_autoscaler(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    scaling = spec.gateway.autoscaling
    name = workload_name(ref, Component.GATEWAY)
    target = {"type": "Utilization", "averageUtilization": scaling.target_cpu_utilization_percentage}
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": object_meta(ref, name, Component.GATEWAY, spec.version),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": name},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": target},
                }
            ],
        },
    }


def gateway_disruption_budget(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    return pod_disruption_budget(ref, Component.GATEWAY, workload_name(ref, Component.GATEWAY), spec.version)
