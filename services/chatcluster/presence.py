"""Presence and typing rules, without I/O: what a user's status is, and how often typing is told.

Presence lives in the `PRESENCE` key-value bucket, one key per user and gateway process,
`<user_id>.<worker_id>`, holding `{"status": "online"|"away", "at": <ms>}`. The gateway that holds a
user's sockets writes its key when the user's status there changes and again every third of the TTL;
the bucket drops a key the TTL after its last write, so a gateway that dies takes its users offline
within the TTL. A user is online if any key says online, away if every key says away, offline with none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

TYPING_INTERVAL_SECONDS = 3.0
MAX_PRESENCE_QUERY = 200  # users one GET /v1/presence may ask about


class Status(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


def combined(statuses: Iterable[Status]) -> Status:
    """Online if any is online, away if all are away, offline if there are none (or all are offline)."""
    seen = set(statuses)
    if Status.ONLINE in seen:
        return Status.ONLINE
    return Status.AWAY if Status.AWAY in seen else Status.OFFLINE


def sockets_status(away: Iterable[bool]) -> Status:
    """A user's status on one gateway from each of their sockets there (True: that page said it is away)."""
    return combined(Status.AWAY if is_away else Status.ONLINE for is_away in away)


def presence_key(user_id: int, worker_id: int) -> str:
    return f"{user_id}.{worker_id}"


def parse_presence_key(key: str) -> tuple[int, int] | None:
    """(user_id, worker_id) of a key, or None for a key this version did not write."""
    user, _, worker = key.partition(".")
    if not (user.isascii() and user.isdigit() and worker.isascii() and worker.isdigit()):
        return None
    return int(user), int(worker)


def presence_value(status: Status, at_ms: int) -> bytes:
    return json.dumps({"status": status.value, "at": at_ms}).encode()


@dataclass(frozen=True)
class Written:
    status: Status
    at_ms: int


def parse_presence_value(value: bytes) -> Written | None:
    try:
        found = json.loads(value)
        status = Status(found["status"])
        at_ms = found["at"]
    except (ValueError, KeyError, TypeError):
        return None
    if status is Status.OFFLINE or not isinstance(at_ms, int) or isinstance(at_ms, bool):
        return None  # offline is the absence of a key, never a value
    return Written(status, at_ms)


class PresenceBoard:
    """What a gateway knows of everyone's presence, fed by a watch on the bucket.

    An entry counts until `ttl_ms` after the time its writer put in it: the bucket drops the key then
    without telling watchers, and a key whose writer died is never deleted, only aged out.
    """

    def __init__(self, ttl_ms: int) -> None:
        self.ttl_ms = ttl_ms
        self._entries: dict[int, dict[int, Written]] = {}

    def apply(self, key: str, value: bytes | None) -> None:
        """A put (`value`) or a delete (None) seen on the bucket; keys and values of another shape are ignored."""
        parsed = parse_presence_key(key)
        if parsed is None:
            return
        user_id, worker_id = parsed
        written = None if value is None else parse_presence_value(value)
        workers = self._entries.setdefault(user_id, {})
        if written is None:
            workers.pop(worker_id, None)
        else:
            workers[worker_id] = written
        if not workers:
            del self._entries[user_id]

    def status(self, user_id: int, now_ms: int) -> Status:
        workers = self._entries.get(user_id, {})
        return combined(w.status for w in workers.values() if now_ms - w.at_ms < self.ttl_ms)

    def statuses(self, user_ids: Iterable[int], now_ms: int) -> dict[int, Status]:
        return {user_id: self.status(user_id, now_ms) for user_id in user_ids}

    def prune(self, now_ms: int) -> None:
        """Forget the entries past their TTL, so a long-running gateway does not keep every user it ever saw."""
        for user_id in list(self._entries):
            workers = self._entries[user_id]
            for worker_id in [w for w, written in workers.items() if now_ms - written.at_ms >= self.ttl_ms]:
                del workers[worker_id]
            if not workers:
                del self._entries[user_id]

    def __len__(self) -> int:
        return sum(len(workers) for workers in self._entries.values())


class TypingThrottle:
    """At most one typing notice per user and room every `interval` seconds, on an injected monotonic clock.

    Memory stays bounded by the users typing within the last interval: older entries are dropped whenever
    the table has doubled since the last sweep.
    """

    def __init__(self, interval: float = TYPING_INTERVAL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last: dict[tuple[int, str], float] = {}
        self._sweep_at = 1024

    def allow(self, user_id: int, room_id: str) -> bool:
        now = self._clock()
        last = self._last.get((user_id, room_id))
        if last is not None and now - last < self.interval:
            return False
        self._last[(user_id, room_id)] = now
        if len(self._last) >= self._sweep_at:
            self._last = {key: at for key, at in self._last.items() if now - at < self.interval}
            self._sweep_at = max(1024, 2 * len(self._last))
        return True

    def __len__(self) -> int:
        return len(self._last)
