"""Presence, typing and the live notices of a room's members, against a real nats-server and gateways."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from chatcluster.bus import publish_user_frame
from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory, platform_settings, unique_name
from tests.helpers import eventually, frames_for, next_frame, second_gateway

TTL = 3.0  # CHATCLUSTER_PRESENCE_TTL_SECONDS of this module's platform: gateways refresh every second


@pytest.fixture(scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory, model_home: Path) -> AsyncIterator[Supervisor]:  # noqa: ARG001
    """A platform with a short presence TTL, and the consumers that would dead-letter what they cannot read."""
    supervisor = Supervisor(
        platform_settings(tmp_path_factory.mktemp("presence"), presence_ttl_seconds=TTL),
        services=("gateway", "persister", "scorer"),
    )
    await supervisor.start()
    yield supervisor
    await supervisor.stop()


@pytest.fixture
async def people(platform: Supervisor) -> AsyncIterator[list[ChatClient]]:
    """Three fresh users signed in on the module's platform."""
    clients = []
    for _ in range(3):
        client = ChatClient(platform.gateway_url)
        await client.register(unique_name("present"), "correct horse battery")
        clients.append(client)
    yield clients
    for client in clients:
        await client.aclose()


async def presence(client: ChatClient, *users: ChatClient, base_url: str | None = None) -> dict[str, str]:
    """GET /v1/presence about `users`, asked of the client's gateway or of the gateway at `base_url`."""
    params = [("user", str(u.user_id)) for u in users]
    if base_url is None:
        found: dict[str, str] = await client.call("GET", "/v1/presence", params=params)
        return found
    async with ChatClient(base_url, token=client.token) as elsewhere:
        found = await elsewhere.call("GET", "/v1/presence", params=params)
        return found


async def shows(asker: ChatClient, user: ChatClient, status: str, timeout: float = 15.0, **where: Any) -> None:
    async def right() -> bool:
        return (await presence(asker, user, **where))[str(user.user_id)] == status

    await eventually(right, timeout=timeout)


def socket_on(base_url: str, client: ChatClient, since: str | None = None) -> websockets.connect:
    """A WebSocket of `client`'s session on the gateway at `base_url`."""
    url = base_url.replace("http", "ws", 1) + f"/v1/ws?token={client.token}" + (f"&since={since}" if since else "")
    return websockets.connect(url, max_size=2**22)


async def say(ws: ClientConnection, **frame: Any) -> None:
    await ws.send(json.dumps(frame))


def of_type(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == kind]


async def test_a_frame_published_for_a_user_reaches_every_socket_of_that_user_and_nobody_else(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice, bob = await new_user(), await new_user()
    nc = await nats.connect(shared_platform.settings.nats_url)
    try:
        async with alice.websocket() as tab1, alice.websocket() as tab2, bob.websocket() as b_ws:
            ready = await next_frame(tab1, "ready")
            for ws in (tab2, b_ws):
                await next_frame(ws, "ready")
            frame = {"type": "notification", "notification": {"kind": "mention", "preview": "hi @alice"}}
            await publish_user_frame(nc, int(ready["user_id"]), frame)
            received = [await next_frame(ws, "notification") for ws in (tab1, tab2)]
            bob_saw = await frames_for(b_ws, 0.5)
    finally:
        await nc.close()

    assert received == [frame, frame]
    assert [f for f in bob_saw if f["type"] == "notification"] == []


async def test_a_user_is_online_while_a_page_is_open_also_in_the_member_list_and_offline_once_it_closes(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("who is here"))["room_id"]
    await bob.join(room)
    assert await presence(bob, alice) == {str(alice.user_id): "offline"}

    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await shows(bob, alice, "online")
        members = await bob.call("GET", f"/v1/rooms/{room}/members")

    assert {m["username"]: m["presence"] for m in members["members"]} == {
        alice.username: "online",
        bob.username: "offline",
    }
    await shows(bob, alice, "offline", timeout=TTL)


async def test_a_page_saying_away_makes_its_user_away_unless_another_page_of_theirs_is_in_use(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    async with alice.websocket() as tab1:
        await next_frame(tab1, "ready")
        await say(tab1, type="presence", status="away")
        await shows(bob, alice, "away")

        async with alice.websocket() as tab2:
            await next_frame(tab2, "ready")
            await shows(bob, alice, "online")
        await shows(bob, alice, "away")

        await say(tab1, type="presence", status="online")
        await shows(bob, alice, "online")
        await say(tab1, type="presence", status="busy", ref="p1")
        refused = await next_frame(tab1, "error")

    assert (refused["status"], refused["ref"]) == (422, "p1")
    assert "status: must be 'online' or 'away'" in refused["detail"]


async def test_presence_is_the_same_seen_from_either_of_two_gateway_processes(
    platform: Supervisor, people: list[ChatClient]
) -> None:
    alice, bob, _ = people
    async with second_gateway(platform) as other:
        async with socket_on(other.gateway_url, alice) as elsewhere:
            await next_frame(elsewhere, "ready")
            await shows(bob, alice, "online")
            await say(elsewhere, type="presence", status="away")
            await shows(bob, alice, "away")
            await shows(bob, alice, "away", base_url=other.gateway_url)

            async with alice.websocket() as here:  # a second page, on the first gateway
                await next_frame(here, "ready")
                await shows(bob, alice, "online", base_url=other.gateway_url)
            await shows(bob, alice, "away")
        await shows(bob, alice, "offline")
        await shows(bob, alice, "offline", base_url=other.gateway_url)


async def test_a_user_whose_gateway_is_killed_shows_offline_within_the_ttl(
    platform: Supervisor, people: list[ChatClient]
) -> None:
    alice, bob, _ = people
    async with second_gateway(platform) as other:
        ws = await socket_on(other.gateway_url, alice)
        try:
            await next_frame(ws, "ready")
            await shows(bob, alice, "online")
            await asyncio.sleep(TTL)  # a few refreshes later it is still online: the TTL alone does not end it
            assert (await presence(bob, alice))[str(alice.user_id)] == "online"

            await other.kill("gateway")  # SIGKILL: nothing deletes its keys
            await shows(bob, alice, "offline", timeout=TTL + 2)  # the TTL, and a poll's slack
        finally:
            with contextlib.suppress(Exception):
                await ws.close()


async def test_typing_reaches_the_other_members_at_most_once_every_three_seconds_and_never_the_typist(
    people: list[ChatClient],
) -> None:
    alice, bob, eve = people
    room = (await alice.create_room("typing"))["room_id"]
    elsewhere = (await eve.create_room("not alice's"))["room_id"]
    await bob.join(room)
    async with alice.websocket() as a_ws, alice.websocket() as a_tab, bob.websocket() as b_ws, eve.websocket() as e_ws:
        for ws in (a_ws, a_tab, b_ws, e_ws):
            await next_frame(ws, "ready")
        first = time.monotonic()
        for _ in range(10):
            await say(a_ws, type="typing", room_id=room)
            await asyncio.sleep(0.1)
        burst = of_type(await frames_for(b_ws, 0.5), "typing")
        typist_saw = of_type(await frames_for(a_ws, 0.1) + await frames_for(a_tab, 0.1), "typing")
        eve_saw = of_type(await frames_for(e_ws, 0.1), "typing")

        await asyncio.sleep(max(0.0, first + 3.1 - time.monotonic()))
        await say(a_ws, type="typing", room_id=room)
        later = of_type(await frames_for(b_ws, 1.0), "typing")
        await say(a_ws, type="typing", room_id=elsewhere, ref="t1")
        refused = await next_frame(a_ws, "error")

    expected = {"type": "typing", "room_id": room, "user_id": str(alice.user_id), "username": alice.username}
    assert burst == [expected]
    assert later == [expected]
    assert typist_saw == [] and eve_saw == []
    assert (refused["status"], refused["ref"]) == (403, "t1")


async def test_joins_and_leaves_reach_the_rooms_other_members_live_and_in_a_replay(people: list[ChatClient]) -> None:
    alice, bob, carol = people
    room = (await alice.create_room("comings and goings"))["room_id"]
    async with alice.websocket() as a_ws, bob.websocket() as b_ws:
        for ws in (a_ws, b_ws):
            await next_frame(ws, "ready")
        await bob.join(room)
        joined = await next_frame(a_ws, "member")
        await bob.call("POST", f"/v1/rooms/{room}/leave")
        left = await next_frame(a_ws, "member")
        bob_saw = await frames_for(b_ws, 0.5)

    def notice(op: str, who: ChatClient, role: str | None) -> dict[str, Any]:
        member = {"room_id": room, "user_id": str(who.user_id), "username": who.username}
        return {"type": "member", "op": op, **member, "role": role, "by": None}  # by: nobody else did it

    assert {k: v for k, v in joined.items() if k != "event_id"} == notice("joined", bob, "member")
    assert {k: v for k, v in left.items() if k != "event_id"} == notice("left", bob, None)
    assert [f["type"] for f in bob_saw if f["type"] in ("joined", "left", "member")] == ["joined", "left"]

    await carol.join(room)
    said = await carol.send(room, "hello while alice is away")
    await carol.call("POST", f"/v1/rooms/{room}/leave")
    async with alice.websocket(since=left["event_id"]) as ws:
        await next_frame(ws, "ready")
        replayed: list[dict[str, Any]] = []
        while not replayed or replayed[-1]["type"] != "replay_done":
            replayed.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))

    assert [(f["type"], f.get("op"), f.get("user_id")) for f in replayed] == [
        ("member", "joined", str(carol.user_id)),
        ("event", None, None),
        ("member", "left", str(carol.user_id)),
        ("replay_done", None, None),
    ]
    assert replayed[1]["event"]["message"]["message_id"] == said["message_id"]


async def test_membership_events_and_typing_never_reach_the_message_consumers_or_the_dead_letters(
    people: list[ChatClient],
) -> None:
    alice, bob, _ = people
    room = (await alice.create_room("nothing to dead-letter"))["room_id"]
    for _ in range(3):
        await bob.join(room)
        await bob.call("POST", f"/v1/rooms/{room}/leave")
    async with alice.websocket() as ws:
        await next_frame(ws, "ready")
        await say(ws, type="typing", room_id=room)
    last = await alice.send(room, "after the comings and goings")

    async def scored() -> bool:  # the persister stored it and the scorer scored it: both read past the events
        found = (await alice.history(room, limit=1))["messages"]
        return bool(found) and found[-1]["message_id"] == last["message_id"] and found[-1]["sentiment"] is not None

    await eventually(scored, timeout=60)
    failed = await alice.call("GET", "/v1/stats/failed")
    assert (failed["total"], failed["by_consumer"]) == (0, {})


async def test_a_presence_query_names_between_one_and_two_hundred_users(people: list[ChatClient]) -> None:
    alice, _, _ = people
    problems = []
    for params in ([], [("user", str(n)) for n in range(1, 202)], [("user", "alice")]):
        with pytest.raises(ApiProblem) as refused:
            await alice.call("GET", "/v1/presence", params=params)
        problems.append(refused.value)
    many = await alice.call("GET", "/v1/presence", params=[("user", str(n)) for n in range(1, 201)])

    assert [p.status for p in problems] == [422, 422, 422]
    assert all(p.detail.startswith("query.user") for p in problems)
    assert len(many) == 200 and set(many.values()) == {"offline"}


async def test_presence_keeps_following_the_sockets_after_a_nats_server_restart(
    platform: Supervisor, people: list[ChatClient]
) -> None:
    alice, bob, _ = people
    async with second_gateway(platform) as other, socket_on(other.gateway_url, alice) as ws:
        await next_frame(ws, "ready")
        await shows(bob, alice, "online")
        await platform.restart("nats")
        await asyncio.sleep(2 * TTL)  # past the TTL of every key written before the restart
        await shows(bob, alice, "online")
        await say(ws, type="presence", status="away")
        await shows(bob, alice, "away", timeout=3 * TTL)  # seen by the other gateway's watch of the bucket
