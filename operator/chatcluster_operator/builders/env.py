"""The environment every ChatCluster service container gets, and the pod pieces they share.

Services read `CHATCLUSTER_*` variables (chatcluster.config.Settings) and the standard `OTEL_*` ones. Passwords
come from the Secrets and are spliced into the URLs by Kubernetes' dependent variable expansion: `$(NAME)` in a
value refers to a variable defined *earlier* in the list, so the credential variables come first.
"""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.meta import field_env, secret_env
from chatcluster_operator.builders.secrets import PASSWORD_KEY, TOKEN_KEY, USERNAME_KEY
from chatcluster_operator.naming import (
    CONSUMERS,
    ClusterRef,
    Component,
    cassandra_credentials,
    nats_credentials,
    service_dns,
    tls_secret,
    token_key,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec

NATS_CLIENT_PORT = 4222
CQL_PORT = 9042
GATEWAY_PORT = 8000
METRICS_PORT = 9464  # every service serves /metrics here, the gateway too: its API port does not answer /metrics
KEYSPACE = "chatcluster"
SMTP_URL_KEY = "url"  # the key of the notifier's SMTP Secret holding smtp://user:password@host:port
DATA_DIR = "/var/lib/chatcluster/data"  # an emptyDir: the root filesystem is read-only
# The CA certificate the services verify NATS and Cassandra with (only ca.crt of the NATS leaf Secret is mounted).
TLS_DIR = "/etc/chatcluster/tls"
CA_PATH = f"{TLS_DIR}/ca.crt"


def nats_url(ref: ClusterRef) -> str:
    host = service_dns(ref, workload_name(ref, Component.NATS))
    return f"nats://$(NATS_USER):$(NATS_PASSWORD)@{host}:{NATS_CLIENT_PORT}"


def store_url(ref: ClusterRef, spec: ChatClusterSpec) -> str:
    # The headless Service resolves to every Cassandra pod; the driver takes all addresses as contact points.
    host = service_dns(ref, workload_name(ref, Component.CASSANDRA))
    query = f"rf={spec.cassandra.replication_factor}&dc={spec.cassandra.datacenter}&consistency=LOCAL_QUORUM"
    if spec.tls.enabled:
        query += f"&tls_ca={CA_PATH}"
    return f"cassandra://$(CASSANDRA_USERNAME):$(CASSANDRA_PASSWORD)@{host}:{CQL_PORT}/{KEYSPACE}?{query}"


def credential_env(ref: ClusterRef) -> list[dict[str, Any]]:
    return [
        secret_env("NATS_USER", nats_credentials(ref), USERNAME_KEY),
        secret_env("NATS_PASSWORD", nats_credentials(ref), PASSWORD_KEY),
        secret_env("CASSANDRA_USERNAME", cassandra_credentials(ref), USERNAME_KEY),
        secret_env("CASSANDRA_PASSWORD", cassandra_credentials(ref), PASSWORD_KEY),
    ]


def service_env(ref: ClusterRef, spec: ChatClusterSpec, component: Component) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        *credential_env(ref),
        # The pod's name, for logs and the telemetry resource (the gateway's worker id comes from its pod index).
        field_env("CHATCLUSTER_POD_NAME", "metadata.name"),
        {"name": "CHATCLUSTER_NATS_URL", "value": nats_url(ref)},
        {"name": "CHATCLUSTER_STORE_URL", "value": store_url(ref, spec)},
        secret_env("CHATCLUSTER_TOKEN_SECRET", token_key(ref), TOKEN_KEY),
        {"name": "CHATCLUSTER_CLUSTER_NAME", "value": ref.name},
        {"name": "CHATCLUSTER_DATA_DIR", "value": DATA_DIR},
        # JetStream stream replicas: one per nats-server, so a stream survives losing a minority of them.
        {"name": "CHATCLUSTER_STREAM_REPLICAS", "value": str(spec.nats.replicas)},
        *([{"name": "CHATCLUSTER_NATS_TLS_CA", "value": CA_PATH}] if spec.tls.enabled else []),
        {"name": "OTEL_SERVICE_NAME", "value": component.value},
        {
            "name": "OTEL_RESOURCE_ATTRIBUTES",
            "value": (
                f"service.instance.id=$(CHATCLUSTER_POD_NAME),k8s.pod.name=$(CHATCLUSTER_POD_NAME),"
                f"k8s.namespace.name={ref.namespace},service.version={spec.version}"
            ),
        },
    ]
    if spec.telemetry.otlp_endpoint:
        env.append({"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": spec.telemetry.otlp_endpoint})
        # Traces only: metrics are scraped from /metrics (annotations, ServiceMonitor); pushing them over OTLP
        # as well would land every series twice in a Prometheus the collector remote-writes to.
        env.append({"name": "OTEL_METRICS_EXPORTER", "value": "none"})
    if component is Component.GATEWAY:
        env += [
            {"name": "CHATCLUSTER_GATEWAY_HOST", "value": "0.0.0.0"},  # the image says so too; a pod must listen
            {"name": "CHATCLUSTER_GATEWAY_PORT", "value": str(GATEWAY_PORT)},
        ]
    if component is Component.GATEWAY or component in CONSUMERS:
        env += [
            {"name": "CHATCLUSTER_METRICS_HOST", "value": "0.0.0.0"},
            {"name": "CHATCLUSTER_METRICS_PORT", "value": str(METRICS_PORT)},
        ]
    if component is Component.SCORER:
        env.append({"name": "CHATCLUSTER_SENTIMENT_MODEL", "value": spec.scorer.model})
    if component is Component.NOTIFIER:
        env += notifier_env(spec)
    return env


def notifier_env(spec: ChatClusterSpec) -> list[dict[str, Any]]:
    """The digest emails' settings: the SMTP URL (credentials and all) from the Secret the spec names, key `url`;
    without `smtp` no digest is sent and the notification feeds work as ever."""
    notifier = spec.notifier
    env: list[dict[str, Any]] = [
        {"name": "CHATCLUSTER_DIGEST_SCAN_SECONDS", "value": str(notifier.digest_scan_seconds)}
    ]
    if notifier.smtp is not None:
        env += [
            secret_env("CHATCLUSTER_SMTP_URL", notifier.smtp.secret_name, SMTP_URL_KEY),
            {"name": "CHATCLUSTER_SMTP_FROM", "value": notifier.smtp.from_},
        ]
    return env


def scrape_annotations(port: int) -> dict[str, str]:
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}


def ca_volume(ref: ClusterRef, spec: ChatClusterSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, mounts) of the CA certificate when TLS is on: ca.crt alone, never a private key."""
    if not spec.tls.enabled:
        return [], []
    secret = {"secretName": tls_secret(ref, Component.NATS), "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    return [{"name": "tls-ca", "secret": secret}], [{"name": "tls-ca", "mountPath": TLS_DIR, "readOnly": True}]


def writable_volumes() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, mounts) for what a service writes despite its read-only root: its data dir and /tmp."""
    volumes = [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]
    mounts = [{"name": "data", "mountPath": DATA_DIR}, {"name": "tmp", "mountPath": "/tmp"}]
    return volumes, mounts
