"""Live fan-out: this gateway subscribes on core NATS only to rooms its sockets are in.

NATS interest routing then delivers each room's messages only to the gateway
replicas that hold a member's socket. Each socket's undelivered frames are
bounded in count and in bytes; a client that cannot keep up is closed with 4008
and the reason instead of growing the gateway's memory.

Per connected user it also subscribes `chat.member.<user>` (membership notices) and
`chat.user.<user>` (frames built elsewhere for all of the user's sockets: notifications,
read receipts, ...; publish them with `bus.publish_user_frame`).

What a membership notice changes (which sockets join or leave which room, what
each is told) is decided by the pure `parse_membership` and `membership_updates`;
the `Hub` carries it out with the NATS subscriptions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Set
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from chatcluster.models import (
    MESSAGE_SUBJECT_PREFIX,
    MOOD_SUBJECT_PREFIX,
    PIN_SUBJECT_PREFIX,
    REACTION_SUBJECT_PREFIX,
    READ_SUBJECT_PREFIX,
    ROOM_SUBJECT_PREFIX,
    SCORED_SUBJECT_PREFIX,
    SETTINGS_SUBJECT_PREFIX,
    TYPING_SUBJECT_PREFIX,
    USER_SUBJECT_PREFIX,
    MembershipEvent,
    PinEvent,
    ReactionEvent,
    ReadEvent,
    RoomEvent,
    RoomMoodEvent,
    membership_subject,
    message_subject,
    scored_subject,
    user_subject,
)
from chatcluster.presence import Status, sockets_status

log = logging.getLogger(__name__)

SLOW_CLIENT_CLOSE_CODE = 4008


@dataclass(frozen=True)
class Outbound:
    """A frame ready to send; `event_id` lets a replay skip what it already sent; `author_id`, the user whose words
    or act it carries (a message's author, who reacted, who types), keeps it from the sockets of users who blocked
    them."""

    frame: str
    event_id: int | None = None
    author_id: int | None = None
    size: int = field(init=False, repr=False)  # bytes on the wire, counted against a socket's budget

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.frame) if self.frame.isascii() else len(self.frame.encode()))


@dataclass(eq=False)
class Connection:
    """One socket's undelivered frames, bounded in count and in bytes.

    A frame's bytes count from `offer` until the sender reports it written (`sent`), so a frame
    waiting for a client that stopped reading still counts. Past either budget the socket is asked
    to close with 4008 and its queued frames are dropped at once.
    """

    user_id: int
    max_frames: int
    max_bytes: int
    rooms: set[str] = field(default_factory=set)
    session_id: int = 0
    away: bool = False  # the page said it is hidden or idle (a `presence` frame)
    revoked: asyncio.Event = field(default_factory=asyncio.Event)  # set when its session ends: the socket closes
    blocked: frozenset[int] = frozenset()  # users this socket's user blocked: their frames never reach it
    blocks_known: bool = False  # `blocked` came from the store or a `blocks` frame (a frame wins over a slower read)
    pending_bytes: int = field(default=0, init=False)
    close_request: tuple[int, str] | None = field(default=None, init=False)
    closing: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _queue: deque[Outbound] = field(default_factory=deque, init=False)
    _ready: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def offer(self, item: Outbound) -> None:
        if self.close_request is not None:
            return
        if len(self._queue) >= self.max_frames:
            self.close(SLOW_CLIENT_CLOSE_CODE, f"slow consumer: more than {self.max_frames} undelivered frames")
        elif self.pending_bytes and self.pending_bytes + item.size > self.max_bytes:
            self.close(SLOW_CLIENT_CLOSE_CODE, f"slow consumer: more than {self.max_bytes} undelivered bytes")
        else:
            self._queue.append(item)
            self.pending_bytes += item.size
            self._ready.set()

    def hold(self, items: Iterable[Outbound]) -> None:
        """Count frames the sender writes outside the queue (a replay) until each is `sent`."""
        self.pending_bytes += sum(item.size for item in items)

    async def take(self) -> Outbound:
        """The oldest queued frame; it still counts against the budget until `sent`."""
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()

    def sent(self, item: Outbound) -> None:
        self.pending_bytes -= item.size

    def close(self, code: int, reason: str) -> None:
        """Ask the socket to close with this code and reason; the first request wins."""
        if self.close_request is not None:
            return
        self.close_request = (code, reason)
        self.pending_bytes -= sum(item.size for item in self._queue)
        self._queue.clear()
        self.closing.set()


def event_ids_of(payload: bytes) -> tuple[int | None, int | None]:
    """A message or scored event's id and its message's author id (None for what is missing or malformed)."""
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(event, dict):
        return None, None
    message = event.get("message")
    return _int_or_none(event.get("event_id")), _int_or_none(
        message.get("author_id") if isinstance(message, dict) else None
    )


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


def event_frame(payload: bytes) -> Outbound:
    """The WebSocket frame for one bus event, built once and shared by every socket."""
    event_id, author_id = event_ids_of(payload)
    return Outbound(f'{{"type":"event","event":{payload.decode()}}}', event_id, author_id)


def scored_frame(payload: bytes) -> Outbound:
    """A message's sentiment, live; no event id, so a replay never suppresses it."""
    return Outbound(f'{{"type":"scored","event":{payload.decode()}}}', author_id=event_ids_of(payload)[1])


def user_frame(payload: bytes) -> Outbound | None:
    """A frame published for one user on `user_subject`, forwarded as it came; None unless it is a JSON object
    with a string `type` (what every client frame is), so a bad publisher cannot hand the page garbage."""
    try:
        text = payload.decode()
        frame = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None
    return Outbound(text)


BLOCKS_FRAME = "blocks"


def blocked_ids(payload: bytes) -> frozenset[int] | None:
    """The whole block list a `blocks` frame on `chat.user.<user>` carries (`gateway.people` publishes it on every
    change); None for any other frame, or a malformed one."""
    try:
        frame = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict) or frame.get("type") != BLOCKS_FRAME or not isinstance(frame.get("user_ids"), list):
        return None
    found = [_int_or_none(user_id) for user_id in frame["user_ids"] if isinstance(user_id, str)]
    if len(found) != len(frame["user_ids"]) or None in found:
        return None
    return frozenset(i for i in found if i is not None)


@dataclass(frozen=True)
class RoomNotice:
    """Something about one user in a room (joined or left it, is typing), for the room's other members only:
    the user's own sockets learn of a join or leave from the `joined`/`left` frame, and never see their own typing."""

    room_id: str
    user_id: int | None  # None: about the room as a whole (its mood)
    frame: Outbound


def member_notice(payload: bytes) -> RoomNotice | None:
    """The `member` frame of a `MembershipEvent` (joined, left, kicked, banned, a new role; `role` after it and who
    did it, `by`), with its event id so a replay and the live feed send it once; None when the payload is not one."""
    try:
        event = MembershipEvent.model_validate_json(payload)
    except ValueError:
        return None
    fields = event.model_dump(mode="json", include={"op", "room_id", "user_id", "username", "event_id", "role", "by"})
    return RoomNotice(event.room_id, event.user_id, Outbound(json.dumps({"type": "member", **fields}), event.event_id))


def read_fields(event: ReadEvent) -> dict[str, str]:
    """The `read` frame of a member's new read marker: the same whether it reaches the room's members (on
    `chat.read.<room>`) or, in a room too large for receipts, only the reader's sockets (`chat.user.<user>`)."""
    return {"type": "read", **event.model_dump(mode="json", include={"room_id", "user_id", "message_id", "event_id"})}


def read_notice(payload: bytes) -> RoomNotice | None:
    """The `read` frame of a `ReadEvent`, with its event id so a replay and the live feed send it once; None when
    the payload is not one."""
    try:
        event = ReadEvent.model_validate_json(payload)
    except ValueError:
        return None
    return RoomNotice(event.room_id, event.user_id, Outbound(json.dumps(read_fields(event)), event.event_id))


Fact = TypeVar("Fact", ReactionEvent, PinEvent, RoomEvent)


def event_notice(
    frame_type: str, payload: bytes, model: type[Fact], about: Callable[[Fact], tuple[str, int]]
) -> RoomNotice | None:
    """`{"type": frame_type, "event": <the event as published>}` for an event about a room, with its event id so a
    replay and the live feed send it once; `about` names the event's room and the user who acted. None when the
    payload is not such an event."""
    try:
        event = model.model_validate_json(payload)
    except ValueError:
        return None
    room_id, user_id = about(event)
    return RoomNotice(
        room_id, user_id, Outbound(f'{{"type":"{frame_type}","event":{payload.decode()}}}', event.event_id)
    )


def reaction_notice(payload: bytes) -> RoomNotice | None:
    """The `reaction` frame of a `ReactionEvent`: someone added or removed an emoji on a message."""
    notice = event_notice("reaction", payload, ReactionEvent, lambda e: (e.room_id, e.user_id))
    # Carries who reacted, so it never reaches the sockets of users who blocked them.
    return None if notice is None else replace(notice, frame=replace(notice.frame, author_id=notice.user_id))


def pin_notice(payload: bytes) -> RoomNotice | None:
    """The `pin` frame of a `PinEvent`: an owner or admin pinned or unpinned a message."""
    return event_notice("pin", payload, PinEvent, lambda e: (e.room_id, e.by))


def settings_notice(payload: bytes) -> RoomNotice | None:
    """The `room` frame of a `RoomEvent`: the room's new name, topic, privacy or owner, or its deletion."""
    return event_notice("room", payload, RoomEvent, lambda e: (e.room.room_id, e.by))


def typing_payload(room_id: str, user_id: int, username: str) -> bytes:
    """What a gateway publishes on `live.typing.<room>` when one of its users types there."""
    return json.dumps({"room_id": room_id, "user_id": str(user_id), "username": username}).encode()


def typing_notice(payload: bytes) -> RoomNotice | None:
    """The `typing` frame for the room's other members; None when the payload is malformed."""
    try:
        found = json.loads(payload)
        room_id, user_id, username = found["room_id"], found["user_id"], found["username"]
    except (ValueError, KeyError, TypeError):
        return None
    if not (isinstance(room_id, str) and isinstance(user_id, str) and user_id.isascii() and user_id.isdigit()):
        return None
    if not isinstance(username, str):
        return None
    frame = {"type": "typing", "room_id": room_id, "user_id": user_id, "username": username}
    return RoomNotice(room_id, int(user_id), Outbound(json.dumps(frame), author_id=int(user_id)))


def mood_notice(payload: bytes) -> RoomNotice | None:
    """The `mood` frame of a `RoomMoodEvent` (the room's mood, its fields at the frame's top level); None when the
    payload is not one."""
    try:
        event = RoomMoodEvent.model_validate_json(payload)
    except ValueError:
        return None
    return RoomNotice(event.room_id, None, Outbound(json.dumps({"type": "mood", **event.model_dump(mode="json")})))


@dataclass(frozen=True)
class Relay:
    """One of a room's subjects besides its messages and scores whose events the hub relays to the room's sockets.

    `to_self`: whether the user an event is about gets it too (their own reaction on another tab does; their own
    join or typing does not). `replayed`: whether a reconnecting client's `since=` replay reads it from the CHAT
    stream (typing is core NATS only)."""

    prefix: str
    notice: Callable[[bytes], RoomNotice | None]
    to_self: bool
    replayed: bool

    def subject(self, room_id: str) -> str:
        return f"{self.prefix}{room_id}"

    def relayed(self, subject: str, payload: bytes) -> RoomNotice | None:
        """The notice of an event that arrived on `subject`; None (and a warning) when it is malformed or about
        another room than the subject's."""
        notice = self.notice(payload)
        if notice is None or notice.room_id != subject.removeprefix(self.prefix):
            log.warning("ignoring a malformed event on %s", subject)
            return None
        return notice


RELAYS = (
    Relay(ROOM_SUBJECT_PREFIX, member_notice, to_self=False, replayed=True),
    Relay(TYPING_SUBJECT_PREFIX, typing_notice, to_self=False, replayed=False),
    # The reader's own other sockets too: their badges clear.
    Relay(READ_SUBJECT_PREFIX, read_notice, to_self=True, replayed=True),
    Relay(REACTION_SUBJECT_PREFIX, reaction_notice, to_self=True, replayed=True),
    Relay(PIN_SUBJECT_PREFIX, pin_notice, to_self=True, replayed=True),
    Relay(SETTINGS_SUBJECT_PREFIX, settings_notice, to_self=True, replayed=True),
    # Core NATS only; a reconnecting client reads the current mood from GET /v1/rooms instead.
    Relay(MOOD_SUBJECT_PREFIX, mood_notice, to_self=True, replayed=False),
)


def relay_of(subject: str) -> Relay | None:
    """The relay of the subject an event arrived on; None for a message subject."""
    return next((relay for relay in RELAYS if subject.startswith(relay.prefix)), None)


class RoomChange(StrEnum):
    JOIN = "join"
    LEAVE = "leave"


@dataclass(frozen=True)
class MembershipNotice:
    """One of a user's rooms was joined or left, announced on `membership_subject(user_id)` by any gateway."""

    user_id: int
    room_id: str
    joined: bool
    frame: Outbound  # what every socket of the user is told: `joined` or `left`, with the room as announced


def parse_membership(subject: str, payload: bytes) -> MembershipNotice | None:
    """The notice a membership message carries, or None when it is malformed."""
    try:
        notice = json.loads(payload)
        room_id = str(notice["room"]["room_id"])
        joined = notice["op"] == "join"
    except (ValueError, KeyError, TypeError):
        return None
    frame = Outbound(json.dumps({"type": "joined" if joined else "left", "room": notice["room"]}))
    return MembershipNotice(int(subject.rsplit(".", 1)[1]), room_id, joined, frame)


def room_change(notice: MembershipNotice, rooms: Set[str]) -> RoomChange | None:
    """What a socket of the user, in `rooms`, does: join a room it is not in, leave one it is in, else nothing."""
    if notice.joined and notice.room_id not in rooms:
        return RoomChange.JOIN
    if not notice.joined and notice.room_id in rooms:
        return RoomChange.LEAVE
    return None


def membership_updates(
    notice: MembershipNotice, conns: Iterable[Connection]
) -> list[tuple[Connection, RoomChange | None]]:
    """Every socket of the user, each with its change; each is told (`notice.frame`), changed or not, so all
    of a user's tabs show the same rooms."""
    return [(conn, room_change(notice, conn.rooms)) for conn in conns]


class Hub:
    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._room_conns: defaultdict[str, set[Connection]] = defaultdict(set)
        self._room_subs: dict[str, tuple[Subscription, ...]] = {}
        self._user_conns: defaultdict[int, set[Connection]] = defaultdict(set)
        self._user_subs: dict[int, tuple[Subscription, Subscription]] = {}
        self._lock = asyncio.Lock()
        self.slow_clients_dropped = 0

    @property
    def connections(self) -> int:
        return sum(len(c) for c in self._user_conns.values())

    @property
    def subscribed_rooms(self) -> set[str]:
        return set(self._room_subs)

    def users(self) -> list[int]:
        """The users with at least one socket on this gateway."""
        return list(self._user_conns)

    def local_status(self, user_id: int) -> Status:
        """The user's presence on this gateway alone: offline when no socket of theirs is here."""
        return sockets_status(conn.away for conn in self._user_conns.get(user_id, ()))

    def close_sessions(self, session_ids: set[int]) -> None:
        """Close the sockets of sessions that ended (signed out, revoked, account deleted)."""
        for conns in self._user_conns.values():
            for conn in conns:
                if conn.session_id in session_ids:
                    conn.revoked.set()

    async def attach(self, conn: Connection, rooms: Iterable[str]) -> None:
        async with self._lock:
            self._user_conns[conn.user_id].add(conn)
            if conn.user_id not in self._user_subs:
                self._user_subs[conn.user_id] = (
                    await self._nc.subscribe(membership_subject(conn.user_id), cb=self._on_membership),
                    await self._nc.subscribe(user_subject(conn.user_id), cb=self._on_user_frame),
                )
            for room_id in rooms:
                await self._join_locked(conn, room_id)

    async def detach(self, conn: Connection) -> None:
        async with self._lock:
            for room_id in list(conn.rooms):
                await self._leave_locked(conn, room_id)
            users = self._user_conns[conn.user_id]
            users.discard(conn)
            if not users:
                del self._user_conns[conn.user_id]
                for sub in self._user_subs.pop(conn.user_id, ()):
                    await sub.unsubscribe()

    async def _join_locked(self, conn: Connection, room_id: str) -> None:
        conn.rooms.add(room_id)
        self._room_conns[room_id].add(conn)
        if room_id not in self._room_subs:
            self._room_subs[room_id] = (
                await self._nc.subscribe(message_subject(room_id), cb=self._on_message),
                await self._nc.subscribe(scored_subject(room_id), cb=self._on_scored),
                *[await self._nc.subscribe(relay.subject(room_id), cb=self._relay_to(relay)) for relay in RELAYS],
            )

    async def _leave_locked(self, conn: Connection, room_id: str) -> None:
        conn.rooms.discard(room_id)
        conns = self._room_conns.get(room_id)
        if conns is None:
            return
        conns.discard(conn)
        if not conns:
            del self._room_conns[room_id]
            for sub in self._room_subs.pop(room_id, ()):
                await sub.unsubscribe()

    async def _on_message(self, msg: Msg) -> None:
        self._fan_out(msg.subject.removeprefix(MESSAGE_SUBJECT_PREFIX), event_frame(msg.data))

    async def _on_scored(self, msg: Msg) -> None:
        self._fan_out(msg.subject.removeprefix(SCORED_SUBJECT_PREFIX), scored_frame(msg.data))

    def _relay_to(self, relay: Relay) -> Callable[[Msg], Awaitable[None]]:
        async def on_event(msg: Msg) -> None:
            notice = relay.relayed(msg.subject, msg.data)
            if notice is not None:
                self._fan_out(notice.room_id, notice.frame, skip_user=None if relay.to_self else notice.user_id)

        return on_event

    def _fan_out(self, room_id: str, item: Outbound, skip_user: int | None = None) -> None:
        for conn in list(self._room_conns.get(room_id, ())):
            if conn.user_id != skip_user and item.author_id not in conn.blocked:
                conn.offer(item)

    async def _on_user_frame(self, msg: Msg) -> None:
        item = user_frame(msg.data)
        if item is None:
            log.warning("ignoring a frame on %s that is not a JSON object with a type", msg.subject)
            return
        blocked = blocked_ids(msg.data)
        for conn in list(self._user_conns.get(int(msg.subject.removeprefix(USER_SUBJECT_PREFIX)), ())):
            if blocked is not None:
                conn.blocked, conn.blocks_known = blocked, True
            conn.offer(item)

    async def _on_membership(self, msg: Msg) -> None:
        notice = parse_membership(msg.subject, msg.data)
        if notice is None:
            log.warning("ignoring malformed membership notice on %s", msg.subject)
            return
        async with self._lock:
            for conn, change in membership_updates(notice, list(self._user_conns.get(notice.user_id, ()))):
                if change is RoomChange.JOIN:
                    await self._join_locked(conn, notice.room_id)
                elif change is RoomChange.LEAVE:
                    await self._leave_locked(conn, notice.room_id)
                conn.offer(notice.frame)
