"""A consumer's liveness and readiness, as its probes read them."""

from __future__ import annotations

from chatcluster.telemetry.health import STALL_SECONDS, Health


def test_a_consumer_whose_event_loop_stopped_beating_is_not_live() -> None:
    health = Health(last_beat=100.0)
    assert health.live(now=100.0 + STALL_SECONDS - 1) == (True, "live")
    alive, reason = health.live(now=100.0 + STALL_SECONDS + 5)
    assert not alive and "silent" in reason


def test_a_consumer_is_ready_only_while_connected_to_nats() -> None:
    assert Health(connected=False).ready() == (False, "not connected to NATS")
    assert Health(connected=True).ready()[0]
