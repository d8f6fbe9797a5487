"""The ChatCluster spec as typed, immutable models: the Python twin of `crds/chatcluster.dev_chatclusters.yaml`.

Field names are the CRD's camelCase (through aliases) and every default equals the CRD's default, so a
spec the API server has defaulted and a spec parsed here agree. A unit test walks the CRD and checks that
the two never drift. Validation that matters to users (replica ranges, immutability) lives in the CRD's
CEL rules, where `kubectl apply` reports it; these models only parse what the API server already accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Quantity = int | str


class CamelModel(BaseModel):
    # frozen: decisions derive an "effective" spec with model_copy(update=...), never by mutation.
    # extra="ignore": the API server prunes unknown fields already; a newer CRD must not break an older operator.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


class Resources(CamelModel):
    """Kubernetes resource requests and limits, e.g. {"cpu": "500m", "memory": "1Gi"}."""

    requests: dict[str, Quantity] = Field(default_factory=dict)
    limits: dict[str, Quantity] = Field(default_factory=dict)

    def manifest(self) -> dict[str, dict[str, Quantity]]:
        return {key: dict(value) for key, value in (("requests", self.requests), ("limits", self.limits)) if value}


# Patch releases, so a re-pulled pod never runs a different server than its siblings; the tests run these versions.
NATS_IMAGE = "nats:2.15.1-alpine"
CASSANDRA_IMAGE = "cassandra:5.0.9"


class NatsSpec(CamelModel):
    replicas: int = 3
    storage: str = "10Gi"
    image: str = NATS_IMAGE
    resources: Resources | None = None


class CassandraSpec(CamelModel):
    replicas: int = 3
    storage: str = "50Gi"
    replication_factor: int = 3
    datacenter: str = "dc1"
    heap: str = "1G"
    image: str = CASSANDRA_IMAGE
    resources: Resources | None = None


class Autoscaling(CamelModel):
    enabled: bool = False
    min_replicas: int = 2
    max_replicas: int = 10
    target_cpu_utilization_percentage: int = Field(default=70, alias="targetCPUUtilizationPercentage")


class ServiceSpec(CamelModel):
    """What every ChatCluster service (gateway, persister, scorer, aggregator, notifier) has."""

    replicas: int = 2
    resources: Resources | None = None


class GatewaySpec(ServiceSpec):
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    # NetworkPolicyPeer objects allowed to reach the public port; empty means from everywhere.
    allow_from: list[dict[str, Any]] = Field(default_factory=list)


class PersisterSpec(ServiceSpec):
    pass


class ScorerSpec(ServiceSpec):
    model: Literal["builtin", "vader"] = "builtin"


class AggregatorSpec(ServiceSpec):
    replicas: int = 1


class SmtpSpec(CamelModel):
    secret_name: str
    from_: str = Field(default="ChatCluster <chatcluster@localhost>", alias="from")


class NotifierSpec(ServiceSpec):
    replicas: int = 1
    smtp: SmtpSpec | None = None
    digest_scan_seconds: int = 30


class MetricsSpec(CamelModel):
    service_monitor: bool = False


class TelemetrySpec(CamelModel):
    otlp_endpoint: str | None = None
    metrics: MetricsSpec = Field(default_factory=MetricsSpec)


class MigrationSpec(CamelModel):
    """The schema migration Job (its Cassandra roles init container gets the same resources)."""

    resources: Resources | None = None


class NetworkPolicySpec(CamelModel):
    enabled: bool = True
    # Prometheus' namespace: the only one that may scrape the metrics ports (kubernetes.io/metadata.name).
    monitoring_namespace: str = "monitoring"
    # NetworkPolicyEgressRule objects added to the services' egress (an OTLP collector, an SMTP relay elsewhere).
    extra_egress: list[dict[str, Any]] = Field(default_factory=list)


class IssuerRef(CamelModel):
    name: str
    kind: Literal["Issuer", "ClusterIssuer"] = "Issuer"
    group: str = "cert-manager.io"


class TlsSpec(CamelModel):
    enabled: bool = True
    # auto: cert-manager when its CRDs are served, else the operator's own CA.
    provider: Literal["auto", "certManager", "operator"] = "auto"
    # A cert-manager issuer to sign with instead of the self-signed CA the operator sets up.
    issuer_ref: IssuerRef | None = None
    # Leaf certificates live this long and are renewed after two thirds of it.
    certificate_hours: int = 2160


class StorageSpec(CamelModel):
    delete_pvcs_on_delete: bool = Field(default=False, alias="deletePVCsOnDelete")
    storage_class_name: str | None = None


class ChatClusterSpec(CamelModel):
    version: str = "0.1.0"
    image: str = "ghcr.io/chatcluster/chatcluster"
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    paused: bool = False
    nats: NatsSpec = Field(default_factory=NatsSpec)
    cassandra: CassandraSpec = Field(default_factory=CassandraSpec)
    gateway: GatewaySpec = Field(default_factory=GatewaySpec)
    persister: PersisterSpec = Field(default_factory=PersisterSpec)
    scorer: ScorerSpec = Field(default_factory=ScorerSpec)
    aggregator: AggregatorSpec = Field(default_factory=AggregatorSpec)
    notifier: NotifierSpec = Field(default_factory=NotifierSpec)
    telemetry: TelemetrySpec = Field(default_factory=TelemetrySpec)
    storage: StorageSpec = Field(default_factory=StorageSpec)
    migration: MigrationSpec = Field(default_factory=MigrationSpec)
    network_policy: NetworkPolicySpec = Field(default_factory=NetworkPolicySpec)
    tls: TlsSpec = Field(default_factory=TlsSpec)

    @classmethod
    def from_body(cls, spec: Mapping[str, Any] | None) -> ChatClusterSpec:
        """Parse `body["spec"]` as Kopf hands it over (a mapping, possibly empty or None)."""
        return cls.model_validate(dict(spec or {}))

    @property
    def service_image(self) -> str:
        """The image every ChatCluster service (and the migration Job) runs: `<image>:<version>`."""
        return f"{self.image}:{self.version}"
