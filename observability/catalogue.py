"""The one list of metric and label names the dashboards and the alert rules query.

The services record OpenTelemetry instruments and serve them through the OTel
Prometheus exporter, which writes an instrument `chatcluster.messages.accepted`
as `chatcluster_messages_accepted_total` (dots become underscores, the unit is
appended — `_seconds` for "s", nothing for "{message}" — and counters end in
`_total`). Every name below is that exposition name, so renaming an instrument
is a one-line change here followed by `observability/dashboards/generate.py`.
The real-Prometheus test (tests/integration/test_observability_prometheus.py)
fails, naming the query, when a name here matches nothing the services export.
"""

from __future__ import annotations

# --- Counters (rate() them) ---------------------------------------------------------------------
MESSAGES_ACCEPTED = "chatcluster_messages_accepted_total"  # gateway: a new message acknowledged (resends excluded)
MESSAGES_PUBLISHED = "chatcluster_messages_published_total"  # gateway: JetStream publish, label outcome
MESSAGES_PERSISTED = "chatcluster_messages_persisted_total"  # persister: stored
MESSAGES_SCORED = "chatcluster_messages_scored_total"  # scorer: label sentiment = "1" | "0" | "-1"
MESSAGES_AGGREGATED = "chatcluster_messages_aggregated_total"  # aggregator: counted
MESSAGES_DEAD_LETTERED = "chatcluster_messages_dead_lettered_total"  # any consumer, label consumer group
WEBSOCKET_DROPPED = "chatcluster_websocket_dropped_total"  # gateway: slow clients disconnected
NOTIFICATIONS_CREATED = "chatcluster_notifications_created_total"  # notifier: mentions, direct messages, replies
DIGESTS_SENT = "chatcluster_digests_sent_total"  # notifier: digest emails, label outcome = "sent" | "error"

# --- Gauges ---------------------------------------------------------------------------------------
WEBSOCKET_CONNECTIONS = "chatcluster_websocket_connections"  # gateway: open sockets (an up-down counter)
CONSUMER_PENDING = "chatcluster_consumer_pending"  # JetStream: messages not yet delivered to the durable
CONSUMER_ACK_PENDING = "chatcluster_consumer_ack_pending"  # JetStream: delivered, not yet acknowledged
DLQ_MESSAGES = "chatcluster_dlq_messages"  # messages held in the CHAT_DLQ stream

# --- Histograms (base names: add _bucket, _count, _sum) -------------------------------------------
HTTP_SERVER_DURATION = "http_server_request_duration_seconds"  # FastAPI instrumentation (gateway)
NATS_CLIENT_DURATION = "messaging_client_operation_duration_seconds"  # send | receive | settle on NATS
PROCESS_DURATION = "messaging_process_duration_seconds"  # a consumer handling one batch of deliveries

# --- Resource info ---------------------------------------------------------------------------------
TARGET_INFO = "target_info"  # one series per process, labelled with the OTel resource attributes

# --- Labels ----------------------------------------------------------------------------------------
CLUSTER = "chatcluster_cluster_name"  # OTel resource attribute chatcluster.cluster.name ("local" for `make up`)
NAMESPACE = "namespace"  # added by the Kubernetes scrape config; absent locally
SERVICE = "service_name"  # OTel resource attribute service.name
CONSUMER_GROUP = "messaging_consumer_group_name"  # the durable: persister | scorer | aggregator | notifier
SENTIMENT = "sentiment"
OUTCOME = "outcome"  # ok | error (publishes); sent | error (digest emails)
HTTP_ROUTE = "http_route"
HTTP_STATUS = "http_response_status_code"
HTTP_METHOD = "http_request_method"
MESSAGING_SYSTEM = "messaging_system"
MESSAGING_OPERATION = "messaging_operation_name"  # send | receive | settle
MESSAGING_DESTINATION = "messaging_destination_name"
ERROR_TYPE = "error_type"  # set only when the operation failed

# The durable consumer names (services/chatcluster/{persister,scorer,aggregator,notifier}.py: DURABLE).
DURABLES = ("persister", "scorer", "aggregator", "notifier")

# --- Kubernetes only: kube-state-metrics, present only where it is installed ---------------------
KUBE_STATEFULSET_READY = "kube_statefulset_status_replicas_ready"
KUBE_STATEFULSET_REPLICAS = "kube_statefulset_replicas"
KUBERNETES_ONLY = frozenset({KUBE_STATEFULSET_READY, KUBE_STATEFULSET_REPLICAS})
