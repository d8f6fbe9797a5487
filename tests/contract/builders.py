"""What the role contracts build their cases from: users, sessions, rooms, message events, scores.

Every moment is millisecond-precise (the precision every back end keeps), and `ContractCase` gives
each contract a fresh Snowflake generator as the `ids` fixture. The `store` fixture is the back
end's: see `tests.contract.store_contract`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Room,
    RoomKind,
    ScoredEvent,
    Sentiment,
    User,
    UserSession,
)
from chatcluster.store.base import Messages

DAY_MS = 24 * 3600 * 1000
# 2025-04-11T00:00:00Z: a past time, so live ids minted during a test are all later.
ORIGIN_MS = 1_744_329_600_000


def at(ms: int) -> datetime:
    """A millisecond-precise moment, the precision every back end keeps."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def new_user(ids: SnowflakeGenerator, username: str) -> User:
    return User(
        user_id=ids.next_id(),
        username=username,
        password_hash=f"$argon2id$v=19$m=65536,t=3,p=4$placeholder-for-{username}",
        created_at=at(ORIGIN_MS + 123),
    )


def new_session(
    ids: SnowflakeGenerator, user: User, *, expires_in_s: int = 3600, agent: str = "pytest/1"
) -> UserSession:
    """A session created now (real time: Cassandra expires sessions by TTL) expiring `expires_in_s` later."""
    now_ms = int(time.time() * 1000)
    return UserSession(
        session_id=ids.next_id(),
        user_id=user.user_id,
        secret_hash="ab" * 32,
        created_at=at(now_ms),
        last_used_at=at(now_ms),
        expires_at=at(now_ms + expires_in_s * 1000),
        user_agent=agent,
    )


def new_room(room_id: str, *, kind: RoomKind = RoomKind.GROUP, created_ms: int = ORIGIN_MS, by: int = 1) -> Room:
    return Room(room_id=room_id, kind=kind, name=f"The {room_id} room", created_by=by, created_at=at(created_ms))


def created(
    ids: SnowflakeGenerator, room_id: str, text: str, *, at_ms: int | None = None, **fields: object
) -> MessageEvent:
    message_id = ids.next_id(at_ms)
    message = Message.model_validate(
        {
            "message_id": message_id,
            "room_id": room_id,
            "author_id": 42,
            "author": "alice",
            "text": text,
            **fields,
        }
    )
    return MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message)


def edited(original: MessageEvent, event_id: int, text: str) -> MessageEvent:
    message = original.message.model_copy(update={"text": text, "edited_at": at(ORIGIN_MS + event_id % 997)})
    return MessageEvent(kind=EventKind.EDITED, event_id=event_id, message=message)


def deleted(original: MessageEvent, event_id: int) -> MessageEvent:
    message = original.message.model_copy(update={"text": "", "deleted": True, "edited_at": at(ORIGIN_MS + 5)})
    return MessageEvent(kind=EventKind.DELETED, event_id=event_id, message=message)


def scored(event: MessageEvent, label: int = 1) -> ScoredEvent:
    sentiment = Sentiment.model_validate({"label": label, "confidence": 0.9, "model_version": "contract"})
    return ScoredEvent(
        kind=event.kind, event_id=event.event_id, message=event.message, sentiment=sentiment, scored_at=at(ORIGIN_MS)
    )


def ids_of(messages: Sequence[Message]) -> list[int]:
    return [m.message_id for m in messages]


async def walk_back(store: Messages, room_id: str, page: int) -> list[int]:
    """Every message id of a room, read newest page first with `before` cursors."""
    seen: list[int] = []
    cursor: int | None = None
    while True:
        batch = await store.history(room_id, before=cursor, limit=page)
        if not batch:
            return seen
        assert len(batch) <= page
        assert ids_of(batch) == sorted(ids_of(batch)), "a page must be in id order"
        seen[:0] = ids_of(batch)
        cursor = batch[0].message_id


async def walk_forward(store: Messages, room_id: str, page: int) -> list[int]:
    """Every message id of a room, read oldest first with `after` cursors."""
    seen: list[int] = []
    cursor = 0
    while True:
        batch = await store.history(room_id, after=cursor, limit=page)
        if not batch:
            return seen
        assert len(batch) <= page
        assert ids_of(batch) == sorted(ids_of(batch)), "a page must be in id order"
        seen.extend(ids_of(batch))
        cursor = batch[-1].message_id


class ContractCase:
    """The fixtures every role contract shares; a back end's test class supplies `store`."""

    @pytest.fixture
    def ids(self) -> SnowflakeGenerator:
        return SnowflakeGenerator(worker_id=17)
