"""Presence and typing at the gateway: the `PRESENCE` bucket's writer and reader, and the typing relay.

Each gateway writes one key per user with a socket on it (`chatcluster.presence` says what the keys
hold and how a status is combined): at once when the user's status here changes (a first socket opens,
the last closes, a page says it is away or back) and every third of the TTL for all of them, so the keys
of a gateway that dies age out within the TTL. Each gateway also watches the whole bucket into a
`PresenceBoard`, so answering who is online costs no round trip to NATS.

Typing goes on core NATS only (`live.typing.<room>`), throttled here per user and room; the hub of every
gateway holding a member's socket forwards it (hub.typing_notice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js.kv import KeyValue

from chatcluster.bus import watch_presence
from chatcluster.config import Settings
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.hub import Connection, Hub, typing_payload
from chatcluster.models import typing_subject
from chatcluster.presence import PresenceBoard, Status, TypingThrottle, presence_key, presence_value

log = logging.getLogger(__name__)

WRITE_CONCURRENCY = 256  # puts in flight at once when refreshing every local user
FRAME_STATUSES = (Status.ONLINE, Status.AWAY)  # what a page may say of itself


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class PresenceService:
    """This gateway's part of presence: its users' keys, its view of everyone's, and the typing throttle."""

    def __init__(self, kv: KeyValue, hub: Hub, settings: Settings) -> None:
        self._kv = kv
        self._hub = hub
        self._worker_id = settings.worker_id
        self.ttl_seconds = settings.presence_ttl_seconds
        self.board = PresenceBoard(int(self.ttl_seconds * 1000))
        self.typing = TypingThrottle()
        self._written: dict[int, Status] = {}  # what this gateway's key of each user says now
        self._changed: set[int] = set()
        self._wake = asyncio.Event()

    def statuses(self, user_ids: Iterable[int]) -> dict[int, Status]:
        return self.board.statuses(user_ids, now_ms())

    def changed(self, user_id: int) -> None:
        """A socket of the user opened or closed here, or a page said away or back: the writer rewrites the
        user's key at once if their status here changed. Never waits for NATS, so a bus outage holds no socket."""
        self._changed.add(user_id)
        self._wake.set()

    async def _write_forever(self) -> None:
        """The one writer of this gateway's keys (so a delete never overtakes a put of the same key): what changed,
        as it changes, and every key every third of the TTL, so none ages out while its user is connected."""
        every = self.ttl_seconds / 3
        refresh_at = time.monotonic() + every
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, refresh_at - time.monotonic()))
            self._wake.clear()
            changed, self._changed = self._changed, set()
            if time.monotonic() < refresh_at:
                await self._write_all(changed, only_changes=True)
                continue
            refresh_at = time.monotonic() + every
            await self._write_all({*self._hub.users(), *self._written, *changed}, only_changes=False)
            self.board.prune(now_ms())

    async def _write_all(self, users: Iterable[int], only_changes: bool) -> None:
        pending: set[asyncio.Task[None]] = set()
        for user_id in users:
            status = self._hub.local_status(user_id)
            if only_changes and self._written.get(user_id, Status.OFFLINE) is status:
                continue
            if len(pending) >= WRITE_CONCURRENCY:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending.add(asyncio.create_task(self._write(user_id, status)))
        if pending:
            await asyncio.wait(pending)

    async def _write(self, user_id: int, status: Status) -> None:
        key = presence_key(user_id, self._worker_id)
        try:
            if status is Status.OFFLINE:
                if user_id in self._written:
                    await self._kv.delete(key)
                    self._written.pop(user_id, None)
                self.board.apply(key, None)
            else:
                value = presence_value(status, now_ms())
                await self._kv.put(key, value)
                self._written[user_id] = status
                self.board.apply(key, value)  # this gateway's own answers need not wait for the watch
        except (NatsError, TimeoutError) as exc:
            log.warning("presence of user %s not written (%r); the next refresh retries", user_id, exc)

    async def run(self) -> None:
        """Write this gateway's keys and watch the bucket, until cancelled."""
        await asyncio.gather(self._write_forever(), self._watch_forever())

    async def _watch_forever(self) -> None:
        await watch_presence(self._kv, self.board, self.ttl_seconds)


def parse_status(value: object) -> Status:
    """What a `presence` frame may set: online or away (offline is what closing the socket says)."""
    if not isinstance(value, str) or value not in FRAME_STATUSES:
        raise ApiError(422, "status: must be 'online' or 'away'")
    return Status(value)


def set_status(presence: PresenceService, conn: Connection, value: object) -> None:
    """A page said it is away (hidden or idle) or back: this socket's part of its user's presence."""
    conn.away = parse_status(value) is Status.AWAY
    presence.changed(conn.user_id)


async def typing(presence: PresenceService, nc: NATS, conn: Connection, username: str, room_id: object) -> None:
    """Tell the room's other members that this user is typing: at most once per user and room every
    TYPING_INTERVAL_SECONDS from this gateway; more often is dropped without a word, so a page may send freely."""
    if not isinstance(room_id, str) or room_id not in conn.rooms:
        # The socket is subscribed to exactly the user's rooms, so membership costs no store read here.
        raise ApiError(403, "room_id: you can only type in a room you are a member of")
    if not presence.typing.allow(conn.user_id, room_id):
        return
    with contextlib.suppress(NatsError):  # an indicator lost while the bus is down is not worth an error
        await nc.publish(typing_subject(room_id), typing_payload(room_id, conn.user_id, username))


def presence_of(presence: PresenceService, user_ids: Iterable[int]) -> dict[str, Status]:
    """GET /v1/presence: each user's status, by user id as a decimal string; unknown users are offline."""
    return {str(user_id): status for user_id, status in presence.statuses(dict.fromkeys(user_ids)).items()}
