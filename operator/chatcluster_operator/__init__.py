"""The ChatCluster operator: a Kopf operator that turns a ChatCluster resource into NATS, Cassandra and the chat services."""
