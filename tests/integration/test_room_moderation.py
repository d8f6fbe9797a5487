"""Rooms people can run, on the real platform: roles, settings, invitations, kicks, bans, ownership and deletion,
every right checked on the server and every removal felt at once by the removed user's sockets on any gateway."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import frames_for, next_frame, second_gateway
from tests.integration.test_cli_accounts import PASSWORD, Cli


@pytest.fixture
async def people(new_user: ClientFactory) -> list[ChatClient]:
    """owner, admin, member, outsider"""
    return [await new_user() for _ in range(4)]


async def refused(call: Any) -> tuple[int, str]:
    with pytest.raises(ApiProblem) as problem:
        await call
    return problem.value.status, problem.value.detail


async def run_room(people: list[ChatClient], name: str = "town square") -> str:
    """A room of `people[0]` (owner), `people[1]` (made admin) and `people[2]` (member); `people[3]` stays out."""
    owner, admin, member, _ = people
    room: str = (await owner.create_room(name))["room_id"]
    for person in (admin, member):
        await person.join(room)
    await owner.set_role(room, str(admin.user_id), "admin")
    return room


def roles(members: dict[str, Any]) -> dict[str, str]:
    return {m["username"]: m["role"] for m in members["members"]}


async def room_frames(ws: ClientConnection, kind: str, room_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next frame of `kind` about `room_id`."""
    while True:
        frame = await next_frame(ws, kind, timeout)
        about = frame.get("room_id") or frame.get("room", {}).get("room_id") or frame.get("event", {}).get("room_id")
        if about == room_id or frame.get("event", {}).get("room", {}).get("room_id") == room_id:
            return frame


async def test_the_creator_owns_a_room_and_people_who_join_are_members(people: list[ChatClient]) -> None:
    owner, admin, member, outsider = people
    created = await owner.create_room("owned")
    room = created["room_id"]
    await admin.join(room)
    await owner.set_role(room, str(admin.user_id), "admin")
    joined = await member.join(room)

    assert (created["my_role"], created["topic"], created["private"]) == ("owner", "", False)
    assert joined["my_role"] == "member"
    assert (await admin.room(room))["my_role"] == "admin"
    assert (await outsider.room(room))["my_role"] is None
    assert roles(await member.members(room)) == {
        owner.username: "owner",
        admin.username: "admin",
        member.username: "member",
    }
    mine = {r["room_id"]: r for r in await admin.rooms()}
    assert mine[room]["my_role"] == "admin"


async def test_a_non_admins_rename_gets_403_and_an_admins_rename_reaches_every_member_live(
    people: list[ChatClient],
) -> None:
    owner, admin, member, _ = people
    room = await run_room(people)

    status, detail = await refused(member.update_room(room, name="mine now"))
    assert (status, detail) == (403, "only the room's owner or an admin can change its name, topic or privacy")

    async with member.websocket() as ws:
        await next_frame(ws, "ready")
        renamed = await admin.update_room(room, name="  the agora ", topic="Say hello")
        frame = await room_frames(ws, "room", room)

    assert (renamed["name"], renamed["topic"], renamed["my_role"]) == ("the agora", "Say hello", "admin")
    assert frame["event"]["op"] == "updated"
    assert (frame["event"]["room"]["name"], frame["event"]["by"]) == ("the agora", str(admin.user_id))
    assert (await member.room(room))["name"] == "the agora"
    assert (await owner.update_room(room, topic=""))["topic"] == ""


async def test_a_private_room_never_appears_in_the_directory_and_is_absent_to_non_members(
    people: list[ChatClient],
) -> None:
    owner, _, member, outsider = people
    room = await run_room(people, "hidden")
    said = (await member.send(room, "whispers"))["message_id"]

    made = await owner.update_room(room, private=True)

    assert made["private"] is True
    for person in people:
        assert room not in {r["room_id"] for r in await person.call("GET", "/v1/rooms/directory")}
    absent = (404, f"room '{room}' does not exist")
    assert await refused(outsider.room(room)) == absent
    assert await refused(outsider.join(room)) == absent
    assert await refused(outsider.history(room)) == absent
    assert await refused(outsider.members(room)) == absent
    assert await refused(outsider.call("GET", f"/v1/rooms/{room}/messages/{said}")) == absent
    assert await refused(outsider.call("GET", "/v1/stats/messages", params={"room": room})) == absent
    assert (await member.room(room))["private"] is True  # the members still see it

    invited = await owner.invite(room, outsider.username or "")
    assert (invited["username"], invited["role"]) == (outsider.username, "member")
    assert (await outsider.room(room))["my_role"] == "member"

    await owner.update_room(room, private=False)
    assert room in {r["room_id"] for r in await outsider.call("GET", "/v1/rooms/directory")}


async def test_owner_only_verbs_are_refused_to_admins(people: list[ChatClient]) -> None:
    owner, admin, member, _ = people
    room = await run_room(people)

    assert await refused(admin.delete_room(room)) == (403, "only the room's owner can delete it")
    assert await refused(admin.set_role(room, str(member.user_id), "admin")) == (
        403,
        "only the room's owner can appoint or remove admins",
    )
    assert await refused(admin.transfer(room, str(admin.user_id))) == (
        403,
        "only the room's owner can hand the room to someone else",
    )
    assert await refused(admin.kick(room, str(owner.user_id))) == (403, "the room's owner cannot be removed or banned")
    assert roles(await owner.members(room))[owner.username or ""] == "owner"


async def test_an_admin_removes_members_but_not_other_admins_and_the_owner_removes_admins(
    people: list[ChatClient], new_user: ClientFactory
) -> None:
    owner, admin, member, _ = people
    room = await run_room(people)
    second_admin = await new_user()
    await second_admin.join(room)
    await owner.set_role(room, str(second_admin.user_id), "admin")

    assert await refused(admin.kick(room, str(second_admin.user_id))) == (
        403,
        "only the room's owner can remove or ban an admin",
    )
    await admin.kick(room, str(member.user_id))
    await owner.kick(room, str(second_admin.user_id))

    assert set(roles(await owner.members(room))) == {owner.username, admin.username}
    assert await refused(member.send(room, "still here?")) == (403, f"you are not a member of room '{room}'")
    assert (await member.join(room))["my_role"] == "member"  # a kick is not a ban


async def test_kick_and_ban_take_effect_on_a_second_gateway_process_within_a_second(
    people: list[ChatClient], shared_platform: Supervisor
) -> None:
    owner, _, member, _ = people
    room = await run_room(people)
    async with second_gateway(shared_platform) as other:
        elsewhere = ChatClient(other.gateway_url)
        await elsewhere.login(member.username or "", "correct horse battery")
        async with elsewhere, elsewhere.websocket() as ws:
            await next_frame(ws, "ready")
            started = time.monotonic()
            await owner.kick(room, str(member.user_id))
            left = await room_frames(ws, "left", room, timeout=1.0)
            assert time.monotonic() - started < 1.0
            await owner.send(room, "after the kick")
            after_kick = await frames_for(ws, 0.5)

            await member.join(room)
            await room_frames(ws, "joined", room)
            started = time.monotonic()
            await owner.ban(room, str(member.user_id))
            await room_frames(ws, "left", room, timeout=1.0)
            assert time.monotonic() - started < 1.0
            await owner.send(room, "after the ban")
            after_ban = await frames_for(ws, 0.5)

    assert left["room"]["room_id"] == room
    assert not [f for f in after_kick + after_ban if f["type"] == "event"], "a removed member still hears the room"
    assert await refused(member.join(room)) == (403, "you are banned from this room")
    assert await refused(owner.invite(room, member.username or "")) == (
        409,
        f"'{member.username}' is banned from this room: unban them first",
    )
    assert (await owner.bans(room))["bans"] == [{"user_id": str(member.user_id), "username": member.username}]
    await owner.ban(room, str(member.user_id), banned=False)
    assert (await owner.bans(room))["bans"] == []
    assert (await member.join(room))["my_role"] == "member"


async def test_the_other_members_see_a_kick_and_a_ban_with_who_did_it(people: list[ChatClient]) -> None:
    owner, admin, member, outsider = people
    room = await run_room(people)
    await outsider.join(room)
    async with owner.websocket() as ws:
        await next_frame(ws, "ready")
        await admin.kick(room, str(member.user_id))
        kicked = await room_frames(ws, "member", room)
        await admin.ban(room, str(outsider.user_id))
        banned = await room_frames(ws, "member", room)

    assert (kicked["op"], kicked["user_id"], kicked["by"]) == ("kicked", str(member.user_id), str(admin.user_id))
    assert (banned["op"], banned["user_id"], banned["by"]) == ("banned", str(outsider.user_id), str(admin.user_id))


async def test_a_new_role_reaches_the_member_and_the_others_live(people: list[ChatClient]) -> None:
    owner, admin, member, _ = people
    room = await run_room(people)
    async with member.websocket() as mine, admin.websocket() as theirs:
        for ws in (mine, theirs):
            await next_frame(ws, "ready")
        await owner.set_role(room, str(member.user_id), "admin")
        told, seen = await room_frames(mine, "member", room), await room_frames(theirs, "member", room)

    for frame in (told, seen):
        assert (frame["op"], frame["user_id"], frame["role"], frame["by"]) == (
            "role",
            str(member.user_id),
            "admin",
            str(owner.user_id),
        )
    assert (await member.room(room))["my_role"] == "admin"


async def test_handing_the_room_over_makes_the_old_owner_an_admin(people: list[ChatClient]) -> None:
    owner, admin, member, _ = people
    room = await run_room(people)

    handed = await owner.transfer(room, str(member.user_id))

    assert handed["my_role"] == "admin"
    assert roles(await owner.members(room)) == {
        owner.username: "admin",
        admin.username: "admin",
        member.username: "owner",
    }
    assert await refused(owner.delete_room(room)) == (403, "only the room's owner can delete it")
    assert await refused(member.call("POST", f"/v1/rooms/{room}/leave")) == (
        409,
        "the owner cannot leave the room: transfer ownership first (POST /v1/rooms/{id}/owner) or delete the room",
    )
    demoted = await member.set_role(room, str(owner.user_id), "member")
    assert demoted["role"] == "member"


async def test_a_deleted_room_tells_its_members_and_nobody_can_read_it_again(people: list[ChatClient]) -> None:
    owner, _, member, _ = people
    room = await run_room(people)
    await member.send(room, "soon gone")
    async with member.websocket() as ws:
        await next_frame(ws, "ready")
        await owner.delete_room(room)
        deleted = await room_frames(ws, "room", room)
        left = await room_frames(ws, "left", room)

    assert (deleted["event"]["op"], deleted["event"]["by"]) == ("deleted", str(owner.user_id))
    assert left["room"]["room_id"] == room
    absent = (404, f"room '{room}' does not exist")
    for person in (owner, member):
        assert await refused(person.history(room)) == absent
        assert room not in {r["room_id"] for r in await person.rooms()}
    assert await refused(owner.join(room)) == absent


async def test_bad_ids_wrong_rooms_and_malformed_bodies_get_a_sentence(
    people: list[ChatClient], new_user: ClientFactory
) -> None:
    owner, admin, member, outsider = people
    room = await run_room(people)
    dm = (await owner.dm(member.username or ""))["room_id"]

    async def answer(client: ChatClient, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        response = await client.request(method, path, **kwargs)
        return response.status_code, response.json()["detail"]

    assert await answer(owner, "PATCH", f"/v1/rooms/{room}", json={}) == (
        422,
        "give at least one of name, topic or private to change",
    )
    status, detail = await answer(owner, "PATCH", f"/v1/rooms/{room}", json={"topic": "x" * 301})
    assert (status, detail.startswith("topic:")) == (422, True)
    status, detail = await answer(owner, "PATCH", f"/v1/rooms/{room}", json={"name": "   "})
    assert (status, detail) == (422, "name: must contain something besides whitespace")
    status, _ = await answer(owner, "PATCH", f"/v1/rooms/{room}", json={"colour": "red"})
    assert status == 422
    status, detail = await answer(
        owner, "PUT", f"/v1/rooms/{room}/members/{admin.user_id}/role", json={"role": "owner"}
    )
    assert (status, detail.startswith("role:")) == (422, True)
    status, detail = await answer(owner, "PUT", f"/v1/rooms/{room}/bans/not-a-number")
    assert (status, detail.split(":")[0]) == (422, "path.user_id")
    assert await answer(owner, "DELETE", f"/v1/rooms/{room}/members/{outsider.user_id}") == (
        404,
        f"member {outsider.user_id} of room '{room}' does not exist",
    )
    assert await answer(owner, "PUT", f"/v1/rooms/{room}/bans/123") == (404, "user 123 does not exist")
    assert await answer(owner, "POST", f"/v1/rooms/{room}/members", json={"username": "nobody_here_at_all"}) == (
        404,
        "user 'nobody_here_at_all' does not exist",
    )
    assert await answer(owner, "POST", f"/v1/rooms/{room}/members", json={"username": member.username}) == (
        409,
        f"'{member.username}' is already a member of this room",
    )
    assert await answer(owner, "DELETE", f"/v1/rooms/{room}/members/{owner.user_id}") == (
        409,
        "you cannot remove yourself; to go, leave the room (POST /v1/rooms/{id}/leave)",
    )
    assert await answer(owner, "POST", f"/v1/rooms/{room}/owner", json={"user_id": str(outsider.user_id)}) == (
        404,
        f"member {outsider.user_id} of room '{room}' does not exist",
    )
    assert await answer(owner, "PATCH", f"/v1/rooms/{dm}", json={"name": "ours"}) == (
        403,
        "a direct-message room has no owner or admins: it cannot be changed",
    )
    assert await answer(outsider, "GET", f"/v1/rooms/{room}/bans") == (403, f"you are not a member of room '{room}'")
    assert await answer(member, "GET", f"/v1/rooms/{room}/bans") == (
        403,
        "only the room's owner or an admin can see who is banned",
    )
    stranger = await new_user()
    assert await answer(stranger, "DELETE", "/v1/rooms/nowhere") == (404, "room 'nowhere' does not exist")


async def test_the_cli_runs_a_room_by_usernames(
    people: list[ChatClient], shared_platform: Supervisor, tmp_path: Path
) -> None:
    owner, admin, member, outsider = people
    room = (await owner.create_room("by the command line"))["room_id"]
    await admin.join(room)
    said = (await admin.send(room, "pin me"))["message_id"]
    cli = Cli(shared_platform, tmp_path)
    assert (await cli("login", owner.username or "", "--password", PASSWORD))[0] == 0

    async def ok(*args: str) -> str:
        code, out = await cli("room", *args)
        assert code == 0, out
        return out

    assert "renamed: Agora — Say hello" in await ok("topic", room, "Say hello") + await ok("rename", room, "Agora")
    await ok("private", room)
    await ok("invite", room, member.username or "")
    await ok("promote", room, admin.username or "")
    await ok("pin", room, said)
    assert "pin me" in await ok("pins", room)
    await ok("ban", room, outsider.username or "")  # not a member: found in the user directory
    assert (outsider.username or "") in await ok("bans", room)
    await ok("unban", room, outsider.username or "")
    await ok("kick", room, member.username or "")
    code, out = await cli("room", "demote", room, member.username or "")
    assert (code, "error 404") == (1, out.split(":")[0])

    found = await admin.room(room)
    assert (found["name"], found["topic"], found["private"], found["my_role"]) == ("Agora", "Say hello", True, "admin")
    assert roles(await admin.members(room)) == {owner.username: "owner", admin.username: "admin"}
    assert (await owner.bans(room))["bans"] == []

    await ok("transfer", room, admin.username or "")
    assert roles(await admin.members(room))[admin.username or ""] == "owner"
