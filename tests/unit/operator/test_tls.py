"""TLS as the operator sets it up: its CA and leaf certificates, renewal, and the generated nats.conf served by the
real nats-server binary to the services' own connection code (chatcluster.bus.connect)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path

import nats
import pytest

from chatcluster.bus import connect
from chatcluster.config import Settings
from chatcluster.store.cassandra.connection import CassandraConfig
from chatcluster.supervisor import nats_server_binary
from chatcluster_operator.builders import cassandra
from chatcluster_operator.builders import nats as nats_builder
from chatcluster_operator.builders.certificates import dns_names, issue_ca, issue_leaf, renewal_due
from chatcluster_operator.naming import Component
from tests.helpers import stop_process
from tests.unit.operator.support import REF, container, env_of, spec_of

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content)


def test_a_leaf_names_every_service_and_pod_address_and_is_renewed_after_two_thirds_of_its_life() -> None:
    ca = issue_ca(REF, NOW)
    names = dns_names(REF, Component.NATS)
    assert {"demo-nats.chat.svc", "*.demo-nats-headless.chat.svc", "demo-nats"} <= set(names)
    leaf = issue_leaf(ca, "demo-nats", names, hours=90, now=NOW)
    assert leaf["ca.crt"] == ca["tls.crt"]
    assert not renewal_due(leaf["tls.crt"], ca["tls.crt"], names, NOW + dt.timedelta(hours=59))
    assert renewal_due(leaf["tls.crt"], ca["tls.crt"], names, NOW + dt.timedelta(hours=61))
    assert renewal_due(None, ca["tls.crt"], names, NOW)
    assert renewal_due(leaf["tls.crt"], issue_ca(REF, NOW)["tls.crt"], names, NOW), "another CA's leaf is replaced"
    assert renewal_due(leaf["tls.crt"], ca["tls.crt"], dns_names(REF, Component.CASSANDRA), NOW)


def test_nats_conf_turns_on_client_tls_and_mutual_tls_routes_only_when_tls_is_on() -> None:
    conf = nats_builder.nats_conf(REF, spec_of(nats={"replicas": 3}))
    assert conf.count('cert_file: "/etc/nats-tls/tls.crt"') == 2  # clients and routes
    assert "    verify: true" in conf  # a route without a certificate of this CA is refused
    assert "tls" not in nats_builder.nats_conf(REF, spec_of(nats={"replicas": 3}, tls={"enabled": False}))


def test_cassandra_encrypts_clients_and_internode_from_a_keystore_built_in_an_init_container() -> None:
    sts = cassandra.statefulset(REF, spec_of(), tls_hash="abc")
    opts = env_of(container(sts))["JVM_EXTRA_OPTS"]["value"]
    assert "-Dcassandra.settings.server_encryption_options.internode_encryption=all" in opts
    assert "-Dcassandra.settings.server_encryption_options.require_client_auth=true" in opts
    assert "-Dcassandra.settings.client_encryption_options.optional=false" in opts
    pod = sts["spec"]["template"]
    assert pod["metadata"]["annotations"]["chatcluster.dev/tls-hash"] == "abc"
    (init,) = pod["spec"]["initContainers"]
    assert "keystore.pem" in init["command"][2]
    assert (
        "encryption"
        not in env_of(container(cassandra.statefulset(REF, spec_of(tls={"enabled": False}))))["JVM_EXTRA_OPTS"]["value"]
    )


def test_the_store_url_tls_ca_gives_the_driver_a_verifying_context(tmp_path: Path) -> None:
    ca = issue_ca(REF, NOW)
    (tmp_path / "ca.crt").write_text(ca["tls.crt"])
    config = CassandraConfig(f"cassandra://u:p@h:9042/ks?tls_ca={tmp_path / 'ca.crt'}")
    context = config.ssl_context()
    assert context is not None and context.verify_mode is ssl.CERT_REQUIRED
    assert CassandraConfig("cassandra://h:9042/ks").ssl_context() is None


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_real_nats_server_loads_the_generated_tls_config_and_certificates(tmp_path: Path, replicas: int) -> None:
    ca = issue_ca(REF, dt.datetime.now(dt.UTC))
    _write(tmp_path / "tls", issue_leaf(ca, "demo-nats", dns_names(REF, Component.NATS), 24, dt.datetime.now(dt.UTC)))
    conf = nats_builder.nats_conf(REF, spec_of(nats={"replicas": replicas})).replace(
        "/etc/nats-tls", str(tmp_path / "tls")
    )
    (tmp_path / "nats.conf").write_text(conf)
    env = {**os.environ, "POD_NAME": "demo-nats-0", "NATS_USER": "chatcluster", "NATS_PASSWORD": "pw"}
    checked = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")], env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


async def test_a_service_connects_over_tls_with_the_cluster_ca_and_nothing_else_gets_in(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    ca = issue_ca(REF, now)
    _write(tmp_path / "tls", issue_leaf(ca, "demo-nats", dns_names(REF, Component.NATS), 24, now))
    port, monitor = _free_port(), _free_port()
    conf = (
        nats_builder.nats_conf(REF, spec_of(nats={"replicas": 1, "storage": "1Gi"}))
        .replace("/etc/nats-tls", str(tmp_path / "tls"))
        .replace("0.0.0.0:4222", f"127.0.0.1:{port}")
        .replace("http_port: 8222", f"http_port: {monitor}")
        .replace('"/var/run/nats/nats.pid"', f'"{tmp_path / "nats.pid"}"')
        .replace('store_dir: "/data"', f'store_dir: "{tmp_path / "js"}"')
    )
    (tmp_path / "nats.conf").write_text(conf)
    env = {**os.environ, "POD_NAME": "demo-nats-0", "NATS_USER": "chatcluster", "NATS_PASSWORD": "pw"}
    server = subprocess.Popen(
        [nats_server_binary(), "-c", str(tmp_path / "nats.conf")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        (tmp_path / "ca.crt").write_text(ca["tls.crt"])
        # localhost is one of the certificate's names: the host name is verified, as in the cluster.
        url = f"nats://chatcluster:pw@localhost:{port}"
        client = await connect(Settings(nats_url=url, nats_tls_ca=tmp_path / "ca.crt"), "tls-test")
        try:
            assert client.client_id is not None and client.is_connected
            await client.publish("tls.check", b"over tls")
            await client.flush()
        finally:
            await client.close()

        (tmp_path / "other.crt").write_text(issue_ca(REF, now)["tls.crt"])
        for refused in (
            {"tls": ssl.create_default_context(cafile=str(tmp_path / "other.crt"))},  # another CA's server
            {},  # plaintext
        ):
            with pytest.raises(Exception):  # noqa: B017 (ssl and nats raise different errors; any refusal will do)
                await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False, **refused)
    finally:
        server.terminate()
        stop_process(server)  # type: ignore[arg-type]
