"""Every client mistake gets a 4xx with a message that says what is wrong; never a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from chatcluster.client import ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, PlatformFactory, unique_name
from tests.helpers import frames_for, next_frame

ROOM = "{room}"


@pytest.fixture
async def alice(new_user: ClientFactory) -> ChatClient:
    return await new_user()


async def _room(client: ChatClient) -> str:
    return str((await client.create_room("mistakes"))["room_id"])


CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    # (case, method, path, request kwargs, status, words the message must contain)
    (
        "short username",
        "POST",
        "/v1/auth/register",
        {"json": {"username": "ab", "password": "long enough"}},
        422,
        "username",
    ),
    (
        "short password",
        "POST",
        "/v1/auth/register",
        {"json": {"username": "someone", "password": "short"}},
        422,
        "password",
    ),
    (
        "malformed JSON",
        "POST",
        "/v1/auth/login",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        400,
        "malformed JSON",
    ),
    (
        "wrong password",
        "POST",
        "/v1/auth/login",
        {"json": {"username": "nobody_here", "password": "whatever1"}},
        401,
        "wrong username or password",
    ),
    ("unknown room", "GET", "/v1/rooms/123/messages", {}, 404, "room '123' does not exist"),
    ("invalid room id", "GET", "/v1/rooms/Bad Room!/messages", {}, 422, "room_id"),
    ("too long", "POST", f"/v1/rooms/{ROOM}/messages", {"json": {"text": "x" * 4001}}, 422, "4000"),
    ("empty text", "POST", f"/v1/rooms/{ROOM}/messages", {"json": {"text": ""}}, 422, "text"),
    ("unknown field", "POST", f"/v1/rooms/{ROOM}/messages", {"json": {"text": "hi", "colour": "red"}}, 422, "colour"),
    (
        "bad client id",
        "POST",
        f"/v1/rooms/{ROOM}/messages",
        {"json": {"text": "hi", "client_id": "has spaces"}},
        422,
        "client_id",
    ),
    (
        "body not JSON",
        "POST",
        f"/v1/rooms/{ROOM}/messages",
        {"content": b"hello", "headers": {"content-type": "application/json"}},
        400,
        "malformed JSON",
    ),
    ("both cursors", "GET", f"/v1/rooms/{ROOM}/messages?before=5&after=3", {}, 400, "one of 'before', 'after'"),
    ("page too big", "GET", f"/v1/rooms/{ROOM}/messages?limit=500", {}, 422, "limit"),
    ("cursor not an id", "GET", f"/v1/rooms/{ROOM}/messages?before=yesterday", {}, 422, "before"),
    ("unknown message", "GET", f"/v1/rooms/{ROOM}/messages/42", {}, 404, "message 42"),
    (
        "reply to nothing",
        "POST",
        f"/v1/rooms/{ROOM}/messages",
        {"json": {"text": "hi", "reply_to": "42"}},
        400,
        "reply_to",
    ),
    ("dm unknown user", "POST", "/v1/dms/nobody_at_all", {}, 404, "user 'nobody_at_all'"),
    ("unknown route", "GET", "/v1/nowhere", {}, 404, "Not Found"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
async def test_a_bad_request_is_answered_with_a_readable_4xx(
    alice: ChatClient, method: str, path: str, kwargs: dict[str, Any], status: int, words: str
) -> None:
    if ROOM in path:
        path = path.replace(ROOM, await _room(alice))
    response = await alice.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"], response.json()


@pytest.mark.parametrize(
    ("headers", "words"),
    [({}, "missing bearer token"), ({"Authorization": "Bearer not.a.token"}, "not valid")],
    ids=["no token", "bad token"],
)
async def test_requests_without_a_valid_token_get_401(
    shared_platform: Supervisor, headers: dict[str, str], words: str
) -> None:
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url) as http:
        response = await http.get("/v1/rooms", headers=headers)
    assert response.status_code == 401
    assert words in response.json()["detail"]


async def test_a_taken_username_gets_409(alice: ChatClient, shared_platform: Supervisor) -> None:
    async with ChatClient(shared_platform.gateway_url) as other:
        response = await other.request(
            "POST", "/v1/auth/register", json={"username": alice.username, "password": "another one"}
        )
    assert response.status_code == 409
    assert "taken" in response.json()["detail"]


async def test_changing_someone_elses_message_is_forbidden(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await _room(alice)
    await bob.join(room_id)
    sent = await alice.send(room_id, "mine")
    path = f"/v1/rooms/{room_id}/messages/{sent['message_id']}"
    for _ in range(50):
        if (await bob.request("GET", path)).status_code == 200:
            break
        await asyncio.sleep(0.1)
    response = await bob.request("PATCH", path, json={"text": "yours now"})
    assert response.status_code == 403
    assert "your own messages" in response.json()["detail"]


async def test_direct_rooms_cannot_be_joined_by_others_or_opened_with_yourself(new_user: ClientFactory) -> None:
    alice, bob, eve = await new_user(), await new_user(), await new_user()
    dm = await alice.dm(bob.username or "")
    joined = await eve.request("POST", f"/v1/rooms/{dm['room_id']}/join")  # a private room: absent to others
    rejoined = await bob.request("POST", f"/v1/rooms/{dm['room_id']}/join")
    with_self = await alice.request("POST", f"/v1/dms/{alice.username}")
    assert (joined.status_code, rejoined.status_code, with_self.status_code) == (404, 403, 400)
    assert joined.json()["detail"] == f"room '{dm['room_id']}' does not exist"
    assert "cannot be joined" in rejoined.json()["detail"]
    assert "yourself" in with_self.json()["detail"]


@pytest.fixture
async def strict_platform(start_platform: PlatformFactory) -> AsyncIterator[Supervisor]:
    """Production-like limits: no test clock, a tight send rate, rooms of three."""
    yield await start_platform(test_clock=False, send_rate_per_second=2.0, send_burst=3, room_member_limit=3)


async def _user(platform: Supervisor) -> ChatClient:
    client = ChatClient(platform.gateway_url)
    await client.register(unique_name(), "correct horse battery")
    return client


async def test_limits_answer_409_429_and_refuse_the_test_clock(strict_platform: Supervisor) -> None:
    owner, second, third, fourth = [await _user(strict_platform) for _ in range(4)]
    room_id = await _room(owner)
    await second.join(room_id)
    await third.join(room_id)
    full = await fourth.request("POST", f"/v1/rooms/{room_id}/join")

    statuses = [(await owner.request("POST", f"/v1/rooms/{room_id}/messages", json={"text": "spam"})) for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    clock = await second.request(
        "POST", f"/v1/rooms/{room_id}/messages", json={"text": "from the past", "sent_at": "2026-01-01T00:00:00Z"}
    )

    assert full.status_code == 409
    assert "at most 3 members" in full.json()["detail"]
    assert [r.status_code for r in statuses[:3]] == [202, 202, 202]
    assert limited, "the fourth to sixth sends within a second must be rate limited"
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert "too many messages" in limited[0].json()["detail"]
    assert clock.status_code == 400
    assert "test clock" in clock.json()["detail"]
    for client in (owner, second, third, fourth):
        await client.aclose()


async def test_the_websocket_refuses_a_bad_token_and_explains_bad_frames(alice: ChatClient) -> None:
    bad_url = alice.ws_url().replace(f"token={alice.token}", "token=forged")
    async with websockets.connect(bad_url) as ws:
        refused = json.loads(await ws.recv())
        await asyncio.wait_for(ws.wait_closed(), 5)
    assert (refused["type"], refused["status"]) == ("error", 401)
    assert ws.close_code == 4401

    room_id = await _room(alice)
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await ws.send("{oops")
        malformed = await next_frame(ws, "error")
        await ws.send(json.dumps({"type": "send", "ref": "x", "room_id": room_id, "text": "y" * 5000}))
        too_long = await next_frame(ws, "error")
        await ws.send(json.dumps({"type": "send", "ref": "z", "room_id": room_id, "text": "still here"}))
        ack = await next_frame(ws, "ack")
    assert malformed["status"] == 400 and "malformed JSON" in malformed["detail"]
    assert too_long["status"] == 422 and "4000" in too_long["detail"] and too_long["ref"] == "x"
    assert ack["ref"] == "z"


async def test_a_client_that_stops_reading_is_disconnected_with_a_reason(start_platform: PlatformFactory) -> None:
    # bob reads only after all 1,500 sends: the close must wait for him that long before it gives up.
    platform = await start_platform(ws_buffer_messages=8, ws_close_timeout_seconds=60)
    alice, bob = await _user(platform), await _user(platform)
    room_id = await _room(alice)
    await bob.join(room_id)
    async with websockets.connect(bob.ws_url(), max_queue=1) as slow:
        await asyncio.sleep(0.3)  # bob's socket is subscribed; from now on bob reads nothing
        big = "z" * 3900
        sends = asyncio.Semaphore(16)  # a realistic client, not 1,500 connections at once

        async def send(i: int) -> None:
            async with sends:
                await alice.send(room_id, f"{i} {big}")

        await asyncio.gather(*(send(i) for i in range(1500)))
        await asyncio.sleep(1.0)
        frames = await frames_for(slow, 5.0)
        await asyncio.wait_for(slow.wait_closed(), 10)
    assert slow.close_code == 4008
    assert "slow consumer" in (slow.close_reason or "")
    assert len([f for f in frames if f["type"] == "event"]) < 1500
    await alice.aclose()
    await bob.aclose()
