"""NATS JetStream: nats.conf, the headless and client Services, the StatefulSet.

Shapes follow the official nats Helm chart (nats-io/k8s): parallel pod start so routes can form, lame-duck
mode on stop so clients move away before the server exits, `/healthz` probes with the chart's variants.
"""

from __future__ import annotations

from typing import Any

from chatcluster_operator.builders.env import NATS_CLIENT_PORT
from chatcluster_operator.builders.meta import (
    NATS_UID,
    NATS_VERSION,
    Manifest,
    anti_affinity,
    container_security,
    field_env,
    object_meta,
    pod_basics,
    pod_security,
    resources,
    secret_env,
    spread,
)
from chatcluster_operator.builders.quantity import quantity_bytes
from chatcluster_operator.builders.secrets import PASSWORD_KEY, USERNAME_KEY
from chatcluster_operator.builders.volumes import claim_templates, retention_policy
from chatcluster_operator.naming import (
    CONFIG_HASH_ANNOTATION,
    TLS_HASH_ANNOTATION,
    ClusterRef,
    Component,
    nats_config,
    nats_credentials,
    nats_headless,
    pod_dns,
    selector_labels,
    short_hash,
    tls_secret,
    workload_name,
)
from chatcluster_operator.spec import ChatClusterSpec

CLUSTER_PORT = 6222
MONITOR_PORT = 8222
CONFIG_DIR = "/etc/nats-config"
PID_FILE = "/var/run/nats/nats.pid"
DATA_DIR = "/data"
TLS_DIR = "/etc/nats-tls"
LAME_DUCK_SECONDS = 30
LAME_DUCK_GRACE_SECONDS = 10
# Lame duck spreads client disconnects over LAME_DUCK_SECONDS after a grace period; then the server flushes
# JetStream and exits. The kubelet must not SIGKILL it before that.
TERMINATION_GRACE_SECONDS = LAME_DUCK_SECONDS + LAME_DUCK_GRACE_SECONDS + 20


def _tls_block(indent: str, *, verify: bool) -> list[str]:
    lines = [
        "tls {",
        f'  cert_file: "{TLS_DIR}/tls.crt"',
        f'  key_file: "{TLS_DIR}/tls.key"',
        f'  ca_file: "{TLS_DIR}/ca.crt"',
        "  timeout: 5",
        *(["  verify: true"] if verify else []),
        "}",
    ]
    return [indent + line for line in lines]


def nats_conf(ref: ClusterRef, spec: ChatClusterSpec) -> str:
    """nats.conf. `$NAME` values are nats' own references to environment variables (server name from the pod
    name, credentials from the Secret), so the ConfigMap holds no secret. With TLS, clients must speak TLS (and
    still log in with the password); routes are mutual TLS (`verify`): a peer without a certificate of this
    cluster's CA cannot join, whatever it knows."""
    max_file_store = quantity_bytes(spec.nats.storage) * 9 // 10  # headroom: a full disk corrupts a stream
    lines = [
        "server_name: $POD_NAME",
        f"listen: 0.0.0.0:{NATS_CLIENT_PORT}",
        f"http_port: {MONITOR_PORT}",
        f'pid_file: "{PID_FILE}"',
        f"lame_duck_duration: {LAME_DUCK_SECONDS}s",
        f"lame_duck_grace_period: {LAME_DUCK_GRACE_SECONDS}s",
        "jetstream {",
        f'  store_dir: "{DATA_DIR}"',
        f"  max_file_store: {max_file_store}",
        "}",
        "authorization {",
        "  user: $NATS_USER",
        "  password: $NATS_PASSWORD",
        "}",
        *(_tls_block("", verify=False) if spec.tls.enabled else []),
    ]
    # A single server with a cluster block never elects a JetStream meta leader (its /healthz stays 503,
    # "JetStream is still recovering meta layer", checked against nats-server 2.11+): one replica runs standalone.
    if spec.nats.replicas > 1:
        routes = [
            f"    nats://{pod_dns(ref, workload_name(ref, Component.NATS), nats_headless(ref), i)}:{CLUSTER_PORT}"
            for i in range(spec.nats.replicas)
        ]
        lines += [
            "cluster {",
            f"  name: {ref.name}",
            f"  listen: 0.0.0.0:{CLUSTER_PORT}",
            "  no_advertise: true",  # clients must not learn pod IPs that change; they use the Service
            *(_tls_block("  ", verify=True) if spec.tls.enabled else []),
            "  routes: [",
            *routes,
            "  ]",
            "}",
        ]
    return "\n".join(lines) + "\n"


def config_map(ref: ClusterRef, spec: ChatClusterSpec) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": object_meta(ref, nats_config(ref), Component.NATS, NATS_VERSION),
        "data": {"nats.conf": nats_conf(ref, spec)},
    }


def _ports() -> list[dict[str, Any]]:
    return [
        {"name": "client", "port": NATS_CLIENT_PORT, "targetPort": "client"},
        {"name": "cluster", "port": CLUSTER_PORT, "targetPort": "cluster"},
        {"name": "monitor", "port": MONITOR_PORT, "targetPort": "monitor"},
    ]


def services(ref: ClusterRef) -> list[Manifest]:
    # Headless: stable per-pod DNS for routes, published before readiness so the cluster can form at all.
    headless = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(ref, nats_headless(ref), Component.NATS, NATS_VERSION),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": selector_labels(ref, Component.NATS),
            "ports": _ports(),
        },
    }
    client = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(ref, workload_name(ref, Component.NATS), Component.NATS, NATS_VERSION),
        "spec": {
            "selector": selector_labels(ref, Component.NATS),
            "ports": [{"name": "client", "port": NATS_CLIENT_PORT, "targetPort": "client"}],
        },
    }
    return [headless, client]


def _probe(path: str, *, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "monitor"},
        "initialDelaySeconds": 10,
        "timeoutSeconds": 5,
        "periodSeconds": period,
        "failureThreshold": failures,
    }


def _container(ref: ClusterRef, spec: ChatClusterSpec) -> dict[str, Any]:
    env = [
        field_env("POD_NAME", "metadata.name"),
        secret_env("NATS_USER", nats_credentials(ref), USERNAME_KEY),
        secret_env("NATS_PASSWORD", nats_credentials(ref), PASSWORD_KEY),
    ]
    limits = resources(Component.NATS, spec.nats.resources)
    if "memory" in limits.get("limits", {}):
        # Go ignores the cgroup limit; a soft limit under it makes the GC work before the OOM killer does.
        env.append({"name": "GOMEMLIMIT", "value": str(quantity_bytes(limits["limits"]["memory"]) * 9 // 10)})
    mounts = [
        {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
        {"name": "pid", "mountPath": "/var/run/nats"},
        {"name": "data", "mountPath": DATA_DIR},
    ]
    if spec.tls.enabled:
        mounts.append({"name": "tls", "mountPath": TLS_DIR, "readOnly": True})
    return {
        "name": "nats",
        "image": spec.nats.image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["--config", f"{CONFIG_DIR}/nats.conf"],
        "env": env,
        "ports": [
            {"name": "client", "containerPort": NATS_CLIENT_PORT},
            {"name": "cluster", "containerPort": CLUSTER_PORT},
            {"name": "monitor", "containerPort": MONITOR_PORT},
        ],
        "resources": limits,
        # Startup waits for JetStream to be current (catch-up after a restart can be long); liveness only
        # asks whether JetStream is on, so a server that lost quorum is not restarted into a worse state;
        # readiness asks whether this server itself is healthy (the nats Helm chart's choices).
        "startupProbe": _probe("/healthz", period=10, failures=90),
        "livenessProbe": _probe("/healthz?js-enabled-only=true", period=30, failures=3),
        "readinessProbe": _probe("/healthz?js-server-only=true", period=10, failures=3),
        "lifecycle": {"preStop": {"exec": {"command": ["nats-server", f"--signal=ldm={PID_FILE}"]}}},
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }


def statefulset(ref: ClusterRef, spec: ChatClusterSpec, tls_hash: str = "") -> Manifest:
    """`tls_hash` is `certificates.content_hash` of the live certificate Secret: a renewal rolls the servers."""
    name = workload_name(ref, Component.NATS)
    annotations = {CONFIG_HASH_ANNOTATION: short_hash(nats_conf(ref, spec))}
    if spec.tls.enabled:
        annotations[TLS_HASH_ANNOTATION] = tls_hash
    volumes: list[dict[str, Any]] = [
        {"name": "config", "configMap": {"name": nats_config(ref)}},
        {"name": "pid", "emptyDir": {}},
    ]
    if spec.tls.enabled:
        volumes.append({"name": "tls", "secret": {"secretName": tls_secret(ref, Component.NATS)}})
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": object_meta(ref, name, Component.NATS, NATS_VERSION),
        "spec": {
            "serviceName": nats_headless(ref),
            "replicas": spec.nats.replicas,
            "podManagementPolicy": "Parallel",  # every server must be up for routes to form; none waits for another
            "selector": {"matchLabels": selector_labels(ref, Component.NATS)},
            "persistentVolumeClaimRetentionPolicy": retention_policy(spec),
            "template": {
                "metadata": {
                    "labels": object_meta(ref, name, Component.NATS, NATS_VERSION)["labels"],
                    "annotations": annotations,
                },
                "spec": {
                    **pod_basics(),
                    "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
                    "securityContext": pod_security(NATS_UID),
                    "topologySpreadConstraints": spread(ref, Component.NATS, strict=True),
                    "affinity": anti_affinity(ref, Component.NATS),
                    "enableServiceLinks": False,  # nats reads $NAME variables; no stray Docker-link variables
                    "containers": [_container(ref, spec)],
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": claim_templates(ref, spec, Component.NATS, spec.nats.storage),
        },
    }
