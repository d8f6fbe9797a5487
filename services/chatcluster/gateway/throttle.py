"""Failed-login throttling per username and per client address: pure, clock injected, bounded.

Each key has a leaky bucket of failures: `failures` may happen at once, then the bucket drains
one failure every `recovery_seconds`. While a key's bucket is full, every attempt on it (even
with the right password: otherwise the throttle would tell a guesser when they are right) is
refused with the seconds until it may try again. Only failures fill a bucket; a success empties
the username's bucket, so one's own typos are forgotten once one gets in. The address bucket is
not emptied by a success, or an attacker could reset it with an account of their own.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Allowance:
    failures: int
    recovery_seconds: float


@dataclass
class _Bucket:
    level: float
    updated: float


class FailureBuckets:
    def __init__(self, allowance: Allowance, clock: Callable[[], float], max_keys: int) -> None:
        self._allowance = allowance
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def _level(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        level = max(0.0, bucket.level - (now - bucket.updated) / self._allowance.recovery_seconds)
        if level == 0.0:
            del self._buckets[key]  # drained: nothing to remember
        return level

    def retry_after(self, key: str) -> float:
        """0.0 when an attempt is allowed, else the seconds until one is."""
        excess = self._level(key, self._clock()) - (self._allowance.failures - 1)
        return max(0.0, excess * self._allowance.recovery_seconds)

    def fail(self, key: str) -> None:
        now = self._clock()
        level = self._level(key, now)
        self._buckets.pop(key, None)
        self._buckets[key] = _Bucket(level + 1.0, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # the key that failed longest ago starts afresh

    def forgive(self, key: str) -> None:
        self._buckets.pop(key, None)


class LoginThrottle:
    def __init__(
        self,
        per_username: Allowance,
        per_address: Allowance,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.per_username = per_username
        self.per_address = per_address
        self._usernames = FailureBuckets(per_username, clock, max_keys)
        self._addresses = FailureBuckets(per_address, clock, max_keys)

    def retry_after(self, username: str, address: str) -> int:
        """0 when this attempt may be checked, else whole seconds to wait (for `Retry-After`)."""
        wait = max(self._usernames.retry_after(username.casefold()), self._addresses.retry_after(address))
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, address: str) -> None:
        self._usernames.fail(username.casefold())
        self._addresses.fail(address)

    def succeeded(self, username: str) -> None:
        self._usernames.forgive(username.casefold())
