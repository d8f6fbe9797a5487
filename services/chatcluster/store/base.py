"""The store interface: one contract, several back ends (SQLite now, Cassandra in a cluster).

Every write is idempotent: users and rooms are insert-if-absent, memberships
are set semantics, and message events are upserts where the highest event id
wins, so a redelivered or replayed event never changes the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from chatcluster.models import Member, Message, MessageEvent, Room, User


class StoreUnavailable(Exception):
    """The back end cannot be reached; callers retry or report unhealthy."""


class JoinResult(StrEnum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"
    ROOM_FULL = "room_full"
    NO_SUCH_ROOM = "no_such_room"


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the back end answers a query."""

    async def create_user(self, user: User) -> bool:
        """Insert the user; False if the username is taken."""

    async def get_user(self, user_id: int) -> User | None: ...

    async def get_user_by_name(self, username: str) -> User | None: ...

    async def create_room(self, room: Room) -> bool:
        """Insert the room; False if a room with that id exists."""

    async def get_room(self, room_id: str) -> Room | None: ...

    async def group_rooms(self, limit: int) -> list[Room]:
        """Group rooms, newest first: the directory people browse to join."""

    async def add_member(self, room_id: str, user_id: int, limit: int) -> JoinResult: ...

    async def remove_member(self, room_id: str, user_id: int) -> bool: ...

    async def is_member(self, room_id: str, user_id: int) -> bool: ...

    async def members(self, room_id: str) -> list[Member]: ...

    async def rooms_of(self, user_id: int) -> list[Room]: ...

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        """Upsert a batch of message events atomically; the highest event id per message wins."""

    async def get_message(self, message_id: int) -> Message | None: ...

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        """Up to `limit` messages in id order: the newest older than `before`, or the oldest newer than `after`."""
