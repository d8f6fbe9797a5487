"""A short-lived cache of resolved sessions, so not every request reads the store: pure, clock injected.

An entry lives `ttl_seconds` (a few seconds: how stale a granted or revoked admin role or a
changed fact may be) in a bounded LRU. A revocation drops its sessions at once and remembers
them for a minute, so a resolution that read the store just before the revocation (however slow
the store was) cannot put a revoked session back.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from chatcluster.gateway.security import Identity


class IdentityCache:
    def __init__(
        self,
        ttl_seconds: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        revoked_memory_seconds: float = 60.0,
    ) -> None:
        self._ttl = ttl_seconds
        self._revoked_memory = max(revoked_memory_seconds, ttl_seconds)
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[int, tuple[Identity, float]] = OrderedDict()
        self._revoked: OrderedDict[int, float] = OrderedDict()

    def get(self, session_id: int) -> Identity | None:
        found = self._entries.get(session_id)
        if found is None:
            return None
        identity, stored = found
        if self._clock() - stored >= self._ttl:
            del self._entries[session_id]
            return None
        self._entries.move_to_end(session_id)
        return identity

    def put(self, identity: Identity) -> None:
        now = self._clock()
        self._expire_revocations(now)
        if identity.session_id in self._revoked:
            return
        self._entries[identity.session_id] = (identity, now)
        self._entries.move_to_end(identity.session_id)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def was_revoked(self, session_id: int) -> bool:
        """Whether a revocation of this session arrived within the last minute."""
        return session_id in self._revoked

    def forget(self, session_ids: Iterable[int]) -> None:
        now = self._clock()
        for session_id in session_ids:
            self._entries.pop(session_id, None)
            self._revoked.pop(session_id, None)
            self._revoked[session_id] = now
        self._expire_revocations(now)
        while len(self._revoked) > self._max:
            self._revoked.popitem(last=False)

    def _expire_revocations(self, now: float) -> None:
        while self._revoked:
            oldest, at = next(iter(self._revoked.items()))
            if now - at < self._revoked_memory:
                return
            del self._revoked[oldest]
