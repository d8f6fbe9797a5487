"""The typed spec reads the CRD's camelCase; names and labels stay stable where Kubernetes needs them to."""

from __future__ import annotations

from chatcluster_operator.naming import (
    INSTANCE_LABEL,
    VERSION_LABEL,
    Component,
    dashboard_config_map,
    labels,
    migrate_job,
    pod_dns,
    selector,
    selector_labels,
)
from chatcluster_operator.spec import ChatClusterSpec
from tests.unit.operator.support import REF, spec_of


def test_a_spec_reads_camel_case_fields_and_also_accepts_python_names() -> None:
    spec = spec_of(
        storage={"deletePVCsOnDelete": True}, gateway={"autoscaling": {"targetCPUUtilizationPercentage": 55}}
    )
    assert spec.storage.delete_pvcs_on_delete is True
    assert spec.gateway.autoscaling.target_cpu_utilization_percentage == 55
    assert ChatClusterSpec(paused=True).paused is True


def test_a_missing_or_empty_spec_is_the_default_cluster() -> None:
    assert ChatClusterSpec.from_body(None) == ChatClusterSpec.from_body({}) == ChatClusterSpec()


def test_fields_from_a_newer_crd_are_ignored_rather_than_fatal() -> None:
    assert spec_of(futureField=1, nats={"futureKnob": True}).nats.replicas == 3


def test_the_service_image_is_the_repository_tagged_with_the_version() -> None:
    assert spec_of(image="registry.local/chat", version="1.2.3").service_image == "registry.local/chat:1.2.3"


def test_selector_labels_never_include_the_version() -> None:
    chosen = selector_labels(REF, Component.GATEWAY)
    assert VERSION_LABEL not in chosen
    assert chosen.items() <= labels(REF, Component.GATEWAY, "9.9.9").items()


def test_labels_carry_the_recommended_kubernetes_keys() -> None:
    assert labels(REF, Component.NATS, "2.11") == {
        "app.kubernetes.io/name": "nats",
        "app.kubernetes.io/instance": "demo",
        "app.kubernetes.io/component": "nats",
        "app.kubernetes.io/part-of": "chatcluster",
        "app.kubernetes.io/managed-by": "chatcluster-operator",
        "app.kubernetes.io/version": "2.11",
    }
    assert labels(REF, Component.SCORER, "0.1.0")["app.kubernetes.io/name"] == "chatcluster"


def test_the_instance_selector_matches_every_object_of_one_cluster() -> None:
    assert f"{INSTANCE_LABEL}=demo" in selector(REF).split(",")


def test_pod_dns_names_do_not_assume_the_cluster_domain() -> None:
    assert pod_dns(REF, "demo-nats", "demo-nats-headless", 2) == "demo-nats-2.demo-nats-headless.chat.svc"


def test_the_migration_job_name_changes_with_its_content_and_only_then() -> None:
    assert migrate_job(REF, "a") == migrate_job(REF, "a") != migrate_job(REF, "b")
    assert migrate_job(REF, "a").startswith("demo-migrate-") and len(migrate_job(REF, "a")) == len("demo-migrate-") + 8


def test_dashboard_config_map_names_are_dns_safe() -> None:
    assert dashboard_config_map(REF, "Chat Overview (v2).json") == "demo-dashboard-chat-overview--v2"
