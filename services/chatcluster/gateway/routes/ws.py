"""WebSocket `/v1/ws`: live events for the user's rooms, sends with acks, replay on reconnect.

Frames are JSON objects with a `type`:
- server → client: `ready`, `event` (a MessageEvent), `ack`, `error`, `joined`, `left`,
  `replay_done`, `pong`;
- client → server: `send` {room_id, text, client_id?, reply_to?, ref?}, `ping`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket
from pydantic import ValidationError

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.deps import user_from_token
from chatcluster.gateway.errors import ApiError, describe_validation_errors
from chatcluster.gateway.hub import SLOW_CLIENT_CLOSE_CODE, Connection, Outbound
from chatcluster.gateway.messaging import send_message
from chatcluster.gateway.replay import missed_events
from chatcluster.gateway.schemas import MessageSend
from chatcluster.gateway.security import Identity
from chatcluster.models import is_room_id
from chatcluster.telemetry.instruments import instruments
from chatcluster.telemetry.messaging import new_trace

router = APIRouter()

UNAUTHORIZED_CLOSE_CODE = 4401
REVOKED_REASON = "session revoked"
BAD_REQUEST_CLOSE_CODE = 4400


def _frame(**fields: Any) -> Outbound:
    return Outbound(json.dumps(fields))


async def _refuse(websocket: WebSocket, code: int, status: int, detail: str) -> None:
    await websocket.send_json({"type": "error", "status": status, "detail": detail})
    await websocket.close(code=code, reason=detail[:120])


async def _handle_frame(gw: Gateway, user: Identity, conn: Connection, raw: str) -> None:
    try:
        frame = json.loads(raw)
    except ValueError as exc:
        conn.offer(_frame(type="error", status=400, detail=f"malformed JSON: {exc}"))
        return
    if not isinstance(frame, dict):
        conn.offer(_frame(type="error", status=400, detail="each frame must be a JSON object"))
        return
    ref = frame.get("ref")
    kind = frame.get("type")
    if kind == "ping":
        conn.offer(_frame(type="pong", ref=ref))
        return
    if kind != "send":
        conn.offer(
            _frame(type="error", ref=ref, status=400, detail=f"unknown frame type {kind!r}; use 'send' or 'ping'")
        )
        return
    room_id = frame.get("room_id")
    try:
        if not isinstance(room_id, str) or not is_room_id(room_id):
            raise ApiError(400, "room_id: a room id is required")
        body = MessageSend.model_validate({k: v for k, v in frame.items() if k not in {"type", "ref", "room_id"}})
        with new_trace("WS send"):  # its own trace, linked to the connection's long-lived span
            accepted = await send_message(gw, user, room_id, body)
    except ValidationError as exc:
        conn.offer(_frame(type="error", ref=ref, status=422, detail=describe_validation_errors(exc.errors())))
        return
    except ApiError as exc:
        conn.offer(_frame(type="error", ref=ref, status=exc.status, detail=exc.detail))
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
    if since is not None and not since.isdigit():
        await _refuse(websocket, BAD_REQUEST_CLOSE_CODE, 400, "since: must be a message or event id")
        return

    overflowed = asyncio.Event()
    conn = Connection(
        user.user_id,
        gw.settings.ws_buffer_messages,
        on_overflow=lambda _c: overflowed.set(),
        session_id=user.session_id,
    )
    rooms = [r.room_id for r in await gw.store.rooms_of(user.user_id)]
    # Subscribe before replaying so nothing published meanwhile falls between the two.
    await gw.hub.attach(conn, rooms)
    if gw.identities.was_revoked(user.session_id):  # ended while this socket was being set up
        conn.revoked.set()
    connections = instruments().websocket_connections
    connections.add(1)
    try:
        await websocket.send_json(
            {"type": "ready", "user_id": str(user.user_id), "username": user.username, "rooms": rooms}
        )
        replayed: set[int] = set()
        if since is not None:
            events, truncated = await missed_events(gw.js, rooms, int(since))
            for item in events:
                await websocket.send_text(item.frame)
                replayed.add(item.event_id or 0)
            await websocket.send_json({"type": "replay_done", "count": len(events), "truncated": truncated})
        await _pump(gw, user, conn, websocket, replayed, overflowed)
    finally:
        connections.add(-1)
        await gw.hub.detach(conn)


async def _pump(
    gw: Gateway, user: Identity, conn: Connection, websocket: WebSocket, replayed: set[int], overflowed: asyncio.Event
) -> None:
    async def send_loop() -> None:
        while True:
            item = await conn.queue.get()
            if item.event_id is not None and item.event_id in replayed:
                continue
            await websocket.send_text(item.frame)

    async def receive_loop() -> None:
        while True:
            await _handle_frame(gw, user, conn, await websocket.receive_text())

    tasks = [
        asyncio.create_task(send_loop()),
        asyncio.create_task(receive_loop()),
        asyncio.create_task(overflowed.wait()),
        asyncio.create_task(conn.revoked.wait()),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    if conn.revoked.is_set():
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=UNAUTHORIZED_CLOSE_CODE, reason=REVOKED_REASON), timeout=2)
        return
    if overflowed.is_set():
        gw.hub.slow_clients_dropped += 1
        instruments().websocket_dropped.add(1)
        reason = f"slow consumer: more than {conn.capacity} undelivered frames"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=SLOW_CLIENT_CLOSE_CODE, reason=reason), timeout=2)
