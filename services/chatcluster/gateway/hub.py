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
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from enum import StrEnum

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from chatcluster.models import (
    MESSAGE_SUBJECT_PREFIX,
    READ_SUBJECT_PREFIX,
    ROOM_SUBJECT_PREFIX,
    SCORED_SUBJECT_PREFIX,
    TYPING_SUBJECT_PREFIX,
    USER_SUBJECT_PREFIX,
    MembershipEvent,
    ReadEvent,
    membership_subject,
    message_subject,
    read_subject,
    room_subject,
    scored_subject,
    typing_subject,
    user_subject,
)
from chatcluster.presence import Status, sockets_status

log = logging.getLogger(__name__)

SLOW_CLIENT_CLOSE_CODE = 4008


@dataclass(frozen=True)
class Outbound:
    """A frame ready to send; `event_id` lets a replay skip what it already sent."""

    frame: str
    event_id: int | None = None
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


def event_id_of(payload: bytes) -> int | None:
    try:
        return int(json.loads(payload)["event_id"])
    except (ValueError, KeyError, TypeError):
        return None


def event_frame(payload: bytes) -> Outbound:
    """The WebSocket frame for one bus event, built once and shared by every socket."""
    return Outbound(f'{{"type":"event","event":{payload.decode()}}}', event_id_of(payload))


def scored_frame(payload: bytes) -> Outbound:
    """A message's sentiment, live; no event id, so a replay never suppresses it."""
    return Outbound(f'{{"type":"scored","event":{payload.decode()}}}')


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


@dataclass(frozen=True)
class RoomNotice:
    """Something about one user in a room (joined or left it, is typing), for the room's other members only:
    the user's own sockets learn of a join or leave from the `joined`/`left` frame, and never see their own typing."""

    room_id: str
    user_id: int
    frame: Outbound


def member_notice(payload: bytes) -> RoomNotice | None:
    """The `member` frame of a `MembershipEvent`, with its event id so a replay and the live feed send it once;
    None when the payload is not one."""
    try:
        event = MembershipEvent.model_validate_json(payload)
    except ValueError:
        return None
    fields = event.model_dump(mode="json", include={"op", "room_id", "user_id", "username", "event_id"})
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
    return RoomNotice(room_id, int(user_id), Outbound(json.dumps(frame)))


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
                await self._nc.subscribe(room_subject(room_id), cb=self._on_member),
                await self._nc.subscribe(typing_subject(room_id), cb=self._on_typing),
                await self._nc.subscribe(read_subject(room_id), cb=self._on_read),
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

    async def _on_member(self, msg: Msg) -> None:
        notice = member_notice(msg.data)
        if notice is None or notice.room_id != msg.subject.removeprefix(ROOM_SUBJECT_PREFIX):
            log.warning("ignoring a malformed membership event on %s", msg.subject)
            return
        self._fan_out(notice.room_id, notice.frame, skip_user=notice.user_id)

    async def _on_typing(self, msg: Msg) -> None:
        notice = typing_notice(msg.data)
        if notice is None or notice.room_id != msg.subject.removeprefix(TYPING_SUBJECT_PREFIX):
            log.warning("ignoring a malformed typing notice on %s", msg.subject)
            return
        self._fan_out(notice.room_id, notice.frame, skip_user=notice.user_id)

    async def _on_read(self, msg: Msg) -> None:
        notice = read_notice(msg.data)
        if notice is None or notice.room_id != msg.subject.removeprefix(READ_SUBJECT_PREFIX):
            log.warning("ignoring a malformed read event on %s", msg.subject)
            return
        self._fan_out(notice.room_id, notice.frame)  # the reader's own other sockets too: their badges clear

    def _fan_out(self, room_id: str, item: Outbound, skip_user: int | None = None) -> None:
        for conn in list(self._room_conns.get(room_id, ())):
            if conn.user_id != skip_user:
                conn.offer(item)

    async def _on_user_frame(self, msg: Msg) -> None:
        item = user_frame(msg.data)
        if item is None:
            log.warning("ignoring a frame on %s that is not a JSON object with a type", msg.subject)
            return
        for conn in list(self._user_conns.get(int(msg.subject.removeprefix(USER_SUBJECT_PREFIX)), ())):
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
