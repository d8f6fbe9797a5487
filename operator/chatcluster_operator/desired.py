"""Everything a ChatCluster should consist of, in the order to apply it.

Order matters on a first apply: configuration before the pods that mount it, Services before the StatefulSets
whose pods need their DNS names, the stores before the services that connect to them, the Deployments before
the autoscaler that targets one. Secrets are separate (`desired_secrets`): the apply layer creates them only when
absent and before anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chatcluster_operator.builders import cassandra, nats, network, observability, services
from chatcluster_operator.builders.certificates import cert_manager_objects
from chatcluster_operator.builders.meta import CASSANDRA_VERSION, NATS_VERSION, Manifest, pod_disruption_budget
from chatcluster_operator.builders.migrate import migration_job
from chatcluster_operator.builders.secrets import credential_secrets
from chatcluster_operator.naming import CONSUMERS, ClusterRef, Component, tls_secret, workload_name
from chatcluster_operator.spec import ChatClusterSpec

# The key of `tls_hashes` holding the hash of the CA certificate alone.
CA_HASH_KEY = "ca"


def desired_objects(
    ref: ClusterRef,
    spec: ChatClusterSpec,
    *,
    dashboards: Mapping[str, str] | None = None,
    service_monitor_crd: bool = False,
    cert_manager: bool = False,
    tls_hashes: Mapping[str, str] | None = None,
) -> list[Manifest]:
    """All non-secret objects. `spec` is the effective spec (after `decisions.decide`); `dashboards` maps a file
    name to its JSON; `service_monitor_crd` says whether monitoring.coreos.com/v1 ServiceMonitor is served;
    `cert_manager` whether cert-manager issues the certificates; `tls_hashes` maps a certificate Secret's name to
    `certificates.content_hash` of its live data (the pods' TLS annotation)."""
    hashes = tls_hashes or {}
    nats_hash = hashes.get(tls_secret(ref, Component.NATS), "")
    cassandra_hash = hashes.get(tls_secret(ref, Component.CASSANDRA), "")
    objects: list[Manifest] = []
    if spec.network_policy.enabled:
        objects += network.network_policies(ref, spec)  # first: no pod runs a moment without its policy
    if spec.tls.enabled and cert_manager:
        objects += cert_manager_objects(ref, spec)
    objects += [
        nats.config_map(ref, spec),
        *nats.services(ref),
        cassandra.service(ref),
        services.gateway_service(ref, spec),
        services.gateway_headless_service(ref, spec),
        observability.pods_metrics_service(ref, spec),
        nats.statefulset(ref, spec, nats_hash),
        cassandra.statefulset(ref, spec, cassandra_hash),
        migration_job(ref, spec),
        # The services mount only the CA certificate: they roll when it changes, not with every renewal.
        services.workload(ref, spec, Component.GATEWAY, hashes.get(CA_HASH_KEY, "")),
        *(services.workload(ref, spec, c, hashes.get(CA_HASH_KEY, "")) for c in CONSUMERS),
    ]
    if spec.gateway.autoscaling.enabled:
        objects.append(services.gateway_autoscaler(ref, spec))
    objects += [
        pod_disruption_budget(ref, Component.NATS, workload_name(ref, Component.NATS), NATS_VERSION),
        pod_disruption_budget(ref, Component.CASSANDRA, workload_name(ref, Component.CASSANDRA), CASSANDRA_VERSION),
        services.gateway_disruption_budget(ref, spec),
        # maxUnavailable 1 also lets a drain evict a single-replica consumer: it holds no state.
        *(services.consumer_disruption_budget(ref, spec, c) for c in CONSUMERS),
        *observability.dashboard_config_maps(ref, spec, dashboards or {}),
    ]
    if service_monitor_crd and spec.telemetry.metrics.service_monitor:
        objects.append(observability.service_monitor(ref, spec))
    return objects


def desired_secrets(ref: ClusterRef, spec: ChatClusterSpec, new_secret: Callable[[], str]) -> list[Manifest]:
    """The credentials Secrets, each annotated create-only; `new_secret` makes one fresh URL-safe secret."""
    return credential_secrets(ref, spec, new_secret)
