"""Liveness and readiness of a consumer process, answered on its metrics port (`/livez`, `/readyz`).

Live: the event loop still turns (a task beats every second; a loop blocked for `STALL_SECONDS` is wedged and
worth a restart). Ready: the connection to NATS is up. A store outage makes neither false: the consumer holds
its batch and retries, and restarting it would not bring the store back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

STALL_SECONDS = 30.0


@dataclass
class Health:
    last_beat: float = field(default_factory=time.monotonic)
    connected: bool = False

    def live(self, now: float | None = None) -> tuple[bool, str]:
        silent = (time.monotonic() if now is None else now) - self.last_beat
        if silent > STALL_SECONDS:
            return False, f"event loop silent for {silent:.0f}s"
        return True, "live"

    def ready(self) -> tuple[bool, str]:
        return (True, "connected to NATS") if self.connected else (False, "not connected to NATS")

    async def beat(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.last_beat = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


HEALTH = Health()
