"""Errors shared across layers: what a consumer should wait out rather than dead-letter."""

from __future__ import annotations


class Unavailable(Exception):
    """A dependency (store or bus) cannot be reached right now; retry with backoff."""


class BusUnavailable(Unavailable):
    """NATS or JetStream did not answer."""
