"""The ChatCluster operator: Kopf handlers turning a ChatCluster into NATS, Cassandra and the chat services."""
