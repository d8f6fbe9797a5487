"""Everything a ChatCluster should consist of, in the order to apply it.

Order matters on a first apply: configuration before the pods that mount it, Services before the StatefulSets
whose pods need their DNS names, the stores before the services that connect to them, the Deployments before
the autoscaler that targets one. Secrets are separate (`desired_secrets`): the apply layer creates them only when
absent and before anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chatcluster_operator.builders import cassandra, nats, observability, services
from chatcluster_operator.builders.meta import CASSANDRA_VERSION, NATS_VERSION, Manifest, pod_disruption_budget
from chatcluster_operator.builders.migrate import migration_job
from chatcluster_operator.builders.secrets import credential_secrets
from chatcluster_operator.naming import CONSUMERS, ClusterRef, Component, workload_name
from chatcluster_operator.spec import ChatClusterSpec


def desired_objects(
    ref: ClusterRef,
    spec: ChatClusterSpec,
    *,
    dashboards: Mapping[str, str] | None = None,
    service_monitor_crd: bool = False,
) -> list[Manifest]:
    """All non-secret objects. `spec` is the effective spec (after `decisions.decide`); `dashboards` maps a file
    name to its JSON; `service_monitor_crd` says whether monitoring.coreos.com/v1 ServiceMonitor is served."""
    objects: list[Manifest] = [
        nats.config_map(ref, spec),
        *nats.services(ref),
        cassandra.service(ref),
        services.gateway_service(ref, spec),
        observability.pods_metrics_service(ref, spec),
        nats.statefulset(ref, spec),
        cassandra.statefulset(ref, spec),
        migration_job(ref, spec),
        services.workload(ref, spec, Component.GATEWAY),
        *(services.workload(ref, spec, component) for component in CONSUMERS),
    ]
    if spec.gateway.autoscaling.enabled:
        objects.append(services.gateway_autoscaler(ref, spec))
    objects += [
        pod_disruption_budget(ref, Component.NATS, workload_name(ref, Component.NATS), NATS_VERSION),
        pod_disruption_budget(ref, Component.CASSANDRA, workload_name(ref, Component.CASSANDRA), CASSANDRA_VERSION),
        services.gateway_disruption_budget(ref, spec),
        *observability.dashboard_config_maps(ref, spec, dashboards or {}),
    ]
    if service_monitor_crd and spec.telemetry.metrics.service_monitor:
        objects.append(observability.service_monitor(ref, spec))
    return objects


def desired_secrets(ref: ClusterRef, spec: ChatClusterSpec, new_secret: Callable[[], str]) -> list[Manifest]:
    """The credentials Secrets, each annotated create-only; `new_secret` makes one fresh URL-safe secret."""
    return credential_secrets(ref, spec, new_secret)
