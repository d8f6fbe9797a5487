"""WebSocket `/v1/ws`: live events for the user's rooms, sends with acks, replay on reconnect.

Frames are JSON text objects with a `type`:
- server → client: `ready` (with my rooms' summaries), `event` (a MessageEvent), `ack`, `error`, `joined`, `left`,
  `read` (a member's read marker moved: where receipts are shared, or my own from another window),
  `member` (someone else joined, left, was kicked or banned, or got a new role: with `role` and `by`), `typing`,
  `reaction`, `pin` and `room` (`{"type", "event"}`: a ReactionEvent, PinEvent or RoomEvent, see `hub.RELAYS`),
  `mood` (a RoomMoodEvent's fields: the room's mood changed, at most every CHATCLUSTER_MOOD_INTERVAL_SECONDS),
  `replay_done`, `pong`, and whatever is published for the user on `chat.user.<user>` (e.g. `notification`);
- client → server: `send` {room_id, text, client_id?, reply_to?, ref?}, `ping` {ref?},
  `typing` {room_id}, `presence` {status: online|away}, `quiz_watch` / `quiz_unwatch` {quiz_id} (then
  `quiz_board` and `quiz_state` frames for that quiz: see gateway/quizrelay.py).

Nothing a client sends is echoed back unbounded: `ref` must be a short string or an integer,
error details are capped, and each socket's undelivered frames are bounded in count and bytes
(see hub.Connection); a client past either budget is closed with 4008 and the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket
from pydantic import TypeAdapter, ValidationError

from chatcluster.gateway import people, presence, quiz, read_state
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.deps import user_from_token
from chatcluster.gateway.errors import ApiError, describe_validation_errors
from chatcluster.gateway.hub import SLOW_CLIENT_CLOSE_CODE, Connection, Outbound
from chatcluster.gateway.messages import send_message
from chatcluster.gateway.replay import missed_events
from chatcluster.gateway.schemas import MessageSend
from chatcluster.gateway.security import Identity
from chatcluster.models import Snowflake, is_room_id
from chatcluster.telemetry.instruments import instruments
from chatcluster.telemetry.messaging import new_trace

log = logging.getLogger(__name__)
router = APIRouter()

UNAUTHORIZED_CLOSE_CODE = 4401
REVOKED_REASON = "session revoked"
BAD_REQUEST_CLOSE_CODE = 4400
INTERNAL_ERROR_CLOSE_CODE = 1011
MAX_REF_CHARS = 64
MAX_DETAIL_CHARS = 300
REF_RULE = f"ref: must be a string of at most {MAX_REF_CHARS} characters or a 64-bit integer; the frame was ignored"

SINCE_RULE = "since: must be the id of an event you received (decimal digits, below 2^63)"

Ref = str | int | None
_event_id = TypeAdapter(Snowflake)


def _frame(**fields: Any) -> Outbound:
    return Outbound(json.dumps(fields))


def _error(status: int, detail: str, ref: Ref = None) -> Outbound:
    if len(detail) > MAX_DETAIL_CHARS:  # details can quote field names a client chose
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    return _frame(type="error", ref=ref, status=status, detail=detail)


def is_ref(value: object) -> bool:
    """A `ref` the server will echo: short, so a client cannot make the server send back what it sent."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return value is None or (isinstance(value, str) and len(value) <= MAX_REF_CHARS)


def parse_since(value: str) -> int | None:
    """The event id a reconnecting client last saw, or None when it is not one."""
    try:
        return _event_id.validate_python(value)
    except ValidationError:
        return None


def _parse(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "malformed JSON: nested too deeply") from None
    except ValueError:  # the only other one: a number past Python's digit limit
        raise ApiError(400, "malformed JSON: a number has too many digits") from None


async def _refuse(websocket: WebSocket, code: int, status: int, detail: str) -> None:
    await websocket.send_json({"type": "error", "status": status, "detail": detail})
    await websocket.close(code=code, reason=detail[:120])


async def _handle_frame(gw: Gateway, user: Identity, conn: Connection, raw: str) -> None:
    try:
        frame = _parse(raw)
    except ApiError as exc:
        conn.offer(_error(exc.status, exc.detail))
        return
    if not isinstance(frame, dict):
        conn.offer(_error(400, "each frame must be a JSON object"))
        return
    ref = frame.get("ref")
    if not is_ref(ref):
        conn.offer(_error(400, REF_RULE))
        return
    kind = frame.get("type")
    if kind == "ping":
        conn.offer(_frame(type="pong", ref=ref))
        return
    if kind in ("quiz_watch", "quiz_unwatch"):
        try:
            await quiz.watch_frame(gw, user, conn, frame)
        except ApiError as exc:
            conn.offer(_error(exc.status, exc.detail, ref))
        return
    if kind in ("typing", "presence"):
        try:
            if kind == "typing":
                await presence.typing(gw.presence, gw.nc, conn, user.username, frame.get("room_id"))
            else:
                presence.set_status(gw.presence, conn, frame.get("status"))
        except ApiError as exc:
            conn.offer(_error(exc.status, exc.detail, ref))
        return
    if kind != "send":
        named = f" {kind!r}" if isinstance(kind, str) and len(kind) <= 32 else ""
        conn.offer(_error(400, f"unknown frame type{named}; use 'send', 'ping', 'typing' or 'presence'", ref))
        return
    room_id = frame.get("room_id")
    try:
        if not isinstance(room_id, str) or not is_room_id(room_id):
            raise ApiError(400, "room_id: a room id is required")
        body = MessageSend.model_validate({k: v for k, v in frame.items() if k not in {"type", "ref", "room_id"}})
        with new_trace("WS send"):  # its own trace, linked to the connection's long-lived span
            accepted = await send_message(gw, user, room_id, body)
    except ValidationError as exc:
        conn.offer(_error(422, describe_validation_errors(exc.errors()), ref))
        return
    except ApiError as exc:
        conn.offer(_error(exc.status, exc.detail, ref))
        return
    conn.offer(Outbound(json.dumps({"type": "ack", "ref": ref, **accepted.model_dump(mode="json")})))


@router.websocket("/v1/ws")
async def websocket_endpoint(
    websocket: WebSocket,
    token: Annotated[str | None, Query(description="Bearer token (browsers cannot set headers)")] = None,
    since: Annotated[str | None, Query(description="Last event id seen; missed events are replayed")] = None,
) -> None:
    gw: Gateway = websocket.app.state.gateway
    await websocket.accept()
    try:
        user = await user_from_token(gw, token)
    except ApiError as exc:
        await _refuse(websocket, UNAUTHORIZED_CLOSE_CODE, exc.status, exc.detail)
        return
    since_id = None if since is None else parse_since(since)
    if since is not None and since_id is None:
        await _refuse(websocket, BAD_REQUEST_CLOSE_CODE, 400, SINCE_RULE)
        return

    conn = Connection(
        user.user_id,
        max_frames=gw.settings.ws_buffer_messages,
        max_bytes=gw.settings.ws_buffer_bytes,
        session_id=user.session_id,
    )
    joined = await gw.store.rooms_of(user.user_id)
    rooms = [r.room_id for r in joined]
    # Subscribe before replaying so nothing published meanwhile falls between the two.
    await gw.hub.attach(conn, rooms)
    await people.load_blocks(gw, conn)
    gw.presence.changed(user.user_id)
    if gw.identities.was_revoked(user.session_id):  # ended while this socket was being set up
        conn.revoked.set()
    connections = instruments().websocket_connections
    connections.add(1)
    try:
        await websocket.send_json(
            {
                "type": "ready",
                "user_id": str(user.user_id),
                "username": user.username,
                "rooms": rooms,
                # After attaching: what arrives meanwhile comes live too; the page counts each message once.
                "summaries": [s.model_dump(mode="json") for s in await read_state.summaries(gw, user, joined)],
            }
        )
        replay: list[Outbound] = []
        if since_id is not None:
            # Half the socket's budget, so live events arriving meanwhile still have room.
            events, truncated = await missed_events(
                gw.js, rooms, since_id, max_bytes=conn.max_bytes // 2, user_id=user.user_id, hidden=conn.blocked
            )
            replay = [*events, _frame(type="replay_done", count=len(events), truncated=truncated)]
        await _pump(gw, user, conn, websocket, replay)
    finally:
        connections.add(-1)
        await gw.quizzes.detach(conn)
        await gw.hub.detach(conn)
        gw.presence.changed(user.user_id)


async def _pump(gw: Gateway, user: Identity, conn: Connection, websocket: WebSocket, replay: list[Outbound]) -> None:
    replayed = {item.event_id for item in replay if item.event_id is not None}
    conn.hold(replay)

    async def send_loop() -> None:
        for item in replay:
            await websocket.send_text(item.frame)
            conn.sent(item)
        while True:
            item = await conn.take()
            try:
                # Queued before the user's block list was read, or before a block: still never sent.
                if (item.event_id is None or item.event_id not in replayed) and item.author_id not in conn.blocked:
                    await websocket.send_text(item.frame)
            finally:
                conn.sent(item)

    async def receive_loop() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                conn.offer(_error(400, "binary frames are not accepted: send each frame as a JSON text frame"))
            else:
                try:
                    await _handle_frame(gw, user, conn, text)
                except Exception:
                    log.exception("WebSocket frame from user %s failed", user.user_id)
                    conn.close(INTERNAL_ERROR_CLOSE_CODE, "internal error")
            # A burst of pings arrives without a pause: let the sender write each answer, so the budget
            # measures what the client leaves unread, not how many frames one read carried.
            await asyncio.sleep(0)

    tasks = [
        asyncio.create_task(send_loop()),
        asyncio.create_task(receive_loop()),
        asyncio.create_task(conn.closing.wait()),
        asyncio.create_task(conn.revoked.wait()),
    ]
    try:
        # A send or receive that fails means the socket is already gone or closing: nothing to report.
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if conn.revoked.is_set():
        conn.close(UNAUTHORIZED_CLOSE_CODE, REVOKED_REASON)
    if conn.close_request is None:
        return
    code, reason = conn.close_request
    if code == SLOW_CLIENT_CLOSE_CODE:
        gw.hub.slow_clients_dropped += 1
        instruments().websocket_dropped.add(1)
    with contextlib.suppress(Exception):  # the socket may already be gone
        # Written at once, behind what is buffered (gateway.wsprotocol): a client reading late still sees why.
        await asyncio.wait_for(websocket.close(code=code, reason=reason), timeout=2)
