"""Snowflake-style 64-bit message ids: time-ordered, bucketable, the dedup key everywhere.

Layout (most significant first): 41 bits of milliseconds since EPOCH_MS,
10 bits of worker id, 12 bits of per-millisecond sequence.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from chatcluster.times import utc_datetime

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_WORKER = (1 << WORKER_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIMESTAMP_SHIFT = WORKER_BITS + SEQUENCE_BITS
# The last millisecond an id can carry: 41 bits past EPOCH_MS (in 2094), so an id stays below 2**63.
MAX_ID_MS = EPOCH_MS + (1 << (63 - TIMESTAMP_SHIFT)) - 1
# The largest signed 64-bit integer: a cursor above every id, where a page of the newest messages ends.
MAX_ID = (1 << 63) - 1

# Ten days per bucket, as Discord sized theirs: a room sending 10 messages a
# second for ten days writes ~8.6M rows of ~1 KB, which keeps a Cassandra
# partition near the 100 MB comfort limit only for the very busiest rooms.
BUCKET_MS = 10 * 24 * 3600 * 1000
_MAX_TRACKED_MS = 100_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class SnowflakeGenerator:
    """Thread-safe id source for one worker; never goes backwards, even if the clock does."""

    def __init__(self, worker_id: int, clock_ms: Callable[[], int] = _now_ms) -> None:
        if not 0 <= worker_id <= MAX_WORKER:
            raise ValueError(f"worker_id must be in 0..{MAX_WORKER}, got {worker_id}")
        self._worker_id = worker_id
        self._clock_ms = clock_ms
        self._lock = threading.Lock()
        self._last_ms = -1
        # Next free sequence per millisecond, shared by live and pinned ids so they never collide.
        self._next_sequence: dict[int, int] = {}

    def next_id(self, at_ms: int | None = None) -> int:
        """A new id; `at_ms` pins the timestamp (the test clock, imports)."""
        with self._lock:
            if at_ms is not None:
                return self._take(max(at_ms, EPOCH_MS), wait=False)
            now = max(self._clock_ms(), self._last_ms, EPOCH_MS)
            snowflake = self._take(now, wait=True)
            self._last_ms = id_timestamp_ms(snowflake)
            return snowflake

    def _take(self, ms: int, wait: bool) -> int:
        sequence = self._next_sequence.get(ms, 0)
        borrowed = False
        while sequence > MAX_SEQUENCE:  # 4,096 ids this millisecond: borrow the next one
            ms += 1
            sequence = self._next_sequence.get(ms, 0)
            borrowed = True
        if wait and borrowed:
            while self._clock_ms() < ms:
                time.sleep(0.0001)
        self._next_sequence[ms] = sequence + 1
        if len(self._next_sequence) > _MAX_TRACKED_MS:
            self._next_sequence.pop(next(iter(self._next_sequence)))
        return self._compose(ms, sequence)

    def _compose(self, ms: int, sequence: int) -> int:
        return ((ms - EPOCH_MS) << TIMESTAMP_SHIFT) | (self._worker_id << SEQUENCE_BITS) | sequence


def id_timestamp_ms(snowflake: int) -> int:
    return (snowflake >> TIMESTAMP_SHIFT) + EPOCH_MS


def id_datetime(snowflake: int) -> datetime:
    return utc_datetime(id_timestamp_ms(snowflake))


def lowest_id_at(ms: int) -> int:
    """The smallest id any worker can mint at `ms`: a cursor for time-range queries."""
    return max(ms - EPOCH_MS, 0) << TIMESTAMP_SHIFT


def bucket_of(snowflake: int) -> int:
    return (id_timestamp_ms(snowflake) - EPOCH_MS) // BUCKET_MS
