"""Credentials Secrets (created once, never patched) and the schema migration Job."""

from __future__ import annotations

from collections.abc import Callable

from chatcluster_operator.builders.migrate import migration_job
from chatcluster_operator.desired import desired_secrets
from chatcluster_operator.naming import CREATE_ONLY_ANNOTATION, VERSION_LABEL
from tests.unit.operator.support import REF, container, counting_secrets, env_of, spec_of


def test_three_secrets_are_built_with_fresh_values_from_new_secret(new_secret: Callable[[], str]) -> None:
    secrets = {s["metadata"]["name"]: s for s in desired_secrets(REF, spec_of(), new_secret)}
    assert set(secrets) == {"demo-nats-credentials", "demo-cassandra-credentials", "demo-token-key"}
    values = [v for s in secrets.values() for k, v in s["stringData"].items() if "password" in k or "token" in k]
    assert len(values) == len(set(values)) == 4
    assert secrets["demo-token-key"]["stringData"] == {"token-secret": values[-1]}


def test_every_secret_is_marked_create_only_and_has_no_version_label() -> None:
    for secret in desired_secrets(REF, spec_of(), counting_secrets()):
        assert secret["metadata"]["annotations"] == {CREATE_ONLY_ANNOTATION: "true"}
        assert VERSION_LABEL not in secret["metadata"]["labels"]
        assert secret["type"] == "Opaque" and secret["metadata"]["namespace"] == "chat"


def test_cassandra_credentials_outlive_the_cluster_when_its_volumes_do() -> None:
    kept = {s["metadata"]["name"]: s for s in desired_secrets(REF, spec_of(), counting_secrets())}
    assert "ownerReferences" not in kept["demo-cassandra-credentials"]["metadata"]
    assert kept["demo-nats-credentials"]["metadata"]["ownerReferences"][0]["uid"] == REF.uid
    spec = spec_of(storage={"deletePVCsOnDelete": True})
    deleted = {s["metadata"]["name"]: s for s in desired_secrets(REF, spec, counting_secrets())}
    assert deleted["demo-cassandra-credentials"]["metadata"]["ownerReferences"][0]["uid"] == REF.uid


def test_the_migration_job_runs_store_migrate_after_the_roles_init_container() -> None:
    job = migration_job(REF, spec_of(version="0.3.0"))
    assert job["apiVersion"] == "batch/v1"
    pod = job["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["cassandra-roles"]
    assert container(job)["args"] == ["chatcluster", "store", "migrate"]
    assert container(job)["image"] == "ghcr.io/chatcluster/chatcluster:0.3.0"
    assert env_of(container(job))["CHATCLUSTER_STORE_URL"]["value"].startswith("cassandra://")
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 1


def test_the_migration_job_keeps_its_finished_state_for_the_status() -> None:
    assert "ttlSecondsAfterFinished" not in migration_job(REF, spec_of())["spec"]


def test_a_new_version_gets_a_new_migration_job_and_the_same_version_the_same_one() -> None:
    first = migration_job(REF, spec_of(version="0.1.0"))["metadata"]["name"]
    assert first == migration_job(REF, spec_of(version="0.1.0"))["metadata"]["name"]
    assert first != migration_job(REF, spec_of(version="0.2.0"))["metadata"]["name"]
    assert first.startswith("demo-migrate-")
