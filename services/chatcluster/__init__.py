"""ChatCluster: real-time chat with a live analytics pipeline on NATS JetStream."""

__version__ = "0.1.0"
