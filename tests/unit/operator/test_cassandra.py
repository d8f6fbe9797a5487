"""Cassandra: the headless Service, the StatefulSet and the roles init container."""

from __future__ import annotations

from chatcluster_operator.builders import cassandra
from chatcluster_operator.builders.cassandra_roles import ROLES_SCRIPT, roles_container
from tests.unit.operator.support import REF, container, env_of, spec_of


def test_the_cassandra_service_is_headless_with_cql_and_internode_ports() -> None:
    service = cassandra.service(REF)
    assert service["metadata"]["name"] == "demo-cassandra"
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {"cql": 9042, "internode": 7000}


def test_seeds_are_the_first_three_pods_at_most() -> None:
    assert cassandra.seeds(REF, spec_of(cassandra={"replicas": 1, "replicationFactor": 1})) == (
        "demo-cassandra-0.demo-cassandra.chat.svc"
    )
    seeds = cassandra.seeds(REF, spec_of(cassandra={"replicas": 5})).split(",")
    assert seeds == [f"demo-cassandra-{i}.demo-cassandra.chat.svc" for i in range(3)]


def test_the_cassandra_container_is_configured_through_the_official_image_variables() -> None:
    spec = spec_of(cassandra={"datacenter": "eu1", "heap": "2G"})
    env = env_of(container(cassandra.statefulset(REF, spec)))
    assert env["CASSANDRA_CLUSTER_NAME"]["value"] == "demo"
    assert env["CASSANDRA_DC"]["value"] == "eu1"
    assert env["CASSANDRA_ENDPOINT_SNITCH"]["value"] == "GossipingPropertyFileSnitch"
    assert (env["MAX_HEAP_SIZE"]["value"], env["HEAP_NEWSIZE"]["value"]) == ("2048M", "512M")
    assert env["CASSANDRA_SEEDS"]["value"].startswith("demo-cassandra-0.")


def test_password_authentication_is_switched_on_through_jvm_system_properties() -> None:
    opts = env_of(container(cassandra.statefulset(REF, spec_of(cassandra={"replicationFactor": 3}))))
    jvm = opts["JVM_EXTRA_OPTS"]["value"].split()
    assert "-Dcassandra.config.allow_system_properties=true" in jvm
    assert "-Dcassandra.settings.authenticator=PasswordAuthenticator" in jvm
    assert "-Dcassandra.settings.authorizer=CassandraAuthorizer" in jvm
    assert "-Dcassandra.system_auth.default_rf=3" in jvm


def test_cassandra_nodes_join_one_at_a_time_one_per_node() -> None:
    sts = cassandra.statefulset(REF, spec_of(cassandra={"replicas": 4, "storage": "100Gi"}))
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady" and sts["spec"]["replicas"] == 4
    assert sts["spec"]["serviceName"] == "demo-cassandra"
    assert container(sts)["image"] == "cassandra:5.0.9"
    assert sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "100Gi"
    (rule,) = sts["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert rule["topologyKey"] == "kubernetes.io/hostname"
    assert rule["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "cassandra"


def test_cassandra_is_ready_when_cql_answers_and_drains_before_stopping() -> None:
    cassandra_container = container(cassandra.statefulset(REF, spec_of()))
    command = cassandra_container["readinessProbe"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"] and "cqlsh" in command[2] and "SELECT now() FROM system.local" in command[2]
    # The password reaches cqlsh through a credentials file written by the shell's printf, never through argv.
    assert '--credentials="$HOME/.cassandra/credentials"' in command[2] and "cqlsh -u" not in command[2]
    assert cassandra_container["lifecycle"]["preStop"]["exec"]["command"] == ["nodetool", "drain"]
    # Liveness must not kill a node that is still streaming data in (CQL closed, internode port open).
    assert cassandra_container["livenessProbe"]["tcpSocket"]["port"] == "internode"


def test_the_readiness_probe_reads_the_services_credentials_from_the_secret() -> None:
    env = env_of(container(cassandra.statefulset(REF, spec_of())))
    assert env["CASSANDRA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "demo-cassandra-credentials",
        "key": "password",
    }


def test_the_roles_container_replaces_the_default_superuser_and_creates_the_services_role() -> None:
    roles = roles_container(REF, spec_of())
    assert roles["image"] == "cassandra:5.0.9" and roles["command"] == ["sh", "-c", ROLES_SCRIPT]
    env = env_of(roles)
    assert env["CASSANDRA_HOST"]["value"] == "demo-cassandra.chat.svc"
    assert {env[k]["valueFrom"]["secretKeyRef"]["key"] for k in ("ADMIN_USERNAME", "ADMIN_PASSWORD")} == {
        "admin-username",
        "admin-password",
    }
    assert "login default cassandra cassandra" in ROLES_SCRIPT and 'cql default "CREATE ROLE' in ROLES_SCRIPT
    # Statements (some carry passwords) reach cqlsh on stdin, logins through credentials files: nothing in argv.
    assert "cqlsh -u" not in ROLES_SCRIPT and '-p "$ADMIN' not in ROLES_SCRIPT and " -e " not in ROLES_SCRIPT
    assert "ALTER ROLE cassandra WITH SUPERUSER = false AND LOGIN = false" in ROLES_SCRIPT
    assert 'GRANT CREATE ON ALL KEYSPACES TO \\"$APP_USERNAME\\"' in ROLES_SCRIPT
