"""Everything a gateway process holds for its lifetime, built once in the app's lifespan."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from chatcluster.config import Settings
from chatcluster.gateway.hub import Hub
from chatcluster.gateway.identities import IdentityCache
from chatcluster.gateway.passwords import PasswordWorkers
from chatcluster.gateway.presence import PresenceService
from chatcluster.gateway.quizrelay import QuizRelay
from chatcluster.gateway.ratelimit import RateLimiter
from chatcluster.gateway.receipts import ReadPublisher
from chatcluster.gateway.throttle import Allowance, LoginThrottle
from chatcluster.ids import SnowflakeGenerator
from chatcluster.media.blobs import BlobStore, open_blob_store
from chatcluster.models import Room
from chatcluster.store import (
    Accounts,
    Blocks,
    Contacts,
    Lifecycle,
    Messages,
    Notifications,
    Pins,
    Reactions,
    ReadMarkers,
    Rooms,
    Stats,
    StoreUnavailable,
    UserSettingsStore,
)
from chatcluster.store.base import Broadcasts, CreatorLists, Media, Quizzes

ROOM_CACHE_SIZE = 10_000


class GatewayStore(
    Lifecycle,
    Accounts,
    Rooms,
    Messages,
    Stats,
    ReadMarkers,
    Notifications,
    UserSettingsStore,
    Reactions,
    Pins,
    Blocks,
    Contacts,
    Quizzes,
    Media,
    CreatorLists,
    Broadcasts,
    Protocol,
):
    """The roles of the store the gateway uses: it never writes scores, counts, notifications or reactions (it reads
    the feed and marks it read; it reads reactions, which the persister writes)."""


@dataclass
class Gateway:
    settings: Settings
    store: GatewayStore
    nc: NATS
    js: JetStreamContext
    ids: SnowflakeGenerator
    limiter: RateLimiter
    hub: Hub
    presence: PresenceService
    token_secret: str
    identities: IdentityCache = field(default_factory=IdentityCache)
    reads: ReadPublisher = field(default_factory=ReadPublisher)  # announces read markers, coalesced
    passwords: PasswordWorkers = field(init=False)
    quizzes: QuizRelay = field(init=False)  # live quiz boards for the sockets watching a quiz
    throttle: LoginThrottle = field(init=False)
    blobs: BlobStore = field(init=False)  # uploads and thumbnails (`chatcluster.media.blobs`)
    broadcasts: RateLimiter = field(init=False)  # each creator's broadcasts (`gateway.creators`)
    _rooms: OrderedDict[str, Room] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        settings = self.settings
        self.passwords = PasswordWorkers(settings.password_workers, settings.password_queue)
        self.quizzes = QuizRelay(self.nc)
        self.blobs = open_blob_store(settings)
        per_minute = settings.broadcast_rate_per_minute
        self.broadcasts = RateLimiter(per_minute / 60, max(1, int(per_minute)))
        self.throttle = LoginThrottle(
            per_username=Allowance(settings.login_username_failures, settings.login_username_recovery_seconds),
            per_address=Allowance(settings.login_address_failures, settings.login_address_recovery_seconds),
        )

    async def room(self, room_id: str) -> Room | None:
        """A room by id, cached (LRU): a room changes only through a `RoomEvent`, which every gateway hears and
        applies here (`moderation.listen_for_room_changes`)."""
        cached = self._rooms.get(room_id)
        if cached is not None:
            self._rooms.move_to_end(room_id)
            return cached
        room = await self.store.get_room(room_id)
        if room is not None:
            self.remember_room(room)
        return room

    def remember_room(self, room: Room) -> None:
        self._rooms[room.room_id] = room
        self._rooms.move_to_end(room.room_id)
        if len(self._rooms) > ROOM_CACHE_SIZE:
            self._rooms.popitem(last=False)

    def forget_room(self, room_id: str) -> None:
        self._rooms.pop(room_id, None)

    async def problems(self) -> list[str]:
        """What this gateway cannot reach right now (the bus, the store); none when it is healthy."""
        found: list[str] = []
        if not self.nc.is_connected:
            found.append("bus: not connected to NATS")
        try:
            await self.store.ping()
        except StoreUnavailable as exc:
            found.append(f"store: {exc}")
        return found
