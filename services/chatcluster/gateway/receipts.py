"""Announcing read markers on the bus, coalesced per user and room (`unread.ReadCoalescer` decides).

A marker is stored before it is announced, so an announcement is only news for live sockets: when the bus
is down it is logged and dropped, and a socket that connects later reads the marker in its `ready` frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.errors import Error as NatsError

from chatcluster.errors import Unavailable
from chatcluster.unread import Announce, Key, Later, ReadCoalescer

log = logging.getLogger(__name__)

Announcer = Callable[[int], Awaitable[None]]  # announces one marker of one user and room


class ReadPublisher:
    """Announces a new marker at once, or once at the end of the interval with the latest one offered."""

    def __init__(self, coalescer: ReadCoalescer | None = None) -> None:
        self._coalescer = coalescer or ReadCoalescer()
        self._announcers: dict[Key, Announcer] = {}
        self._timers: dict[Key, asyncio.Task[None]] = {}

    async def offer(self, key: Key, marker: int, announce: Announcer) -> None:
        decision = self._coalescer.offer(key, marker)
        if isinstance(decision, Announce):
            await _announce(announce, decision.marker)
        elif isinstance(decision, Later):
            self._announcers[key] = announce
            if decision.start_timer:
                self._timers[key] = asyncio.create_task(self._after(key, decision.delay))

    async def _after(self, key: Key, delay: float) -> None:
        await asyncio.sleep(delay)
        self._timers.pop(key, None)
        await self._due(key)

    async def _due(self, key: Key) -> None:
        announce = self._announcers.pop(key, None)
        marker = self._coalescer.due(key)
        if announce is not None and marker is not None:
            await _announce(announce, marker)

    async def flush(self) -> None:
        """Announce every waiting marker now (the gateway is stopping)."""
        timers, self._timers = self._timers, {}
        for key, timer in timers.items():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
            await self._due(key)


async def _announce(announce: Announcer, marker: int) -> None:
    try:
        await announce(marker)
    except (NatsError, TimeoutError, Unavailable) as exc:
        log.warning("could not announce read marker %s: %s", marker, exc)
