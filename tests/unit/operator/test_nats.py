"""NATS JetStream: nats.conf, Services and the StatefulSet."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from chatcluster.supervisor import nats_server_binary
from chatcluster_operator.builders import nats
from chatcluster_operator.builders.quantity import jvm_megabytes, quantity_bytes
from tests.unit.operator.support import REF, container, env_of, spec_of


def test_a_three_server_nats_has_a_cluster_block_with_a_route_to_every_pod() -> None:
    conf = nats.nats_conf(REF, spec_of(nats={"replicas": 3}))
    assert "cluster {" in conf and "  name: demo" in conf and "listen: 0.0.0.0:6222" in conf
    for i in range(3):
        assert f"nats://demo-nats-{i}.demo-nats-headless.chat.svc:6222" in conf


def test_a_single_nats_server_runs_standalone_without_a_cluster_block() -> None:
    assert "cluster" not in nats.nats_conf(REF, spec_of(nats={"replicas": 1}))


def test_nats_conf_takes_credentials_and_server_name_from_the_environment() -> None:
    conf = nats.nats_conf(REF, spec_of())
    assert "user: $NATS_USER" in conf and "password: $NATS_PASSWORD" in conf
    assert "server_name: $POD_NAME" in conf
    assert "secret" not in conf


def test_nats_conf_enables_jetstream_on_data_with_monitoring_and_lame_duck() -> None:
    conf = nats.nats_conf(REF, spec_of(nats={"storage": "10Gi"}))
    assert 'store_dir: "/data"' in conf
    assert f"max_file_store: {10 * 2**30 * 9 // 10}" in conf  # 10% headroom: a full disk corrupts streams
    assert "http_port: 8222" in conf and "lame_duck_duration: 30s" in conf
    assert 'pid_file: "/var/run/nats/nats.pid"' in conf


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_real_nats_server_accepts_the_generated_config(tmp_path: Path, replicas: int) -> None:
    path = tmp_path / "nats.conf"
    # Without TLS here: its files are checked against the real server in test_tls.py.
    path.write_text(nats.nats_conf(REF, spec_of(nats={"replicas": replicas}, tls={"enabled": False})))
    env = {**os.environ, "POD_NAME": "demo-nats-0", "NATS_USER": "chatcluster", "NATS_PASSWORD": "pw"}
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(path)], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_headless_service_publishes_pods_before_they_are_ready() -> None:
    headless, client = nats.services(REF)
    assert headless["metadata"]["name"] == "demo-nats-headless"
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["publishNotReadyAddresses"] is True
    assert {p["port"] for p in headless["spec"]["ports"]} == {4222, 6222, 8222}
    assert client["metadata"]["name"] == "demo-nats"
    assert [p["port"] for p in client["spec"]["ports"]] == [4222]


def test_the_nats_statefulset_starts_pods_in_parallel_from_the_official_image() -> None:
    sts = nats.statefulset(REF, spec_of(nats={"replicas": 5, "storage": "20Gi"}, storage={"storageClassName": "ssd"}))
    assert sts["spec"]["replicas"] == 5 and sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["serviceName"] == "demo-nats-headless"
    assert container(sts)["image"] == "nats:2.15.1-alpine"
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi" and claim["spec"]["storageClassName"] == "ssd"


def test_nats_stops_in_lame_duck_mode_within_its_grace_period() -> None:
    sts = nats.statefulset(REF, spec_of())
    assert container(sts)["lifecycle"]["preStop"]["exec"]["command"] == [
        "nats-server",
        "--signal=ldm=/var/run/nats/nats.pid",
    ]
    grace = sts["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > nats.LAME_DUCK_SECONDS + nats.LAME_DUCK_GRACE_SECONDS


def test_nats_probes_use_the_healthz_variants_of_the_official_chart() -> None:
    nats_container = container(nats.statefulset(REF, spec_of()))
    assert nats_container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert nats_container["livenessProbe"]["httpGet"]["path"] == "/healthz?js-enabled-only=true"
    assert nats_container["readinessProbe"]["httpGet"]["path"] == "/healthz?js-server-only=true"


def test_nats_pods_never_share_a_node_and_roll_when_the_config_changes() -> None:
    one = nats.statefulset(REF, spec_of(nats={"replicas": 3}))["spec"]["template"]
    other = nats.statefulset(REF, spec_of(nats={"replicas": 5}))["spec"]["template"]
    (rule,) = one["spec"]["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    zones = {c["topologyKey"] for c in one["spec"]["topologySpreadConstraints"]}
    assert zones == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    assert one["metadata"]["annotations"] != other["metadata"]["annotations"]


def test_nats_gets_its_password_from_the_secret_and_a_go_memory_limit_under_the_container_limit() -> None:
    spec = spec_of(nats={"resources": {"limits": {"memory": "1Gi"}}})
    env = env_of(container(nats.statefulset(REF, spec)))
    assert env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "demo-nats-credentials", "key": "password"}
    assert int(env["GOMEMLIMIT"]["value"]) == 2**30 * 9 // 10


def test_nats_runs_as_non_root_on_a_read_only_root() -> None:
    sts = nats.statefulset(REF, spec_of())
    assert sts["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    security = container(sts)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize(
    ("quantity", "expected"), [("10Gi", 10 * 2**30), ("500M", 500 * 10**6), ("1.5Gi", 3 * 2**29), (42, 42)]
)
def test_quantities_convert_to_bytes(quantity: int | str, expected: int) -> None:
    assert quantity_bytes(quantity) == expected


def test_jvm_sizes_convert_to_megabytes() -> None:
    assert (jvm_megabytes("1G"), jvm_megabytes("512M")) == (1024, 512)
    with pytest.raises(ValueError, match="JVM size"):
        jvm_megabytes("1GB")
