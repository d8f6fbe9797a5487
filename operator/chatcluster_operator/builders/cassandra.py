"""Apache Cassandra 5.0 from the official image: the headless Service and the StatefulSet.

How the credentials Secret is wired. The official image configures cassandra.yaml from a few environment
variables (seeds, cluster name, DC, snitch) but has none for authentication. Cassandra 5.0 itself can override
any cassandra.yaml setting with a `-Dcassandra.settings.<name>=` system property once
`-Dcassandra.config.allow_system_properties=true` is set, and the image's cassandra-env.sh appends
`$JVM_EXTRA_OPTS` to the JVM options. So `JVM_EXTRA_OPTS` turns on PasswordAuthenticator and
CassandraAuthorizer and creates system_auth with the cluster's replication factor (checked against Cassandra
5.0.9). A fresh cluster then has only Cassandra's default superuser `cassandra`/`cassandra`; the migration
Job's `cassandra-roles` init container (cassandra_roles.py) replaces it with the Secret's admin role and creates
the services' role with the Secret's password, before `chatcluster store migrate` logs in as that role.
"""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.env import CQL_PORT
from chatcluster_operator.builders.meta import (
    CASSANDRA_UID,
    CASSANDRA_VERSION,
    Manifest,
    anti_affinity,
    container_security,
    object_meta,
    pod_basics,
    pod_security,
    resources,
    secret_env,
    spread,
)
from chatcluster_operator.builders.quantity import jvm_megabytes
from chatcluster_operator.builders.secrets import PASSWORD_KEY, USERNAME_KEY
from chatcluster_operator.builders.volumes import claim_templates, retention_policy
from chatcluster_operator.naming import (
    TLS_HASH_ANNOTATION,
    ClusterRef,
    Component,
    cassandra_credentials,
    pod_dns,
    selector_labels,
    tls_secret,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec

INTERNODE_PORT = 7000
MAX_SEEDS = 3
# `nodetool drain` flushes memtables and stops accepting writes; a large node needs a while.
TERMINATION_GRACE_SECONDS = 180

TLS_DIR = "/etc/cassandra-tls"  # the leaf Secret: tls.crt, tls.key, ca.crt
KEYSTORE_DIR = "/var/run/cassandra-tls"  # an emptyDir: key and chain in one file, as Cassandra's PEM keystore wants
PEM_FACTORY = "org.apache.cassandra.security.PEMBasedSslContextFactory"

# cqlsh's credentials file and cqlshrc, written by shell builtins (printf) with umask 077 under $HOME: a password
# never appears on a command line, where any process of the node could read it in /proc/<pid>/cmdline.
CQLSH_FILES = (
    'umask 077; mkdir -p "$HOME/.cassandra"; '
    'printf \'[PlainTextAuthProvider]\\nusername = %s\\npassword = %s\\n\' "$1" "$2" '
    '> "$HOME/.cassandra/credentials"; '
    'if [ -n "${SSL_CERTFILE:-}" ]; then '
    "printf '[connection]\\nssl = true\\n[ssl]\\ncertfile = %s\\nvalidate = %s\\n' "
    '"$SSL_CERTFILE" "${SSL_VALIDATE:-true}" > "$HOME/.cassandra/cqlshrc"; fi'
)

# Ready means "this node serves CQL". Before the migration Job has created the services' role, a login fails
# with AuthenticationFailed even though CQL is up; that still counts as serving (otherwise the first node never
# becomes ready and, with OrderedReady, the others never start).
READINESS_SCRIPT = (
    f'set -- "$CASSANDRA_USERNAME" "$CASSANDRA_PASSWORD"; {CQLSH_FILES}; '
    'out=$(cqlsh --credentials="$HOME/.cassandra/credentials" --connect-timeout=5 --request-timeout=5 '
    "-e 'SELECT now() FROM system.local' 2>&1) && exit 0; "
    'case "$out" in *AuthenticationFailed*) exit 0;; esac; echo "$out"; exit 1'
)


def seeds(ref: ClusterRef, spec: ChatClusterSpec) -> str:
    """The first (up to three) pods: a new node learns the ring from any of them. Seeds do not bootstrap
    (stream data) when they join, which is right for the first nodes of a new cluster."""
    name = workload_name(ref, Component.CASSANDRA)
    count = min(MAX_SEEDS, spec.cassandra.replicas)
    return ",".join(pod_dns(ref, name, name, i) for i in range(count))


def tls_settings() -> dict[str, str]:
    """cassandra.yaml's encryption options as `cassandra.settings.` overrides (nested names are dotted): internode
    mutual TLS on the storage port, CQL clients TLS only (not optional), PEM files without a keystore password.
    Endpoint verification stays off: peers dial each other's IPs, which no certificate names; the chain to this
    cluster's CA is what authenticates them."""
    common = {
        "ssl_context_factory.class_name": PEM_FACTORY,
        "keystore": f"{KEYSTORE_DIR}/keystore.pem",
        "truststore": f"{TLS_DIR}/ca.crt",
    }
    options = {f"server_encryption_options.{key}": value for key, value in common.items()}
    options |= {f"client_encryption_options.{key}": value for key, value in common.items()}
    options |= {
        "server_encryption_options.internode_encryption": "all",
        "server_encryption_options.require_client_auth": "true",
        "client_encryption_options.enabled": "true",
        "client_encryption_options.optional": "false",
    }
    return options


def jvm_extra_opts(spec: ChatClusterSpec) -> str:
    options = [
        "-Dcassandra.config.allow_system_properties=true",
        "-Dcassandra.settings.authenticator=PasswordAuthenticator",
        "-Dcassandra.settings.authorizer=CassandraAuthorizer",
        # system_auth is created once, on the first start: replicated like the data, so logins survive a node.
        f"-Dcassandra.system_auth.default_rf={spec.cassandra.replication_factor}",
    ]
    if spec.tls.enabled:
        options += [f"-Dcassandra.settings.{key}={value}" for key, value in tls_settings().items()]
    return " ".join(options)


def service(ref: ClusterRef) -> Manifest:
    # Headless and published before readiness: gossip needs the seeds' addresses while nodes are still joining.
    name = workload_name(ref, Component.CASSANDRA)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(ref, name, Component.CASSANDRA, CASSANDRA_VERSION),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": selector_labels(ref, Component.CASSANDRA),
            "ports": [
                {"name": "cql", "port": CQL_PORT, "targetPort": "cql"},
                {"name": "internode", "port": INTERNODE_PORT, "targetPort": "internode"},
            ],
        },
    }


def _env(ref: ClusterRef, spec: ChatClusterSpec) -> list[dict[str, Any]]:
    heap_mb = jvm_megabytes(spec.cassandra.heap)
    return [
        {"name": "CASSANDRA_SEEDS", "value": seeds(ref, spec)},
        {"name": "CASSANDRA_CLUSTER_NAME", "value": ref.name},
        {"name": "CASSANDRA_DC", "value": spec.cassandra.datacenter},
        {"name": "CASSANDRA_RACK", "value": "rack1"},
        {"name": "CASSANDRA_ENDPOINT_SNITCH", "value": "GossipingPropertyFileSnitch"},
        # Both or neither: cassandra-env.sh otherwise sizes the heap from the *node's* memory, not the pod's.
        {"name": "MAX_HEAP_SIZE", "value": f"{heap_mb}M"},
        {"name": "HEAP_NEWSIZE", "value": f"{max(heap_mb // 4, 64)}M"},
        {"name": "JVM_EXTRA_OPTS", "value": jvm_extra_opts(spec)},
        # Only for the readiness probe's cqlsh login.
        secret_env("CASSANDRA_USERNAME", cassandra_credentials(ref), USERNAME_KEY),
        secret_env("CASSANDRA_PASSWORD", cassandra_credentials(ref), PASSWORD_KEY),
        {"name": "HOME", "value": "/tmp"},  # cqlsh keeps its history under $HOME
        # The probe connects to localhost, which the certificate names; the chain is checked all the same.
        *([{"name": "SSL_CERTFILE", "value": f"{TLS_DIR}/ca.crt"}] if spec.tls.enabled else []),
    ]


def _container(ref: ClusterRef, spec: ChatClusterSpec) -> dict[str, Any]:
    tcp_internode = {"tcpSocket": {"port": "internode"}}
    return {
        "name": "cassandra",
        "image": spec.cassandra.image,
        "imagePullPolicy": "IfNotPresent",
        "env": _env(ref, spec),
        "ports": [
            {"name": "cql", "containerPort": CQL_PORT},
            {"name": "internode", "containerPort": INTERNODE_PORT},
        ],
        "resources": resources(Component.CASSANDRA, spec.cassandra.resources),
        # The internode port opens early in startup and stays open while a node bootstraps (streams data for
        # minutes or hours, CQL still closed): liveness on it never kills a node that is busy joining.
        "startupProbe": {**tcp_internode, "periodSeconds": 10, "failureThreshold": 60},
        "livenessProbe": {**tcp_internode, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 6},
        "readinessProbe": {
            "exec": {"command": ["sh", "-c", READINESS_SCRIPT]},
            "initialDelaySeconds": 20,
            "periodSeconds": 15,
            "timeoutSeconds": 15,
            "failureThreshold": 3,
        },
        "lifecycle": {"preStop": {"exec": {"command": ["nodetool", "drain"]}}},
        # The image's entrypoint rewrites /etc/cassandra/cassandra.yaml in place from the variables above, so
        # its root filesystem cannot be read-only.
        "securityContext": container_security(read_only_root=False),
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/cassandra"}, *_tls_mounts(spec)],
    }


def _tls_mounts(spec: ChatClusterSpec) -> list[dict[str, Any]]:
    if not spec.tls.enabled:
        return []
    return [
        {"name": "tls", "mountPath": TLS_DIR, "readOnly": True},
        {"name": "keystore", "mountPath": KEYSTORE_DIR, "readOnly": True},
    ]


def _keystore_container(spec: ChatClusterSpec) -> dict[str, Any]:
    """Joins the Secret's key and certificate into the one PEM file Cassandra's keystore setting names."""
    return {
        "name": "keystore",
        "image": spec.cassandra.image,
        "imagePullPolicy": "IfNotPresent",
        "command": [
            "sh",
            "-c",
            f"umask 077; cat {TLS_DIR}/tls.key {TLS_DIR}/tls.crt > {KEYSTORE_DIR}/keystore.pem",
        ],
        "resources": resources(Component.MIGRATE, None),
        "securityContext": container_security(),
        "volumeMounts": [
            {"name": "tls", "mountPath": TLS_DIR, "readOnly": True},
            {"name": "keystore", "mountPath": KEYSTORE_DIR},
        ],
    }


def statefulset(ref: ClusterRef, spec: ChatClusterSpec, tls_hash: str = "") -> Manifest:
    """`tls_hash` is `certificates.content_hash` of the live certificate Secret: a renewal rolls the nodes, one
    at a time (OrderedReady), each trusting the others' old and new certificates (same CA)."""
    name = workload_name(ref, Component.CASSANDRA)
    pod: dict[str, Any] = {"labels": object_meta(ref, name, Component.CASSANDRA, CASSANDRA_VERSION)["labels"]}
    extra: dict[str, Any] = {}
    if spec.tls.enabled:
        pod["annotations"] = {TLS_HASH_ANNOTATION: tls_hash}
        extra = {
            "initContainers": [_keystore_container(spec)],
            "volumes": [
                {"name": "tls", "secret": {"secretName": tls_secret(ref, Component.CASSANDRA)}},
                {"name": "keystore", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
            ],
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": object_meta(ref, name, Component.CASSANDRA, CASSANDRA_VERSION),
        "spec": {
            "serviceName": name,
            "replicas": spec.cassandra.replicas,
            # One node joins at a time: Cassandra forbids concurrent bootstraps (token ranges would overlap).
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": selector_labels(ref, Component.CASSANDRA)},
            "persistentVolumeClaimRetentionPolicy": retention_policy(spec),
            "template": {
                "metadata": pod,
                "spec": {
                    **pod_basics(),
                    "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
                    "securityContext": pod_security(CASSANDRA_UID),
                    "topologySpreadConstraints": spread(ref, Component.CASSANDRA, strict=True),
                    "affinity": anti_affinity(ref, Component.CASSANDRA),
                    "enableServiceLinks": False,  # the image reads CASSANDRA_* variables; links would add some
                    "containers": [_container(ref, spec)],
                    **extra,
                },
            },
            "volumeClaimTemplates": claim_templates(ref, spec, Component.CASSANDRA, spec.cassandra.storage),
        },
    }
