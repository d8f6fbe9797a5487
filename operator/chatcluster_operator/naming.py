"""Names and labels of everything a ChatCluster owns, in one place.

Selector labels are a stable subset (name, instance, component): a Deployment's or StatefulSet's selector
is immutable, so it must never include anything that changes over the cluster's life, like the version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

GROUP = "chatcluster.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "ChatCluster"
PLURAL = "chatclusters"

PART_OF = "chatcluster"
MANAGED_BY = "chatcluster-operator"

NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
VERSION_LABEL = "app.kubernetes.io/version"
# Pods of the gateway and the JetStream consumers carry it: the `<name>-metrics` Service selects them for scraping.
METRICS_POD_LABEL = f"{GROUP}/metrics"
# Services a ServiceMonitor scrapes carry it.
METRICS_SERVICE_LABEL = f"{GROUP}/metrics-service"
# The apply layer creates objects with this annotation only when absent and never patches them.
CREATE_ONLY_ANNOTATION = f"{GROUP}/create-only"
# A hash of a mounted configuration on a pod template, so a configuration change rolls the pods.
CONFIG_HASH_ANNOTATION = f"{GROUP}/config-hash"
# A hash of the certificates a pod mounts: a renewed certificate rolls the pods one at a time onto it.
TLS_HASH_ANNOTATION = f"{GROUP}/tls-hash"


class Component(StrEnum):
    NATS = "nats"
    CASSANDRA = "cassandra"
    GATEWAY = "gateway"
    PERSISTER = "persister"
    SCORER = "scorer"
    AGGREGATOR = "aggregator"
    NOTIFIER = "notifier"
    MIGRATE = "migrate"


# The long-running components, in the order status reports them.
WORKLOADS: tuple[Component, ...] = (
    Component.NATS,
    Component.CASSANDRA,
    Component.GATEWAY,
    Component.PERSISTER,
    Component.SCORER,
    Component.AGGREGATOR,
    Component.NOTIFIER,
)
CONSUMERS: tuple[Component, ...] = (Component.PERSISTER, Component.SCORER, Component.AGGREGATOR, Component.NOTIFIER)


@dataclass(frozen=True)
class ClusterRef:
    """Which ChatCluster the objects belong to (namespace for placement, uid for the owner reference)."""

    name: str
    namespace: str
    uid: str


def app_name(component: Component) -> str:
    """app.kubernetes.io/name: the software a pod runs (third-party servers keep their own name)."""
    return component.value if component in (Component.NATS, Component.CASSANDRA) else PART_OF


def selector_labels(ref: ClusterRef, component: Component) -> dict[str, str]:
    return {NAME_LABEL: app_name(component), INSTANCE_LABEL: ref.name, COMPONENT_LABEL: component.value}


def labels(ref: ClusterRef, component: Component, version: str) -> dict[str, str]:
    return {
        **selector_labels(ref, component),
        PART_OF_LABEL: PART_OF,
        MANAGED_BY_LABEL: MANAGED_BY,
        VERSION_LABEL: version,
    }


def instance_labels(ref: ClusterRef) -> dict[str, str]:
    """Every object of one ChatCluster carries these: what a prune or a `kubectl get -l` selects on."""
    return {INSTANCE_LABEL: ref.name, PART_OF_LABEL: PART_OF, MANAGED_BY_LABEL: MANAGED_BY}


def selector(ref: ClusterRef) -> str:
    """A label selector (`kubectl -l` syntax) matching every object of one ChatCluster."""
    return ",".join(f"{key}={value}" for key, value in instance_labels(ref).items())


def workload_name(ref: ClusterRef, component: Component) -> str:
    """The StatefulSet or Deployment (and its Service, PDB, HPA) of a component: `<name>-<component>`."""
    return f"{ref.name}-{component.value}"


def nats_headless(ref: ClusterRef) -> str:
    return f"{ref.name}-nats-headless"


def nats_config(ref: ClusterRef) -> str:
    return f"{ref.name}-nats-config"


def metrics_service(ref: ClusterRef) -> str:
    return f"{ref.name}-metrics"


def nats_credentials(ref: ClusterRef) -> str:
    return f"{ref.name}-nats-credentials"


def cassandra_credentials(ref: ClusterRef) -> str:
    return f"{ref.name}-cassandra-credentials"


def token_key(ref: ClusterRef) -> str:
    return f"{ref.name}-token-key"


def ca_secret(ref: ClusterRef) -> str:
    """The CA that signs every leaf certificate of one ChatCluster (its key never leaves this Secret)."""
    return f"{ref.name}-ca"


def tls_secret(ref: ClusterRef, component: Component) -> str:
    """A component's leaf certificate, key and the CA certificate (tls.crt, tls.key, ca.crt)."""
    return f"{ref.name}-{component.value}-tls"


def gateway_headless(ref: ClusterRef) -> str:
    """The gateway StatefulSet's governing Service (per-pod DNS names), apart from its public Service."""
    return f"{ref.name}-gateway-headless"


def migrate_job(ref: ClusterRef, content: str) -> str:
    """Jobs are immutable: a new name for every distinct pod template (so per version), 8 hex digits."""
    return f"{ref.name}-migrate-{short_hash(content)}"


def dashboard_config_map(ref: ClusterRef, file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0].lower()
    slug = "".join(ch if ch.isalnum() else "-" for ch in stem).strip("-") or "dashboard"
    return f"{ref.name}-dashboard-{slug}"[:253].rstrip("-")


def pod_dns(ref: ClusterRef, statefulset: str, service: str, ordinal: int) -> str:
    """A StatefulSet pod's stable DNS name. `<pod>.<service>.<namespace>.svc` resolves through the pod's
    search path whatever the cluster domain is (cluster.local is only the default)."""
    return f"{statefulset}-{ordinal}.{service}.{ref.namespace}.svc"


def service_dns(ref: ClusterRef, service: str) -> str:
    return f"{service}.{ref.namespace}.svc"


def short_hash(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()[:8]
