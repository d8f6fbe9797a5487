"""Accounts and sessions on the real platform: short-lived access tokens, revocable sessions, logout,
password change, account deletion, weak passwords, and tokens checked against the store."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.gateway.security import issue_access_token
from chatcluster.ids import SnowflakeGenerator
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, unique_name
from tests.helpers import all_messages, eventually, next_frame

PASSWORD = "correct horse battery"


async def status_of(client: ChatClient, method: str, path: str, token: str | None, **kwargs: Any) -> int:
    response = await client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    return response.status_code


async def second_session(platform: Supervisor, client: ChatClient, agent: str = "second-device/1") -> ChatClient:
    """The same user signed in again elsewhere: another session."""
    other = ChatClient(platform.gateway_url, user_agent=agent)
    await other.login(client.username or "", PASSWORD)
    return other


async def closed_with(ws: ClientConnection, timeout: float = 5.0) -> tuple[int | None, str | None]:
    await asyncio.wait_for(ws.wait_closed(), timeout)
    return ws.close_code, ws.close_reason


async def test_signing_in_answers_a_short_lived_access_token_and_the_refresh_token_of_a_new_session(
    shared_platform: Supervisor,
) -> None:
    async with ChatClient(shared_platform.gateway_url) as client:
        registered = await client.register(unique_name(), PASSWORD)
        logged_in = await client.login(registered["username"], PASSWORD)

    for body in (registered, logged_in):
        assert body["token_type"] == "bearer"
        assert re.fullmatch(r"[0-9]+\.[A-Za-z0-9_-]{43}", body["refresh_token"])
        assert body["refresh_token"].split(".")[0] == body["session_id"]
        lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
        assert timedelta(minutes=14) < lifetime <= timedelta(minutes=15)
    assert registered["session_id"] != logged_in["session_id"]
    assert registered["user_id"] == logged_in["user_id"]


async def test_me_tells_who_the_token_acts_for_and_issues_no_token(new_user: ClientFactory) -> None:
    alice = await new_user()

    me = await alice.me()

    assert me == {
        "user_id": alice.user_id,
        "username": alice.username,
        "session_id": alice.session_id,
        "is_admin": False,
    }


async def test_a_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(new_user: ClientFactory) -> None:
    alice = await new_user()
    first_access, refresh_token = alice.token, alice.refresh_token
    await asyncio.sleep(1.1)  # a later expiry, so a different token

    renewed = await alice.refresh()

    assert renewed["access_token"] != first_access
    assert renewed["refresh_token"] == refresh_token
    assert renewed["session_id"] == alice.session_id
    assert (await alice.rooms()) == []


async def test_after_logout_the_access_token_is_refused_at_once_and_the_refresh_token_no_longer_works(
    new_user: ClientFactory,
) -> None:
    alice = await new_user()
    access, refresh_token = alice.token, alice.refresh_token
    assert await status_of(alice, "GET", "/v1/rooms", access) == 200

    await alice.logout()

    response = await alice.request("GET", "/v1/rooms", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code == 401
    assert "session has ended" in response.json()["detail"]
    refreshed = await alice.request("POST", "/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert refreshed.status_code == 401
    assert "sign in again" in refreshed.json()["detail"]


async def test_logout_closes_the_sessions_live_socket_with_4401(new_user: ClientFactory) -> None:
    alice = await new_user()
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")

        await alice.logout()

        assert await closed_with(ws) == (4401, "session revoked")


async def test_logout_everywhere_ends_every_session_of_the_user_and_no_one_elses(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice, bob = await new_user(), await new_user()
    async with await second_session(shared_platform, alice) as phone:
        phone_access = phone.token
        async with phone.websocket() as phone_ws:
            await next_frame(phone_ws, "ready")

            await alice.logout(all=True)

            assert (await closed_with(phone_ws))[0] == 4401
        assert await status_of(phone, "GET", "/v1/rooms", phone_access) == 401
        with pytest.raises(ApiProblem) as refused:
            await phone.refresh()
        assert refused.value.status == 401
    assert await bob.rooms() == []


async def test_the_session_list_shows_each_live_session_and_which_one_is_asking(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    async with await second_session(shared_platform, alice, agent="Phone/2.0 " + "x" * 500) as phone:
        listed = await alice.sessions()

    assert [s["session_id"] for s in listed] == [alice.session_id, phone.session_id]
    assert [s["current"] for s in listed] == [True, False]
    assert listed[1]["user_agent"].startswith("Phone/2.0 ")
    assert len(listed[1]["user_agent"]) == 200
    for session in listed:
        assert set(session) == {"session_id", "created_at", "last_used_at", "expires_at", "user_agent", "current"}
        assert datetime.fromisoformat(session["expires_at"]) - datetime.now(UTC) > timedelta(days=29)


async def test_ending_one_of_my_sessions_refuses_its_token_and_closes_its_socket(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    async with await second_session(shared_platform, alice) as stolen:
        async with stolen.websocket() as ws:
            await next_frame(ws, "ready")

            await alice.end_session(stolen.session_id or "")

            assert await closed_with(ws) == (4401, "session revoked")
        assert await status_of(stolen, "GET", "/v1/rooms", stolen.token) == 401
    assert [s["session_id"] for s in await alice.sessions()] == [alice.session_id]


async def test_ending_someone_elses_session_is_a_404_and_leaves_it_alone(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()

    with pytest.raises(ApiProblem) as refused:
        await alice.end_session(bob.session_id or "")

    assert refused.value.status == 404
    assert "not one of yours" in refused.value.detail
    assert await bob.rooms() == []


async def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    async with await second_session(shared_platform, alice) as laptop:
        await alice.change_password(PASSWORD, "a brand new passphrase")

        assert await status_of(laptop, "GET", "/v1/rooms", laptop.token) == 401
        assert await alice.rooms() == []
        assert (await alice.refresh())["session_id"] == alice.session_id
    async with ChatClient(shared_platform.gateway_url) as again:
        with pytest.raises(ApiProblem) as old_refused:
            await again.login(alice.username or "", PASSWORD)
        await again.login(alice.username or "", "a brand new passphrase")
    assert old_refused.value.status == 401


async def test_a_password_change_needs_the_current_password(new_user: ClientFactory) -> None:
    alice = await new_user()

    with pytest.raises(ApiProblem) as refused:
        await alice.change_password("not my password", "a brand new passphrase")

    assert refused.value.status == 403
    assert "password is wrong" in refused.value.detail


@pytest.mark.parametrize(
    ("password", "words"),
    [("password1", "most common"), ("        ", "whitespace"), ("{username}", "the username")],
    ids=["common", "whitespace", "username"],
)
async def test_a_weak_password_is_refused_at_registration_and_at_password_change(
    new_user: ClientFactory, shared_platform: Supervisor, password: str, words: str
) -> None:
    username = unique_name()
    async with ChatClient(shared_platform.gateway_url) as newcomer:
        registering = await newcomer.request(
            "POST", "/v1/auth/register", json={"username": username, "password": password.format(username=username)}
        )
    alice = await new_user()
    changing = await alice.request(
        "POST",
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": password.format(username=alice.username.upper())},
    )

    for response in (registering, changing):
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"]


async def test_a_deleted_account_cannot_sign_in_and_its_messages_stay_under_its_reserved_name(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice, bob = await new_user(), await new_user()
    room = await alice.create_room("farewell")
    await bob.join(room["room_id"])
    await alice.dm(bob.username or "")
    sent = await alice.send(room["room_id"], "goodbye everyone")
    await eventually(lambda: all_messages(bob, room["room_id"]))
    access, name = alice.token, alice.username or ""

    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        with pytest.raises(ApiProblem) as wrong:
            await alice.delete_account("not my password")
        await alice.delete_account(PASSWORD)
        assert (await closed_with(ws))[0] == 4401

    assert wrong.value.status == 403
    assert await status_of(bob, "GET", "/v1/rooms", access) == 401
    async with ChatClient(shared_platform.gateway_url) as someone:
        with pytest.raises(ApiProblem) as login:
            await someone.login(name, PASSWORD)
        with pytest.raises(ApiProblem) as taken:
            await someone.register(name.upper(), PASSWORD)
    assert (login.value.status, taken.value.status) == (401, 409)
    stored = await all_messages(bob, room["room_id"])
    assert [(m["message_id"], m["author"], m["text"]) for m in stored] == [
        (sent["message_id"], name, "goodbye everyone")
    ]
    members = await bob.call("GET", f"/v1/rooms/{room['room_id']}/members")
    assert [m["username"] for m in members["members"]] == [bob.username]
    with pytest.raises(ApiProblem) as dm:
        await bob.dm(name)
    assert dm.value.status == 404


async def test_a_signed_token_for_a_user_that_does_not_exist_is_refused_everywhere(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    room = await alice.create_room("guarded")
    ids = SnowflakeGenerator(worker_id=999)
    forged, _ = issue_access_token(ids.next_id(), ids.next_id(), shared_platform.settings.resolved_token_secret(), 600)

    statuses = [
        await status_of(alice, "GET", "/v1/rooms", forged),
        await status_of(alice, "POST", "/v1/rooms", forged, json={"name": "by nobody"}),
        await status_of(alice, "POST", f"/v1/rooms/{room['room_id']}/join", forged),
        await status_of(alice, "GET", "/v1/auth/me", forged),
    ]
    ws_url = alice.ws_url().replace(f"token={alice.token}", f"token={forged}")
    async with websockets.connect(ws_url) as ws:
        refused = json.loads(await ws.recv())
        code, _reason = await closed_with(ws)

    assert statuses == [401, 401, 401, 401]
    assert (refused["status"], code) == (401, 4401)


async def test_the_author_of_a_message_is_the_stored_username_whatever_the_token_claims(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    room = await alice.create_room("names")
    claims = jwt.decode(alice.token or "", options={"verify_signature": False})
    claims["name"] = "the_admin"
    forged = jwt.encode(claims, shared_platform.settings.resolved_token_secret(), algorithm="HS256")
    async with httpx.AsyncClient(base_url=shared_platform.gateway_url) as http:
        response = await http.post(
            f"/v1/rooms/{room['room_id']}/messages",
            json={"text": "who am I"},
            headers={"Authorization": f"Bearer {forged}"},
        )
    assert response.status_code == 202, response.text

    stored = await eventually(lambda: all_messages(alice, room["room_id"]))

    assert [m["author"] for m in stored] == [alice.username]


async def test_refresh_with_a_malformed_or_unknown_token_is_refused_with_a_sentence(new_user: ClientFactory) -> None:
    alice = await new_user()
    unknown = f"{alice.session_id}.{'A' * 43}"

    malformed = await alice.request("POST", "/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    wrong_secret = await alice.request("POST", "/v1/auth/refresh", json={"refresh_token": unknown})

    assert malformed.status_code == 422
    assert "refresh_token" in malformed.json()["detail"]
    assert wrong_secret.status_code == 401
    assert "sign in again" in wrong_secret.json()["detail"]
    assert await alice.rooms() == []
