"""Domain records and the versioned events that travel on the bus.

Ids are 64-bit integers in Python and decimal strings in JSON, because
JavaScript numbers lose precision past 2**53.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

from chatcluster.ids import id_datetime

ROOM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
MAX_TEXT_CHARS = 4000
_ROOM_ID_RE = re.compile(ROOM_ID_PATTERN)


def _parse_snowflake(value: Any) -> Any:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


Snowflake = Annotated[
    int,
    BeforeValidator(_parse_snowflake),
    Field(ge=0, lt=2**63),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,19}$", "description": "64-bit Snowflake id"}),
]
RoomId = Annotated[str, Field(pattern=ROOM_ID_PATTERN, description="Room id; also the last token of its subject")]


def is_room_id(value: str) -> bool:
    return bool(_ROOM_ID_RE.fullmatch(value))


def dm_room_id(user_a: int, user_b: int) -> str:
    """The one direct-message room of two users, the same whichever of them asks."""
    low, high = sorted((user_a, user_b))
    return f"dm-{low}-{high}"


def dm_members(room_id: str) -> tuple[int, int] | None:
    """The two users of a direct-message room (`dm_room_id`'s inverse); None for any other room."""
    prefix, _, pair = room_id.partition("-")
    low, _, high = pair.partition("-")
    if prefix != "dm" or not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
        return None
    return int(low), int(high)


class RoomKind(StrEnum):
    GROUP = "group"
    DIRECT = "direct"


class RoomRole(StrEnum):
    """A member's rights in a group room: the owner (its creator, until ownership is transferred) and admins
    run the room; members talk. Direct-message rooms have two members and no roles."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: Snowflake
    username: str
    password_hash: str = Field(exclude=True, repr=False)
    created_at: datetime
    is_admin: bool = Field(default=False, description="A platform admin (granted with `chatcluster admin grant`)")
    deleted: bool = Field(
        default=False, description="A deleted account: no password, no sessions, its username kept reserved"
    )


class UserSession(BaseModel):
    """A signed-in client: it holds the refresh token; the store keeps only the secret's sha256.

    Its expiry slides: each refresh moves `expires_at` to the refresh time plus the session TTL.
    """

    model_config = ConfigDict(frozen=True)

    session_id: Snowflake
    user_id: Snowflake
    secret_hash: str = Field(exclude=True, repr=False)
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str = ""


class Room(BaseModel):
    model_config = ConfigDict(frozen=True)

    room_id: RoomId
    kind: RoomKind
    name: str
    created_by: Snowflake
    created_at: datetime
    topic: str = Field(default="", description="What the room is about, set by its owner or admins")
    private: bool = Field(
        default=False,
        description="Invite-only and hidden from the directory and from everyone's statistics; a direct-message "
        "room is always private (`chatcluster.privacy`)",
    )


class Member(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: Snowflake
    username: str
    joined_at: datetime
    role: RoomRole = RoomRole.MEMBER


class EventKind(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    DELETED = "deleted"


class Sentiment(BaseModel):
    """A message's score: +1 positive, -1 negative, 0 neutral or unable to score."""

    model_config = ConfigDict(frozen=True)

    label: Literal[-1, 0, 1]
    confidence: float = Field(ge=0.0, le=1.0)
    model_version: str


class Attachment(BaseModel):
    """A file a message carries: the metadata of one of its author's uploads (`POST /v1/media`); its bytes are read
    from `GET /v1/media/{media_id}` (and an image's thumbnail from `.../thumbnail`)."""

    model_config = ConfigDict(frozen=True)

    media_id: Snowflake
    filename: str
    content_type: str = Field(description="Sniffed from the bytes when uploaded, never the client's claim")
    size: int = Field(ge=0)
    width: int | None = Field(default=None, description="Images only")
    height: int | None = Field(default=None, description="Images only")


class Message(BaseModel):
    """A message as stored and as clients read it; a deleted one keeps its place as a tombstone."""

    model_config = ConfigDict(frozen=True)

    message_id: Snowflake
    room_id: RoomId
    author_id: Snowflake
    author: str
    text: str
    reply_to: Snowflake | None = None
    client_id: str | None = None
    edited_at: datetime | None = None
    deleted: bool = False
    sentiment: Sentiment | None = Field(default=None, description="Set by the scorer; absent until scored")
    mentions: tuple[Snowflake, ...] = Field(
        default=(),
        description="Members named `@username` in the text, resolved by the gateway when it was sent or edited",
    )
    attachments: tuple[Attachment, ...] = Field(
        default=(), description="Files the author attached when sending; none on a deleted message"
    )

    @property
    def created_at(self) -> datetime:
        return id_datetime(self.message_id)


class MessageVersion(BaseModel):
    """One text a message has had: as sent (`edited_at` None) or as an edit made it; the store keeps each."""

    model_config = ConfigDict(frozen=True)

    event_id: Snowflake = Field(description="The event that wrote this text (the message id for the text as sent)")
    text: str
    edited_at: datetime | None = Field(description="When this edit was made; null for the text as sent")


class MessageEvent(BaseModel):
    """What the gateway publishes on `chat.msg.<room>`: the message's whole state after the event.

    Carrying the full state makes every consumer's write a blind upsert
    (last event id wins), with no read-before-write and no ordering needs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", title="MessageEvent")

    schema_version: Literal["chatcluster.message.v1"] = "chatcluster.message.v1"
    kind: EventKind
    event_id: Snowflake = Field(description="Unique per event; orders events of one message")
    message: Message
    private: bool = Field(
        default=False,
        description="The room was private when the event was published: what it says never counts in the "
        "figures non-members see (`chatcluster.privacy`)",
    )

    @property
    def subject(self) -> str:
        return message_subject(self.message.room_id)


class ScoredEvent(BaseModel):
    """What the scorer publishes on `chat.scored.<room>`: the message as scored, and its score.

    It carries the whole message so the aggregator needs no other input, and a
    rebuild from the CHAT_SCORED stream alone recomputes every aggregate.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", title="ScoredEvent")

    schema_version: Literal["chatcluster.scored.v1"] = "chatcluster.scored.v1"
    kind: EventKind
    event_id: Snowflake = Field(description="The id of the message event that was scored")
    message: Message
    sentiment: Sentiment
    scored_at: datetime
    private: bool = Field(default=False, description="Copied from the message event (`MessageEvent.private`)")

    @property
    def subject(self) -> str:
        return scored_subject(self.message.room_id)


class MembershipOp(StrEnum):
    JOINED = "joined"  # joined by themselves, or invited by an owner or admin (`by`)
    LEFT = "left"
    KICKED = "kicked"  # removed by an owner or admin (`by`); may join again
    BANNED = "banned"  # removed and kept out until unbanned
    ROLE = "role"  # still a member, with a new `role`


class MembershipEvent(BaseModel):
    """What the gateway publishes on `chat.room.<room>` when someone joins or leaves the room, so its other
    members see it live and in a reconnecting client's replay. Kept in the CHAT stream beside the messages;
    the message consumers (persister, scorer) never see it: they read `chat.msg.>` only."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="MembershipEvent")

    schema_version: Literal["chatcluster.membership.v1"] = "chatcluster.membership.v1"
    event_id: Snowflake = Field(description="Unique per event; orders it among the room's messages")
    room_id: RoomId
    user_id: Snowflake
    username: str
    op: MembershipOp
    role: RoomRole | None = Field(default=None, description="The member's role after the event (joined, role)")
    by: Snowflake | None = Field(default=None, description="Who did it, when not the member themselves")

    @property
    def subject(self) -> str:
        return room_subject(self.room_id)


class RoomOp(StrEnum):
    UPDATED = "updated"  # renamed, new topic, made private or public, new owner
    DELETED = "deleted"  # gone with its history, for everyone


class RoomEvent(BaseModel):
    """What the gateway publishes on `chat.settings.<room>` when an owner or admin changes the room: its whole
    state after the change, live to the members and in a reconnecting client's replay."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="RoomEvent")

    schema_version: Literal["chatcluster.room.v1"] = "chatcluster.room.v1"
    event_id: Snowflake = Field(description="Unique per event; orders it among the room's messages")
    op: RoomOp
    room: Room
    by: Snowflake = Field(description="The owner or admin who changed it")

    @property
    def subject(self) -> str:
        return settings_subject(self.room.room_id)


class ReactionOp(StrEnum):
    ADDED = "added"
    REMOVED = "removed"


class ReactionEvent(BaseModel):
    """What the gateway publishes on `chat.reaction.<room>` when a member adds or removes an emoji reaction.

    The persister stores it keyed by (message, user, emoji), the highest event id winning, so the same
    reaction twice counts once and a redelivered event changes nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="ReactionEvent")

    schema_version: Literal["chatcluster.reaction.v1"] = "chatcluster.reaction.v1"
    event_id: Snowflake = Field(description="Unique per event; the highest wins for one (message, user, emoji)")
    op: ReactionOp
    room_id: RoomId
    message_id: Snowflake
    user_id: Snowflake
    username: str
    emoji: str = Field(min_length=1, max_length=64, description="One emoji grapheme")

    @property
    def subject(self) -> str:
        return reaction_subject(self.room_id)


class PinEvent(BaseModel):
    """What the gateway publishes on `chat.pin.<room>` when an owner or admin pins or unpins a message."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="PinEvent")

    schema_version: Literal["chatcluster.pin.v1"] = "chatcluster.pin.v1"
    event_id: Snowflake = Field(description="Unique per event; orders it among the room's messages")
    room_id: RoomId
    message_id: Snowflake
    pinned: bool
    by: Snowflake

    @property
    def subject(self) -> str:
        return pin_subject(self.room_id)


class ReadEvent(BaseModel):
    """What the gateway publishes on `chat.read.<room>` when a member's read marker moves forward in a room whose
    members see each other's receipts (a direct-message room, or a room of at most
    `CHATCLUSTER_READ_RECEIPTS_MAX_MEMBERS` members): live to the room's sockets, and in a reconnecting client's
    replay. Idempotent: its Nats-Msg-Id is `read:<user>:<room>:<message_id>`, and a marker only moves forward."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="ReadEvent")

    schema_version: Literal["chatcluster.read.v1"] = "chatcluster.read.v1"
    event_id: Snowflake = Field(description="Unique per event; orders it among the room's messages")
    room_id: RoomId
    user_id: Snowflake = Field(description="The reader")
    message_id: Snowflake = Field(description="The reader's marker: the last message read")
    read_at: datetime

    @property
    def subject(self) -> str:
        return read_subject(self.room_id)

    @property
    def dedup_key(self) -> str:
        return f"read:{self.user_id}:{self.room_id}:{self.message_id}"


class DeadLetter(BaseModel):
    """What a consumer writes to `CHAT_DLQ` when it gives up on a message."""

    model_config = ConfigDict(frozen=True, title="DeadLetter")

    schema_version: Literal["chatcluster.deadletter.v1"] = "chatcluster.deadletter.v1"
    consumer: str
    subject: str
    stream_sequence: int
    deliveries: int
    error: str
    payload: str = Field(description="The original payload, decoded as UTF-8 with replacement")
    failed_at: datetime


class RoomMoodEvent(BaseModel):
    """A room's mood (`chatcluster.mood`), published by the aggregator on core NATS (`live.mood.<room>`) when a
    scored batch changed it, at most once per `CHATCLUSTER_MOOD_INTERVAL_SECONDS` per room; the gateway relays it
    to the room's sockets as a `mood` frame. Never stored: `GET /v1/rooms/{id}` computes the current one."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="RoomMoodEvent")

    schema_version: Literal["chatcluster.mood.v1"] = "chatcluster.mood.v1"
    room_id: RoomId
    minute: datetime = Field(description="Start of the current minute: the series' last point")
    positive: int = Field(ge=0, description="Positive messages in the last 5 minutes")
    neutral: int = Field(ge=0, description="Neutral messages in the last 5 minutes")
    negative: int = Field(ge=0, description="Negative messages in the last 5 minutes")
    mean: float = Field(ge=-1, le=1, description="(positive - negative) / messages over the last 5 minutes; 0 if none")
    series: tuple[float | None, ...] = Field(
        description="30 one-minute means, oldest first; null for a minute without a scored message"
    )

    @property
    def subject(self) -> str:
        return mood_subject(self.room_id)


MESSAGE_SUBJECT_PREFIX = "chat.msg."
MOOD_SUBJECT_PREFIX = "live.mood."
SCORED_SUBJECT_PREFIX = "chat.scored."
ROOM_SUBJECT_PREFIX = "chat.room."
TYPING_SUBJECT_PREFIX = "live.typing."
READ_SUBJECT_PREFIX = "chat.read."
REACTION_SUBJECT_PREFIX = "chat.reaction."
PIN_SUBJECT_PREFIX = "chat.pin."
SETTINGS_SUBJECT_PREFIX = "chat.settings."

# What the gateway publishes to the CHAT stream.
ChatEvent = MessageEvent | MembershipEvent | ReadEvent | RoomEvent | ReactionEvent | PinEvent


def message_subject(room_id: str) -> str:
    return f"{MESSAGE_SUBJECT_PREFIX}{room_id}"


def scored_subject(room_id: str) -> str:
    return f"{SCORED_SUBJECT_PREFIX}{room_id}"


def room_subject(room_id: str) -> str:
    """A room's membership events (`MembershipEvent`), in the CHAT stream."""
    return f"{ROOM_SUBJECT_PREFIX}{room_id}"


def typing_subject(room_id: str) -> str:
    """Who is typing in a room: core NATS only, no stream captures `live.>`, so it is never stored."""
    return f"{TYPING_SUBJECT_PREFIX}{room_id}"


def mood_subject(room_id: str) -> str:
    """A room's mood (`RoomMoodEvent`): core NATS only, like typing. A missed update is superseded by the next one
    and the current mood is read from the API, so storing every update would only fill a stream."""
    return f"{MOOD_SUBJECT_PREFIX}{room_id}"


def read_subject(room_id: str) -> str:
    """A room's read receipts (`ReadEvent`), in the CHAT stream."""
    return f"{READ_SUBJECT_PREFIX}{room_id}"


def reaction_subject(room_id: str) -> str:
    """A room's emoji reactions (`ReactionEvent`), in the CHAT stream."""
    return f"{REACTION_SUBJECT_PREFIX}{room_id}"


def pin_subject(room_id: str) -> str:
    """A room's pins (`PinEvent`), in the CHAT stream."""
    return f"{PIN_SUBJECT_PREFIX}{room_id}"


def settings_subject(room_id: str) -> str:
    """A room's changes of name, topic, privacy, owner, and its deletion (`RoomEvent`), in the CHAT stream."""
    return f"{SETTINGS_SUBJECT_PREFIX}{room_id}"


def event_id_of(event: MessageEvent | ScoredEvent) -> int:
    """The id a consumer names an event by (`messaging.message.id`), whichever stream it came from."""
    return event.event_id


def membership_subject(user_id: int) -> str:
    """Core-NATS notices telling every gateway that a user's rooms changed."""
    return f"chat.member.{user_id}"


USER_SUBJECT_PREFIX = "chat.user."


def user_subject(user_id: int) -> str:
    """Core-NATS live frames for every socket of one user, on whichever gateways hold them: each payload is a
    WebSocket frame already built (a JSON object with a `type`), forwarded as it is."""
    return f"{USER_SUBJECT_PREFIX}{user_id}"


class NotificationKind(StrEnum):
    MENTION = "mention"
    DIRECT = "direct"
    REPLY = "reply"


class Notification(BaseModel):
    """One entry of a user's notification feed, made by the notifier from a message event.

    A message gives a user at most one notification (`chatcluster.recipients` picks its kind), so the
    message's id names it: a redelivered event writes the same entry again, never a second one."""

    model_config = ConfigDict(frozen=True)

    notification_id: Snowflake = Field(description="The id of the message it is about; orders the feed")
    user_id: Snowflake = Field(exclude=True, description="Whose feed it is in")
    kind: NotificationKind
    room_id: RoomId
    message_id: Snowflake
    author_id: Snowflake
    author: str
    preview: str = Field(description="The message's text cut to 100 characters; empty once it is deleted")
    created_at: datetime = Field(description="When the message was sent")
    read: bool = False
    deleted: bool = Field(default=False, description="The message was deleted since")
    version: int = Field(
        default=0, exclude=True, description="The id of the message event it was made from: the highest wins"
    )


class NotificationFrame(BaseModel):
    """What the notifier publishes on `chat.user.<user_id>` (core NATS) for a new notification: the frame the
    gateway forwards as it is to every socket of the user. Nothing keeps it: a user with no socket open
    finds the notification in GET /v1/notifications."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="NotificationFrame")

    type: Literal["notification"] = "notification"
    schema_version: Literal["chatcluster.notification.v1"] = "chatcluster.notification.v1"
    notification: Notification


MIN_DIGEST_MINUTES = 5
MAX_DIGEST_MINUTES = 1440
MAX_MUTED_ROOMS = 1000
# Deliberately loose (one @, no spaces, a dot in the domain): the mail server is the judge of an address.
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


class UserSettings(BaseModel):
    """A user's notification settings: the digest email and the rooms that never notify."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: str | None = Field(
        default=None,
        pattern=EMAIL_PATTERN,
        max_length=254,
        description="Where digest emails go; none, no digest",
    )
    email_digest: bool = Field(
        default=True, description="Email a digest of unread mentions and direct messages while away"
    )
    digest_after_minutes: int = Field(
        default=15,
        ge=MIN_DIGEST_MINUTES,
        le=MAX_DIGEST_MINUTES,
        description="How long a mention or direct message stays unread, the user offline, before a digest is "
        "emailed; also the least time between two digests",
    )
    muted_rooms: tuple[RoomId, ...] = Field(
        default=(),
        max_length=MAX_MUTED_ROOMS,
        description="Rooms that never notify: no notification, no browser alert, no digest",
    )

    @field_validator("muted_rooms")
    @classmethod
    def _distinct(cls, rooms: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rooms))
