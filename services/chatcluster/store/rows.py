"""Models into stored values and stored rows into models, the same way for every back end.

Both back ends name and order their columns alike (`created_ms`, `edited_ms`, `label`...), so one
mapping serves both. `*_values` are a model's column values in its table's order; a row is anything
read by column name, an `sqlite3.Row` or a Cassandra row as a dict (`row._asdict()`). A column
Cassandra leaves null (added by a later migration, or a score written before its message) reads as
the model's default.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from chatcluster.models import (
    Attachment,
    Member,
    Message,
    MessageVersion,
    Notification,
    NotificationKind,
    Room,
    RoomKind,
    RoomRole,
    Sentiment,
    User,
    UserSession,
)
from chatcluster.times import epoch_ms, utc_datetime

# What `reset_aggregates` empties in every back end (Cassandra keeps one more: the days it counted).
AGGREGATE_TABLES = (
    "stats_counted",
    "stats_messages",
    "stats_sentiment",
    "stats_top_minute",
    "stats_top_total",
    "stats_rate",
)


USER_COLUMNS = "user_id, username, password_hash, created_ms, is_admin, deleted"
SESSION_COLUMNS = "session_id, user_id, secret_hash, created_ms, last_used_ms, expires_ms, user_agent"
ROOM_COLUMNS = "room_id, kind, name, created_by, created_ms, topic, private"
NOTIFICATION_COLUMNS = (
    "user_id, notification_id, kind, room_id, message_id, author_id, author, preview, created_ms, read, deleted"
)


def user_values(user: User) -> tuple[int, str, str, int, bool, bool]:
    """The values of USER_COLUMNS."""
    return user.user_id, user.username, user.password_hash, epoch_ms(user.created_at), user.is_admin, user.deleted


def session_values(session: UserSession) -> tuple[int, int, str, int, int, int, str]:
    """The values of SESSION_COLUMNS."""
    return (
        session.session_id,
        session.user_id,
        session.secret_hash,
        epoch_ms(session.created_at),
        epoch_ms(session.last_used_at),
        epoch_ms(session.expires_at),
        session.user_agent,
    )


def room_values(room: Room) -> tuple[str, str, str, int, int, str, bool]:
    """The values of ROOM_COLUMNS."""
    return (
        room.room_id,
        room.kind.value,
        room.name,
        room.created_by,
        epoch_ms(room.created_at),
        room.topic,
        room.private,
    )


def placeholders(columns: str) -> str:
    """`?, ?, ...`: one bind marker per column of a `*_COLUMNS` list."""
    return ", ".join("?" for _ in columns.split(","))


# Above every character a username may hold (`models.USERNAME_PATTERN`: ASCII letters, digits, '_', '.', '-').
_PAST_USERNAME_CHARS = "\x7f"


def username_range(prefix: str) -> tuple[str, str]:
    """The lowercase bounds [low, high) of every username starting with `prefix`, whatever its case."""
    low = prefix.lower()
    return low, low + _PAST_USERNAME_CHARS


class Row(Protocol):
    def __getitem__(self, column: str, /) -> Any: ...


def user_of(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        username=row["username"],
        password_hash=row["password_hash"] or "",
        created_at=utc_datetime(row["created_ms"]),
        is_admin=bool(row["is_admin"]),
        deleted=bool(row["deleted"]),
    )


def session_of(row: Row) -> UserSession:
    return UserSession(
        session_id=row["session_id"],
        user_id=row["user_id"],
        secret_hash=row["secret_hash"],
        created_at=utc_datetime(row["created_ms"]),
        last_used_at=utc_datetime(row["last_used_ms"]),
        expires_at=utc_datetime(row["expires_ms"]),
        user_agent=row["user_agent"] or "",
    )


def room_of(row: Row) -> Room:
    return Room(
        room_id=row["room_id"],
        kind=RoomKind(row["kind"]),
        name=row["name"],
        created_by=row["created_by"],
        created_at=utc_datetime(row["created_ms"]),
        topic=row["topic"] or "",
        private=bool(row["private"]),
    )


def member_role(stored: str | None, room: Room, user_id: int) -> RoomRole:
    """A member's role from its column; a row written before roles existed holds none, and then the creator of a
    group room is its owner and anyone else a member."""
    if stored:
        return RoomRole(stored)
    return RoomRole.OWNER if room.kind is RoomKind.GROUP and room.created_by == user_id else RoomRole.MEMBER


def member_of(row: Row, role: RoomRole) -> Member:
    return Member(user_id=row["user_id"], username=row["username"], joined_at=utc_datetime(row["joined_ms"]), role=role)


def message_of(row: Row) -> Message:
    """A message with its score, if scored; a deleted one reads as an empty tombstone whatever its row holds."""
    deleted = bool(row["deleted"])
    return Message(
        message_id=row["message_id"],
        room_id=row["room_id"],
        author_id=row["author_id"],
        author=row["author"],
        text="" if deleted else row["text"] or "",
        reply_to=row["reply_to"],
        client_id=row["client_id"],
        edited_at=None if row["edited_ms"] is None else utc_datetime(row["edited_ms"]),
        deleted=deleted,
        sentiment=None
        if row["label"] is None
        else Sentiment(label=row["label"], confidence=row["confidence"], model_version=row["model_version"]),
        mentions=mentions_of(row["mentions"]),
        attachments=() if deleted else attachments_of(row["attachments"]),
    )


def attachments_value(attachments: Sequence[Attachment]) -> str | None:
    """A message's attachments as both back ends keep them: their JSON (None when there are none)."""
    if not attachments:
        return None
    return json.dumps([a.model_dump(mode="json") for a in attachments], separators=(",", ":"))


def attachments_of(stored: str | None) -> tuple[Attachment, ...]:
    if not stored:
        return ()
    return tuple(Attachment.model_validate(item) for item in json.loads(stored))


def mentions_value(mentions: Sequence[int]) -> str:
    """A message's mentions as SQLite keeps them: ids separated by spaces (Cassandra keeps a list)."""
    return " ".join(map(str, mentions))


def mentions_of(stored: str | Sequence[int] | None) -> tuple[int, ...]:
    """A message's mentions from either back end's column; none in a row written before they existed."""
    if not stored:
        return ()
    return tuple(int(v) for v in (stored.split() if isinstance(stored, str) else stored))


def notification_of(row: Row) -> Notification:
    """A feed entry; a deleted message's reads blank whatever its row holds."""
    deleted = bool(row["deleted"])
    return Notification(
        notification_id=row["notification_id"],
        user_id=row["user_id"],
        kind=NotificationKind(row["kind"]),
        room_id=row["room_id"],
        message_id=row["message_id"],
        author_id=row["author_id"],
        author=row["author"],
        preview="" if deleted else row["preview"] or "",
        created_at=utc_datetime(row["created_ms"]),
        read=bool(row["read"]),
        deleted=deleted,
    )


def version_of(row: Row) -> MessageVersion:
    """One text of a message's edit history."""
    return MessageVersion(
        event_id=row["event_id"],
        text=row["text"] or "",
        edited_at=None if row["edited_ms"] is None else utc_datetime(row["edited_ms"]),
    )
