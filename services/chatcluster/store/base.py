"""The store interface as small roles, each back end (SQLite, Cassandra) implementing all of them.

A caller depends on the roles it uses (Synapse's storage is split the same way): the persister on
`Messages`, the scorer on `Sentiments`, the aggregator on `Aggregates`, the gateway on the roles it
reads and writes (`gateway.context.GatewayStore`). `Store` composes every role, for the code that
opens, closes or wraps a whole store (`open_store`, the tracing proxy).

Every write is idempotent: users and rooms are insert-if-absent, memberships
are set semantics, and message events are upserts where the highest event id
wins, so a redelivered or replayed event never changes the outcome.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NotRequired, Protocol, TypedDict, Unpack

from chatcluster.counting import MessageCount, SentimentStep, TopCount, TopKind
from chatcluster.errors import Unavailable
from chatcluster.models import (
    Member,
    Message,
    MessageEvent,
    MessageVersion,
    Notification,
    ReactionEvent,
    Room,
    RoomRole,
    ScoredEvent,
    User,
    UserSession,
    UserSettings,
)
from chatcluster.privacy import Audience
from chatcluster.quiz.models import PlayerScore, Quiz, QuizJoinEvent, ScoredAnswer, StoredAnswer
from chatcluster.reactions import ReactionSummary


class StoreUnavailable(Unavailable):
    """The back end cannot be reached; callers retry or report unhealthy."""


class JoinResult(StrEnum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"
    ROOM_FULL = "room_full"
    NO_SUCH_ROOM = "no_such_room"
    BANNED = "banned"


@dataclass(frozen=True)
class RoomBan:
    """A user kept out of a room by its owner or an admin (`by`) until unbanned."""

    user_id: int
    username: str
    banned_at: datetime
    by: int


@dataclass(frozen=True)
class Pin:
    """A message pinned in a room by its owner or an admin (`by`)."""

    message_id: int
    pinned_at: datetime
    by: int


@dataclass(frozen=True)
class UserRef:
    """A user by id and name: a contact, someone blocked, an entry of the user directory."""

    user_id: int
    username: str


class Lifecycle(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the back end answers a query."""


class Accounts(Protocol):
    """Users, their sessions and the platform admin role."""

    async def create_user(self, user: User) -> bool:
        """Insert the user; False if the username is taken."""

    async def get_user(self, user_id: int) -> User | None: ...

    async def get_user_by_name(self, username: str) -> User | None:
        """The user holding this username, whatever its case; a deleted account still holds it."""

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        """Replace a live user's password hash; False if there is no such live user."""

    async def set_admin(self, user_id: int, is_admin: bool) -> bool:
        """Grant or revoke the platform admin role; False if there is no such live user."""

    async def delete_user(self, user_id: int) -> bool:
        """Tombstone the account: password hash wiped, admin role dropped, username kept reserved.

        False if there is no such live user. Sessions and memberships are the caller's to end."""

    # -- sessions: revoking one deletes it, so a session found is a session not revoked ------------

    async def create_session(self, session: UserSession) -> None: ...

    async def get_session(self, session_id: int) -> UserSession | None: ...

    async def touch_session(self, session: UserSession) -> bool:
        """Save a session's new `last_used_at` and `expires_at`; False (and nothing saved) if it was revoked."""

    async def sessions_of(self, user_id: int, now: datetime) -> list[UserSession]:
        """The user's sessions that expire after `now`, oldest first."""

    async def revoke_session(self, session_id: int) -> bool:
        """End one session; False if it did not exist."""

    async def revoke_sessions(self, user_id: int, keep: int | None = None) -> list[int]:
        """End every session of the user except `keep`; the ids ended."""


class Rooms(Protocol):
    """Rooms and who is in them."""

    async def create_room(self, room: Room) -> bool:
        """Insert the room; False if a room with that id exists."""

    async def get_room(self, room_id: str) -> Room | None: ...

    async def group_rooms(self, limit: int) -> list[Room]:
        """Public group rooms, newest first: the directory people browse to join (private ones never show)."""

    async def update_room(self, room: Room) -> bool:
        """Save a room's name, topic and privacy (everything else of a room never changes); False if no such room."""

    async def delete_room(self, room_id: str) -> bool:
        """Delete the room with its memberships, bans and pins, so nobody can read it again; False if no such room."""

    async def add_member(self, room_id: str, user_id: int, limit: int, role: RoomRole = RoomRole.MEMBER) -> JoinResult:
        """Make the user a member with `role`, unless the room is full or the user is banned from it."""

    async def remove_member(self, room_id: str, user_id: int) -> bool: ...

    async def is_member(self, room_id: str, user_id: int) -> bool: ...

    async def member_role(self, room_id: str, user_id: int) -> RoomRole | None:
        """The member's role in the room; None if not a member. The one way to read a role."""

    async def set_member_role(self, room_id: str, user_id: int, role: RoomRole) -> bool:
        """Give a member a new role; False if the user is not a member."""

    async def members(self, room_id: str) -> list[Member]:
        """The members with their roles, by join time."""

    async def rooms_of(self, user_id: int) -> list[Room]: ...

    async def ban(self, room_id: str, user_id: int, by: int, at: datetime) -> bool:
        """Keep the user out of the room (their membership is the caller's to end); False if already banned."""

    async def unban(self, room_id: str, user_id: int) -> bool:
        """Let a banned user join again; False if they were not banned."""

    async def bans(self, room_id: str) -> list[RoomBan]:
        """Who is banned from the room, by username."""


class Messages(Protocol):
    """Message events in, messages out: by id, by page of a room's history, by words."""

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        """Upsert a batch of message events atomically; the highest event id per message wins."""

    async def get_message(self, message_id: int) -> Message | None: ...

    async def search(
        self,
        room_ids: Sequence[str],
        query: str,
        *,
        author_id: int | None = None,
        not_by: Collection[int] = (),
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[Message]:
        """Up to `limit` live messages of these rooms holding every topic word of `query` (`counting.words_of`),
        newest first: older than `before` and newer than `after` (message ids), written by `author_id` when given,
        none written by a user in `not_by`. A query without a topic word finds nothing."""

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        """Up to `limit` messages in id order: the newest older than `before`, or the oldest newer than `after`."""

    async def replies(
        self, room_id: str, parent_id: int, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        """Up to `limit` live (not deleted) replies of the room to `parent_id`, in id order, paged as `history`."""

    async def reply_counts(self, message_ids: Sequence[int]) -> dict[int, int]:
        """How many live replies each of these messages has; a message with none has no entry."""

    async def message_versions(self, message_id: int) -> list[MessageVersion]:
        """Every text the message has had (as sent, then each edit), oldest first; empty for an unknown message."""


class Sentiments(Protocol):
    async def set_sentiments(self, scored: Sequence[ScoredEvent]) -> None:
        """Record each message's score; the score of the highest event id wins. Works before the
        message itself is stored (the scorer and persister race), and is idempotent."""


class Aggregates(Protocol):
    """The statistics' counts: recorded once per message, forgotten and recounted from the stream."""

    async def record_aggregates(self, scored: Sequence[ScoredEvent]) -> int:
        """Count the messages not counted before, atomically with marking them counted.

        Returns how many were new; a redelivered or replayed message adds nothing."""

    async def reset_aggregates(self) -> None:
        """Forget every aggregate and every counted mark (the first step of a rebuild); a recount is then pending."""

    async def recount_pending(self) -> bool:
        """Whether the aggregates wait for a recount from the stream: after a reset, and after the upgrade
        that introduced their current layout, until `recount_done`."""

    async def recount_done(self) -> None:
        """Every message of the stream has been counted again."""

    async def prune_aggregates(self, older_than_ms: int) -> None:
        """Drop per-minute and per-second detail older than this; totals stay."""


class MessageCounts(TypedDict):
    """What `Stats.stats_messages` counts: grouped by day and/or user, within days (inclusive) and a room."""

    by_user: bool
    by_day: bool
    from_day: str | None
    to_day: str | None
    room_id: str | None
    audience: NotRequired[Audience]  # Audience.PUBLIC when left out


class Stats(Protocol):
    """The statistics read back.

    The audience decides which rooms a figure covers: public rooms only, or every room. A caller
    asking about one room it may read passes Audience.ALL; the default never shows a private room."""

    async def stats_messages(self, **query: Unpack[MessageCounts]) -> list[MessageCount]: ...

    async def stats_sentiment(
        self, *, room_id: str | None, from_ms: int, to_ms: int, step_ms: int, audience: Audience = Audience.PUBLIC
    ) -> list[SentimentStep]: ...

    async def stats_top(
        self, kind: TopKind, *, since_ms: int | None, limit: int, audience: Audience = Audience.PUBLIC
    ) -> list[TopCount]:
        """The most frequent keys since a time (per-minute detail), or of all time (since_ms None)."""

    async def stats_rate(self, *, from_ms: int, to_ms: int) -> dict[int, int]:
        """Messages per second (keyed by the second's start in ms) within [from_ms, to_ms)."""


class ReadMarkers(Protocol):
    """How far each member has read each room, and how much is left to read.

    A marker is the id of the last message read: it only moves forward, so a stale or repeated
    write never undoes a later one. Counting is a bounded query over the stored messages, not a
    maintained counter: exact under redelivery, edits and deletes, its cost capped by `cap`."""

    async def advance_read_marker(self, user_id: int, room_id: str, message_id: int) -> int:
        """Move the user's marker in the room up to `message_id` unless it is already past it; the marker after."""

    async def read_markers_of(self, user_id: int) -> dict[str, int]:
        """The user's marker in each room that has one, by room id."""

    async def read_markers_in(self, room_id: str) -> dict[int, int]:
        """Every marker in the room, by user id (members who left keep theirs)."""

    async def count_after(self, room_id: str, after_id: int, cap: int, *, not_by: int | None = None) -> int:
        """Live messages of the room with an id above `after_id` (none written by `not_by`: your own messages
        are never unread to you), reading at most `cap` messages: `cap` when `cap` or more messages (deleted
        ones and `not_by`'s included) follow `after_id`, so `cap` means "at least this many"."""


class Notifications(Protocol):
    """Each user's notification feed: one entry per user and message (`models.Notification`).

    Writing an entry again keeps its read flag and takes the content of the highest `version`; a deleted
    message's entry (`deleted`) only blanks one that exists, never creates one."""

    async def add_notifications(self, items: Sequence[Notification]) -> None: ...

    async def notifications_of(self, user_id: int, before: int | None = None, limit: int = 50) -> list[Notification]:
        """Up to `limit` of the user's entries older than `before` (a notification id), newest first."""

    async def unread_notification_count(self, user_id: int) -> int: ...

    async def mark_notifications_read(self, user_id: int, ids: Sequence[int] | None) -> None:
        """Mark these entries of the user read (ids of none of theirs are ignored), or every one with None."""

    async def unread_mentions_by_room(self, user_id: int, markers: Mapping[str, int], cap: int) -> dict[str, int]:
        """For each room of `markers` (room id -> the user's read marker there, 0 for none), the mentions of the
        user after the marker in messages not deleted, counting at most `cap` (a bounded query)."""


class UserSettingsStore(Protocol):
    """Each user's notification settings (`models.UserSettings`)."""

    async def get_settings(self, user_id: int) -> UserSettings:
        """The user's settings; the defaults for a user who never saved any."""

    async def put_settings(self, user_id: int, settings: UserSettings) -> None:
        """Replace the user's settings whole."""


class Digests(Protocol):
    """The notifier's digest bookkeeping: who may be owed a digest, and each user's last claim.

    A claim is taken BEFORE the email is sent: a notifier that dies between the two loses that digest,
    and none sends it twice within the interval."""

    async def queue_digest(self, user_ids: Sequence[int], now_ms: int) -> None:
        """These users got a mention or direct message at `now_ms` (the notifier's clock)."""

    async def queued_digests(self, limit: int, after: int | None = None) -> list[int]:
        """Up to `limit` users in the queue, a page at a time: the next page starts `after` the last user of
        the one before (pages follow the back end's own order; a walk to a short page sees every user queued
        before it began)."""

    async def unqueue_digest(self, user_id: int, queued_before_ms: int) -> None:
        """Take the user out of the queue unless queued again at or after `queued_before_ms`."""

    async def claim_digest(self, user_id: int, now_ms: int, interval_ms: int, *, up_to: int = 0) -> bool:
        """Compare-and-set: True (and the claim is `now_ms`, the digest listing entries up to `up_to`) unless the
        user's last claim is less than `interval_ms` old; of two notifiers claiming at once, at most one wins."""

    async def digested_up_to(self, user_id: int) -> int:
        """The newest notification id an earlier digest listed; 0 if none did."""


class Reactions(Protocol):
    """Emoji reactions, one per (message, user, emoji): stored from `ReactionEvent`s by the persister, the
    highest event id winning, so the same reaction twice counts once and an add then a remove, redelivered in
    any order, ends removed."""

    async def apply_reactions(self, events: Sequence[ReactionEvent]) -> None:
        """Upsert a batch of reaction events; the highest event id per (message, user, emoji) wins."""

    async def reactions_of(self, message_ids: Sequence[int]) -> dict[int, list[ReactionSummary]]:
        """The present reactions of each of these messages (`reactions.summarize`'s order); none: no entry."""


class Pins(Protocol):
    """The messages pinned in each room."""

    async def pin(self, room_id: str, message_id: int, by: int, at: datetime) -> bool:
        """Pin a message of the room; False if it was pinned already (the first pin stands)."""

    async def unpin(self, room_id: str, message_id: int) -> bool:
        """False if the message was not pinned."""

    async def pins(self, room_id: str) -> list[Pin]:
        """The room's pins, the newest pin first."""


class Blocks(Protocol):
    """Who each user blocked: the blocked user cannot message the blocker, whose views hide what they say.

    Set semantics: blocking twice is one block, unblocking someone not blocked changes nothing."""

    async def block(self, user_id: int, blocked: UserRef) -> None: ...

    async def unblock(self, user_id: int, blocked_id: int) -> None: ...

    async def blocks_of(self, user_id: int) -> list[UserRef]:
        """Everyone the user blocked, by username (case-insensitive)."""

    async def has_blocked(self, user_id: int, other_id: int) -> bool:
        """Whether `user_id` blocked `other_id`."""


class Contacts(Protocol):
    """Each user's contacts (the design's "friends", one-sided: adding someone asks nothing of them), and the
    user directory. Set semantics, like `Blocks`."""

    async def add_contact(self, user_id: int, contact: UserRef) -> None: ...

    async def remove_contact(self, user_id: int, contact_id: int) -> None: ...

    async def contacts_of(self, user_id: int) -> list[UserRef]:
        """The user's contacts, by username (case-insensitive)."""

    async def users_by_prefix(self, prefix: str, limit: int) -> list[UserRef]:
        """Up to `limit` live accounts whose username starts with `prefix` (letters in any case), by username
        (case-insensitive); a range read of an index, never a scan of every user."""


@dataclass(frozen=True)
class QuizApplied:
    """What one `apply_quiz` call did: the standing now stored of every player it touched (fresh or already
    applied), and how many joins and answers it recorded for the first time."""

    players: list[tuple[int, PlayerScore]]  # (quiz id, standing)
    joins: int
    answers: int


class Quizzes(Protocol):
    """Quizzes, their players, answers and scores. A quiz is written by the gateway (compare-and-set on its
    version); players, answers and scores only by the quiz consumer, through `apply_quiz`, where an answer's points
    are added in the same atomic step that records the answer, so a redelivered answer never counts twice."""

    async def create_quiz(self, quiz: Quiz) -> None: ...

    async def get_quiz(self, quiz_id: int) -> Quiz | None: ...

    async def replace_quiz(self, quiz: Quiz) -> bool:
        """Store `quiz` only if the stored one is at `quiz.version - 1`; False when another change came first."""

    async def apply_quiz(self, joins: Sequence[QuizJoinEvent], answers: Sequence[ScoredAnswer]) -> QuizApplied:
        """Record joins (a player once, on 0 points) and answers (one per quiz, question and player: the first
        one stored wins, a later one with another key is ignored), each answer's points added to its player."""

    async def quiz_player(self, quiz_id: int, user_id: int) -> PlayerScore | None: ...

    async def quiz_answer(self, quiz_id: int, question: int, user_id: int) -> StoredAnswer | None: ...

    async def quiz_scores(self, quiz_id: int) -> list[PlayerScore]:
        """Every player of the quiz, in no particular order."""

    async def quiz_counts(self, quiz_id: int) -> dict[int, dict[int, int]]:
        """Answers per question and choice (question → choice → answers), only what was answered."""


@dataclass(frozen=True)
class MediaRecord:
    """An uploaded file: its bytes are the blob `sha256` (`chatcluster.media.blobs`); `clean_sha256` is the copy
    others download when the original carries an EXIF location (`strip_location`), `thumbnail_sha256` the
    thumbnail of an image; both set by the media worker."""

    media_id: int
    uploader_id: int
    sha256: str
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    created_at: datetime
    strip_location: bool = False
    thumbnail_sha256: str | None = None
    clean_sha256: str | None = None


@dataclass(frozen=True)
class MediaLink:
    """A message that carries the media as an attachment, in its room."""

    room_id: str
    message_id: int


class Media(Protocol):
    """Uploaded files' metadata and the messages that carry them (the bytes are in the BlobStore)."""

    async def add_media(self, media: MediaRecord) -> None:
        """Record an upload; recording the same id again changes nothing."""

    async def get_media(self, media_id: int) -> MediaRecord | None: ...

    async def set_media_derivatives(
        self, media_id: int, thumbnail_sha256: str | None, clean_sha256: str | None
    ) -> None:
        """Record what the media worker made; a None leaves that one as it was."""

    async def link_media(self, media_id: int, room_id: str, message_id: int) -> None:
        """The message carries the media (set semantics)."""

    async def media_links(self, media_id: int) -> list[MediaLink]:
        """Every message that carries the media, oldest first."""

    async def delete_media(self, media_id: int) -> None:
        """Forget the upload and its links (the clean-up command, once nothing live carries it)."""

    async def all_media(self) -> list[MediaRecord]:
        """Every upload, in no particular order (the clean-up command reads them in pages on Cassandra)."""


@dataclass(frozen=True)
class CreatorList:
    """A creator's list of members (e.g. "subscribers", "VIP"): what a broadcast is sent to."""

    list_id: int
    creator_id: int
    name: str
    created_ms: int


@dataclass(frozen=True)
class BroadcastRecord:
    """One broadcast as the creator sent it (its recipients are frozen by the fan-out worker)."""

    broadcast_id: int
    creator_id: int
    list_id: int
    text: str


@dataclass(frozen=True)
class Recipient:
    """A recipient frozen into a broadcast with the message id their copy carries, minted once."""

    user_id: int
    message_id: int


class CreatorLists(Protocol):
    """Who is a creator, and each creator's lists of members."""

    async def set_creator(self, user_id: int, creator: bool) -> None: ...

    async def is_creator(self, user_id: int) -> bool: ...

    async def create_list(self, item: CreatorList) -> None: ...

    async def get_list(self, list_id: int) -> CreatorList | None: ...

    async def lists_of(self, creator_id: int) -> list[CreatorList]:
        """The creator's lists, oldest first."""

    async def rename_list(self, list_id: int, name: str) -> None: ...

    async def delete_list(self, list_id: int) -> None:
        """Forget the list and its members."""

    async def add_list_members(self, list_id: int, members: Sequence[UserRef]) -> None:
        """Add members (set semantics)."""

    async def remove_list_member(self, list_id: int, user_id: int) -> None: ...

    async def list_members(self, list_id: int) -> list[UserRef]:
        """Every member, by user id."""

    async def list_size(self, list_id: int) -> int: ...


class Broadcasts(Protocol):
    """Broadcasts, their frozen recipients and each recipient's outcome: the fan-out worker's exactly-once ledger."""

    async def put_broadcast(self, broadcast: BroadcastRecord) -> None:
        """Record a broadcast; recording it again changes nothing."""

    async def get_broadcast(self, broadcast_id: int) -> BroadcastRecord | None: ...

    async def freeze_recipients(self, broadcast_id: int, recipients: Sequence[Recipient]) -> list[Recipient]:
        """The broadcast's recipients: `recipients` if none were frozen yet, else the ones frozen first (so a
        restarted worker delivers under the same message ids, whatever the list became meanwhile)."""

    async def record_outcomes(self, broadcast_id: int, outcomes: Mapping[int, bool]) -> None:
        """Each recipient's outcome (True: delivered, False: skipped); recording one again changes nothing."""

    async def broadcast_outcomes(self, broadcast_id: int) -> dict[int, bool]: ...

    async def broadcast_total(self, broadcast_id: int) -> int | None:
        """How many recipients were frozen; None before the fan-out worker froze them."""


class Store(
    Lifecycle,
    Accounts,
    Rooms,
    Messages,
    Sentiments,
    Aggregates,
    Stats,
    ReadMarkers,
    Notifications,
    UserSettingsStore,
    Digests,
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
    """Every role: what `open_store` returns."""
