"""Request and response bodies of the public API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from chatcluster.counting import MessageCount, SentimentStep, TopCount, TopKind
from chatcluster.gateway.security import REFRESH_TOKEN_PATTERN
from chatcluster.models import (
    MAX_TEXT_CHARS,
    USERNAME_PATTERN,
    Attachment,
    DeadLetter,
    Member,
    Message,
    MessageVersion,
    Notification,
    NotificationKind,
    Room,
    RoomMoodEvent,
    RoomRole,
    Sentiment,
    Snowflake,
)
from chatcluster.presence import Status
from chatcluster.privacy import Audience, is_private_room
from chatcluster.reactions import ReactionSummary
from chatcluster.store.base import MediaRecord
from chatcluster.unread import SHOWN_CAP

CLIENT_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


def _visible(value: str) -> str:
    """Text people read (messages, room names): no NUL, which stores and terminals mishandle, and not blank."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain a NUL (\\u0000) character")
    if not value.strip():
        raise PydanticCustomError("blank", "must contain something besides whitespace")
    return value


VisibleText = Annotated[str, AfterValidator(_visible)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Credentials(_Strict):
    username: str = Field(pattern=USERNAME_PATTERN, description="3-32 letters, digits, '_', '.', '-'")
    password: str = Field(min_length=8, max_length=256)


class RefreshIn(_Strict):
    refresh_token: str = Field(
        pattern=REFRESH_TOKEN_PATTERN, max_length=80, description="The refresh_token from register, login or refresh"
    )


class PasswordChange(_Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class AccountDeletion(_Strict):
    password: str = Field(min_length=1, max_length=256, description="The account's password, to confirm")


class TokenOut(BaseModel):
    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`; short-lived")
    token_type: str = "bearer"
    expires_at: datetime = Field(description="When the access token expires: refresh before then")
    refresh_token: str = Field(
        description="`<session_id>.<secret>`: POST it to /v1/auth/refresh for a new access token; it stays the "
        "same for the session's life and dies with the session (logout, revocation, password change)"
    )
    session_id: Snowflake
    user_id: Snowflake
    username: str


class MeOut(BaseModel):
    user_id: Snowflake
    username: str
    session_id: Snowflake
    is_admin: bool = Field(description="A platform admin (sees dead-letter payloads)")


class SessionOut(BaseModel):
    session_id: Snowflake
    created_at: datetime
    last_used_at: datetime = Field(description="The last sign-in or refresh")
    expires_at: datetime = Field(description="Unless refreshed before then")
    user_agent: str
    current: bool = Field(description="The session of the token that asked")


class RoomCreate(_Strict):
    name: VisibleText = Field(min_length=1, max_length=100)


class RoomOut(BaseModel):
    room_id: str
    kind: str
    name: str
    created_by: Snowflake
    created_at: datetime
    topic: str = Field(default="", description="What the room is about; empty when unset")
    private: bool = Field(
        default=False,
        description="Invite-only, hidden from the directory and from everyone else's statistics (a direct-message "
        "room always is)",
    )
    my_role: RoomRole | None = Field(
        default=None, description="My role in the room (owner, admin or member); null when I am not a member"
    )
    mood: RoomMoodEvent | None = Field(
        default=None,
        description="The room's mood now (the last 5 minutes and 30 one-minute means), as the live `mood` frame "
        "carries it; in GET /v1/rooms/{id} and GET /v1/rooms, null elsewhere",
    )

    @classmethod
    def of(cls, room: Room, my_role: RoomRole | None = None, mood: RoomMoodEvent | None = None) -> RoomOut:
        private = is_private_room(room.room_id, private=room.private)
        return cls.model_validate({**room.model_dump(), "private": private, "my_role": my_role, "mood": mood})


class MemberOut(Member):
    presence: Status = Field(description="online, away or offline now (GET /v1/presence explains it)")


class MembersOut(BaseModel):
    room_id: str
    count: int
    members: list[MemberOut]


class LastMessage(BaseModel):
    message_id: Snowflake
    author: str
    preview: str = Field(description="The text cut to 100 characters (empty for a deleted message)")
    created_at: datetime
    deleted: bool


class RoomSummary(RoomOut):
    """One of my rooms in my room list: what is new there for me."""

    unread: int = Field(ge=0, le=SHOWN_CAP, description="Messages after my read marker, not mine, capped at 9,999")
    unread_capped: bool = Field(description="More than 9,999 are unread: show 9,999+")
    unread_mentions: int = Field(ge=0, description="Unread messages that mention me")
    read_marker: Snowflake | None = Field(description="The last message I read here (or when I joined)")
    last_message: LastMessage | None = Field(description="The room's newest message, deleted or not")
    muted: bool = Field(description="I muted the room's notifications")


class ReadMarkerIn(_Strict):
    message_id: Snowflake = Field(description="The last message read: a message of this room")


class ReadMarkerOut(BaseModel):
    room_id: str
    message_id: Snowflake = Field(description="My read marker after the call: it never moves back")


class Receipt(BaseModel):
    user_id: Snowflake
    username: str
    message_id: Snowflake | None = Field(description="The last message this member read (null: not known)")


class ReceiptsOut(BaseModel):
    room_id: str
    shared: bool = Field(
        description="Whether members see each other's receipts here: in direct messages and rooms of at most "
        "CHATCLUSTER_READ_RECEIPTS_MAX_MEMBERS members; otherwise `receipts` holds only yours"
    )
    receipts: list[Receipt]


class MessageSend(_Strict):
    text: VisibleText = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN, description="Idempotency key")
    reply_to: Snowflake | None = None
    sent_at: datetime | None = Field(
        default=None, description="Test clock only: refused unless the gateway runs with test_clock"
    )
    attachments: list[Snowflake] = Field(
        default_factory=list, max_length=100, description="Ids of the sender's uploads (POST /v1/media) to attach"
    )


class MessageEdit(_Strict):
    text: VisibleText = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class ReactionUserOut(BaseModel):
    user_id: Snowflake
    username: str


class ReactionOut(BaseModel):
    """One emoji on a message: how many people react with it, and who, in the order of their latest reaction."""

    emoji: str
    count: int = Field(ge=1)
    users: list[ReactionUserOut]

    @classmethod
    def of(cls, summary: ReactionSummary) -> ReactionOut:
        users = [ReactionUserOut(user_id=u.user_id, username=u.username) for u in summary.users]
        return cls(emoji=summary.emoji, count=summary.count, users=users)


class MessageOut(BaseModel):
    message_id: Snowflake
    room_id: str
    author_id: Snowflake
    author: str
    text: str
    reply_to: Snowflake | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    sentiment: Sentiment | None = Field(default=None, description="+1/0/-1 once the scorer has scored it")
    mentions: list[Snowflake] = Field(
        default_factory=list, description="Members named `@username` in the text (resolved when sent or edited)"
    )
    reply_count: int = Field(default=0, ge=0, description="Replies to this message that are not deleted")
    reactions: list[ReactionOut] = Field(
        default_factory=list, description="Emoji reactions, the earliest emoji first (none on a deleted message)"
    )
    attachments: list[Attachment] = Field(default_factory=list, description="Files it carries (none once deleted)")

    @classmethod
    def of(cls, message: Message, *, reply_count: int = 0, reactions: Sequence[ReactionSummary] = ()) -> MessageOut:
        return cls(
            created_at=message.created_at,
            reply_count=reply_count,
            reactions=[ReactionOut.of(r) for r in reactions],
            **message.model_dump(exclude={"client_id"}),
        )


class MediaOut(BaseModel):
    """An upload as `POST /v1/media` answers it; attach it to a message by its id."""

    media_id: Snowflake
    filename: str
    content_type: str = Field(description="Sniffed from the bytes, never the client's claim")
    size: int
    width: int | None = Field(description="Images only")
    height: int | None = Field(description="Images only")
    url: str = Field(description="Where the file is read (GET; for the uploader and members of rooms it is posted in)")

    @classmethod
    def of(cls, record: MediaRecord) -> MediaOut:
        return cls(
            media_id=record.media_id,
            filename=record.filename,
            content_type=record.content_type,
            size=record.size,
            width=record.width,
            height=record.height,
            url=f"/v1/media/{record.media_id}",
        )


class SendAccepted(BaseModel):
    message_id: Snowflake
    room_id: str
    duplicate: bool = Field(description="True when client_id matched an earlier send")


class HistoryPage(BaseModel):
    room_id: str
    messages: list[MessageOut] = Field(description="Oldest first")
    before: Snowflake | None = Field(description="Cursor for the next older page, if any")
    after: Snowflake | None = Field(description="Cursor for newer messages")


class Problem(BaseModel):
    """Every error answer of the API."""

    detail: str = Field(description="A sentence saying what is wrong")


class Health(BaseModel):
    status: str = Field(description="live, ok or unavailable")
    problems: list[str] = Field(default_factory=list, description="What does not answer, when unavailable")


# --- statistics ---------------------------------------------------------------------------------


class GroupBy(StrEnum):
    USER = "user"
    DATE = "date"
    USER_DATE = "user,date"


class Step(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"
    ALL = "all"


AUDIENCE_DESCRIPTION = (
    "The rooms counted: 'public' (rooms anyone may read; direct messages never count) or 'all' "
    "(every room: for a platform admin, or for the one room asked about)"
)


class MessageCountRow(BaseModel):
    day: str | None = Field(default=None, description="UTC day, when grouped by date")
    user_id: Snowflake | None = Field(default=None, description="When grouped by user")
    username: str | None = None
    count: int

    @classmethod
    def of(cls, row: MessageCount) -> MessageCountRow:
        return cls(day=row.day, user_id=row.user_id, username=row.username, count=row.count)


class SentimentRow(BaseModel):
    start: datetime = Field(description="Start of the step (UTC)")
    positive: int
    neutral: int
    negative: int
    mean: float = Field(description="Mean label in [-1, 1]")

    @classmethod
    def of(cls, step: SentimentStep) -> SentimentRow:
        return cls(
            start=step.start, positive=step.positive, neutral=step.neutral, negative=step.negative, mean=step.mean
        )


class TopEntry(BaseModel):
    key: str
    count: int

    @classmethod
    def of(cls, entry: TopCount) -> TopEntry:
        return cls(key=entry.key, count=entry.count)


class MessageCounts(BaseModel):
    group_by: GroupBy
    room: str | None
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    rows: list[MessageCountRow]


class SentimentSeries(BaseModel):
    room: str | None
    step: Step
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    points: list[SentimentRow]


class TopList(BaseModel):
    kind: TopKind
    window: Window
    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    entries: list[TopEntry]


class RatePoint(BaseModel):
    second: datetime
    count: int


class Rate(BaseModel):
    per_second: float = Field(description="Mean messages per second over the window")
    window_seconds: int
    points: list[RatePoint] = Field(description="One point per second, zeros included, oldest first")


class Failed(BaseModel):
    total: int
    by_consumer: dict[str, int]
    recent: list[DeadLetter] = Field(
        description="The latest dead letters with their payloads, newest first: for a platform admin only "
        "(always empty for everyone else: payloads, subjects and errors show what was said in any room)"
    )


# --- notifications ------------------------------------------------------------------------------

MAX_MARKED = 500  # ids one POST /v1/notifications/read may name


class NotificationOut(BaseModel):
    notification_id: Snowflake = Field(description="The id of the message it is about; `before` pages by it")
    kind: NotificationKind = Field(description="mention, direct (a direct message) or reply (to my message)")
    room_id: str
    message_id: Snowflake
    author: str
    preview: str = Field(description="The message's text cut to 100 characters; empty once it is deleted")
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, item: Notification) -> NotificationOut:
        return cls.model_validate(item.model_dump(include=set(cls.model_fields)))


class NotificationPage(BaseModel):
    notifications: list[NotificationOut] = Field(description="Newest first")
    unread: int = Field(ge=0, description="Unread notifications in the whole feed")


class NotificationsRead(_Strict):
    ids: list[Snowflake] | None = Field(
        default=None, min_length=1, max_length=MAX_MARKED, description="Mark these read (ids not mine do nothing)"
    )
    all: bool = Field(default=False, description="Mark every notification read")


class UnreadOut(BaseModel):
    unread: int = Field(ge=0, description="Unread notifications left")


# --- replies, reactions and edit history -------------------------------------------------------------


class ReactionResult(BaseModel):
    room_id: str
    message_id: Snowflake
    emoji: str
    reacted: bool = Field(description="Whether I now react with this emoji on the message")


class MessageVersionOut(BaseModel):
    text: str
    edited_at: datetime | None = Field(description="When this text was written by an edit; null for the text as sent")
    event_id: Snowflake

    @classmethod
    def of(cls, version: MessageVersion) -> MessageVersionOut:
        return cls(text=version.text, edited_at=version.edited_at, event_id=version.event_id)


class EditHistory(BaseModel):
    message_id: Snowflake
    versions: list[MessageVersionOut] = Field(
        description="The message's earlier texts, oldest first (its current text is not among them; every text of "
        "a deleted message is)"
    )


# --- rooms people can run: settings, members and their roles, bans, pins ----------------------------------------

MAX_TOPIC_CHARS = 300


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain a NUL (\\u0000) character")
    return value


class RoomUpdate(_Strict):
    """What an owner or admin changes; a field left out stays as it is."""

    name: VisibleText | None = Field(default=None, min_length=1, max_length=100)
    topic: Annotated[str, AfterValidator(_no_nul)] | None = Field(
        default=None, max_length=MAX_TOPIC_CHARS, description="Empty clears it"
    )
    private: bool | None = Field(default=None, description="Invite-only and hidden from the directory")


class Invitation(_Strict):
    username: str = Field(pattern=USERNAME_PATTERN, description="Who to add to the room")


class RoleChange(_Strict):
    role: Literal[RoomRole.ADMIN, RoomRole.MEMBER] = Field(
        description="admin or member; the owner changes only by a transfer of ownership"
    )


class OwnerChange(_Strict):
    user_id: Snowflake = Field(description="A member of the room, the new owner; the old owner becomes an admin")


class BanOut(BaseModel):
    user_id: Snowflake
    username: str


class BansOut(BaseModel):
    room_id: str
    bans: list[BanOut] = Field(description="By username")


class PinsOut(BaseModel):
    room_id: str
    pins: list[MessageOut] = Field(description="The newest pin first")


# -- Search, contacts and blocking (issue 14) ---------------------------------------------------------------------

MAX_QUERY_CHARS = 200


class SearchHit(BaseModel):
    message: MessageOut
    highlights: list[tuple[int, int]] = Field(
        description="Where each matched word stands in `message.text`: [start, end) character offsets, in order"
    )


class SearchPage(BaseModel):
    results: list[SearchHit] = Field(description="Newest first")
    before: Snowflake | None = Field(description="Cursor for the next older page (pass it as `before`); null: no more")


class PersonOut(BaseModel):
    user_id: Snowflake
    username: str


class PersonPresence(PersonOut):
    presence: Status = Field(description="online, away or offline now (GET /v1/presence explains it)")


class UsersOut(BaseModel):
    users: list[PersonPresence] = Field(description="By username, case-insensitive")


class ContactsOut(BaseModel):
    contacts: list[PersonPresence] = Field(description="By username, case-insensitive")


class BlocksOut(BaseModel):
    blocks: list[PersonOut] = Field(description="By username, case-insensitive")
