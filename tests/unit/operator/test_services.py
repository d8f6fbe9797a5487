"""The gateway and the JetStream consumers: Deployments, environment, Service, autoscaler, disruption budget."""

from __future__ import annotations

import pytest

from chatcluster_operator.builders import services
from chatcluster_operator.builders.env import nats_url, service_env, store_url
from chatcluster_operator.naming import CONSUMERS, Component
from tests.unit.operator.support import REF, container, env_of, spec_of

AUTOSCALED = {
    "autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 9},
    "resources": {"requests": {"cpu": "1"}},
}


def test_gateway_statefulset_omits_replicas_when_autoscaling() -> None:
    assert "replicas" not in services.workload(REF, spec_of(gateway=AUTOSCALED), Component.GATEWAY)["spec"]
    assert services.workload(REF, spec_of(gateway={"replicas": 4}), Component.GATEWAY)["spec"]["replicas"] == 4


def test_the_gateway_autoscaler_targets_the_gateway_statefulset_on_cpu() -> None:
    hpa = services.gateway_autoscaler(REF, spec_of(gateway=AUTOSCALED))
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "demo-gateway"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 9)
    assert hpa["spec"]["metrics"][0]["resource"] == {
        "name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": 70},
    }


def test_the_gateway_runs_the_gateway_command_on_port_8000_with_health_probes() -> None:
    gateway = container(services.workload(REF, spec_of(), Component.GATEWAY))
    assert gateway["args"] == ["chatcluster", "gateway"]
    assert gateway["ports"] == [{"name": "http", "containerPort": 8000}, {"name": "metrics", "containerPort": 9464}]
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # /healthz fails while the store is down: as liveness it would restart every gateway during an outage.
    assert gateway["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert env_of(gateway)["CHATCLUSTER_GATEWAY_HOST"]["value"] == "0.0.0.0"


def test_the_gateway_service_has_the_type_the_spec_asks_for() -> None:
    default = services.gateway_service(REF, spec_of())
    assert default["spec"]["type"] == "ClusterIP" and default["spec"]["ports"][0]["port"] == 8000
    assert services.gateway_service(REF, spec_of(gateway={"serviceType": "LoadBalancer"}))["spec"]["type"] == (
        "LoadBalancer"
    )


def test_the_gateway_disruption_budget_lets_one_pod_go_at_a_time() -> None:
    pdb = services.gateway_disruption_budget(REF, spec_of())
    assert pdb["apiVersion"] == "policy/v1" and pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "gateway"


@pytest.mark.parametrize("component", CONSUMERS)
def test_each_consumer_runs_its_own_command_with_metrics_on_9464(component: Component) -> None:
    spec = spec_of(
        persister={"replicas": 3}, scorer={"replicas": 4}, aggregator={"replicas": 5}, notifier={"replicas": 6}
    )
    deployment = services.workload(REF, spec, component)
    assert deployment["metadata"]["name"] == f"demo-{component.value}"
    replicas = {"persister": 3, "scorer": 4, "aggregator": 5, "notifier": 6}
    assert deployment["spec"]["replicas"] == replicas[component.value]
    assert container(deployment)["args"] == ["chatcluster", component.value]
    assert env_of(container(deployment))["CHATCLUSTER_METRICS_PORT"]["value"] == "9464"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations.pop("chatcluster.dev/tls-hash") == ""  # given by the reconciler from the live Secret
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9464",
        "prometheus.io/path": "/metrics",
    }


def test_the_gateway_is_scraped_on_its_metrics_port_not_on_its_api_port() -> None:
    gateway = services.workload(REF, spec_of(), Component.GATEWAY)
    assert gateway["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == "9464"
    assert env_of(container(gateway))["CHATCLUSTER_METRICS_PORT"]["value"] == "9464"
    assert env_of(container(gateway))["CHATCLUSTER_METRICS_HOST"]["value"] == "0.0.0.0"


def test_services_run_the_versioned_image_hardened_with_the_spec_resources() -> None:
    spec = spec_of(version="0.4.2", imagePullPolicy="Always", scorer={"resources": {"requests": {"cpu": "500m"}}})
    deployment = services.workload(REF, spec, Component.SCORER)
    scorer = container(deployment)
    assert scorer["image"] == "ghcr.io/chatcluster/chatcluster:0.4.2" and scorer["imagePullPolicy"] == "Always"
    assert scorer["resources"] == {"requests": {"cpu": "500m"}}
    assert scorer["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["enableServiceLinks"] is False  # a Service named chatcluster-gateway would set CHATCLUSTER_GATEWAY_PORT
    assert {m["mountPath"]: m.get("readOnly", False) for m in scorer["volumeMounts"]} == {
        "/var/lib/chatcluster/data": False,
        "/tmp": False,
        "/etc/chatcluster/tls": True,
    }


def test_urls_splice_the_secret_credentials_through_dependent_variables() -> None:
    assert nats_url(REF) == "nats://$(NATS_USER):$(NATS_PASSWORD)@demo-nats.chat.svc:4222"
    assert store_url(REF, spec_of(cassandra={"replicationFactor": 2, "datacenter": "eu1"})) == (
        "cassandra://$(CASSANDRA_USERNAME):$(CASSANDRA_PASSWORD)@demo-cassandra.chat.svc:9042/chatcluster"
        "?rf=2&dc=eu1&consistency=LOCAL_QUORUM&tls_ca=/etc/chatcluster/tls/ca.crt"
    )


def test_every_referenced_variable_is_defined_before_it_is_used() -> None:
    # Kubernetes expands $(NAME) only for variables earlier in the list; a later one stays literal.
    env = service_env(REF, spec_of(telemetry={"otlpEndpoint": "http://otel:4317"}), Component.SCORER)
    seen: set[str] = set()
    for entry in env:
        for name in {"NATS_USER", "NATS_PASSWORD", "CASSANDRA_USERNAME", "CASSANDRA_PASSWORD", "CHATCLUSTER_POD_NAME"}:
            if f"$({name})" in entry.get("value", ""):
                assert name in seen, f"{entry['name']} uses $({name}) before it is defined"
        seen.add(entry["name"])


def test_the_service_environment_names_the_cluster_and_telemetry() -> None:
    env = env_of({"env": service_env(REF, spec_of(version="0.2.0"), Component.PERSISTER)})
    assert env["CHATCLUSTER_CLUSTER_NAME"]["value"] == "demo"
    assert env["OTEL_SERVICE_NAME"]["value"] == "persister"
    assert env["CHATCLUSTER_TOKEN_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "demo-token-key",
        "key": "token-secret",
    }
    assert env["CHATCLUSTER_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["CHATCLUSTER_STREAM_REPLICAS"]["value"] == "3"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env


def test_the_otlp_endpoint_is_passed_only_when_set_and_carries_traces_only() -> None:
    env = env_of({"env": service_env(REF, spec_of(telemetry={"otlpEndpoint": "http://otel:4317"}), Component.GATEWAY)})
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://otel:4317"
    assert env["OTEL_METRICS_EXPORTER"]["value"] == "none", "metrics are scraped; pushing them too would double them"
    assert "service.version=0.1.0" in env["OTEL_RESOURCE_ATTRIBUTES"]["value"]


def test_each_gateway_replica_takes_its_snowflake_worker_id_from_its_pod_index() -> None:
    gateway = services.workload(REF, spec_of(gateway={"replicas": 3}), Component.GATEWAY)
    assert gateway["kind"] == "StatefulSet"
    env = {e["name"]: e for e in container(gateway)["env"]}
    field = env["CHATCLUSTER_WORKER_ID"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert field == "metadata.labels['apps.kubernetes.io/pod-index']"
    consumer = services.workload(REF, spec_of(), Component.SCORER)
    assert consumer["kind"] == "Deployment"
    assert "CHATCLUSTER_WORKER_ID" not in {e["name"] for e in container(consumer)["env"]}


def test_the_scorer_runs_the_model_the_spec_chooses() -> None:
    scorer = services.workload(REF, spec_of(scorer={"model": "vader"}), Component.SCORER)
    assert {e["name"]: e.get("value") for e in container(scorer)["env"]}["CHATCLUSTER_SENTIMENT_MODEL"] == "vader"
    default = services.workload(REF, spec_of(), Component.SCORER)
    assert {e["name"]: e.get("value") for e in container(default)["env"]}["CHATCLUSTER_SENTIMENT_MODEL"] == "builtin"


def test_the_notifier_sends_digests_through_the_smtp_secret_the_spec_names() -> None:
    smtp = {"secretName": "mail", "from": "Chat <chat@example.com>"}
    notifier = container(
        services.workload(REF, spec_of(notifier={"smtp": smtp, "digestScanSeconds": 10}), Component.NOTIFIER)
    )
    env = env_of(notifier)
    assert env["CHATCLUSTER_SMTP_URL"]["valueFrom"] == {"secretKeyRef": {"name": "mail", "key": "url"}}
    assert "value" not in env["CHATCLUSTER_SMTP_URL"], "the SMTP password stays in its Secret"
    assert env["CHATCLUSTER_SMTP_FROM"]["value"] == "Chat <chat@example.com>"
    assert env["CHATCLUSTER_DIGEST_SCAN_SECONDS"]["value"] == "10"
    assert notifier["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}


def test_a_notifier_without_smtp_runs_with_digest_emails_off() -> None:
    notifier = services.workload(REF, spec_of(), Component.NOTIFIER)
    assert notifier["kind"] == "Deployment" and notifier["spec"]["replicas"] == 1
    assert "CHATCLUSTER_SMTP_URL" not in env_of(container(notifier))


def test_consumers_are_probed_on_their_metrics_port() -> None:
    persister = container(services.workload(REF, spec_of(), Component.PERSISTER))
    assert persister["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}
    assert persister["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
