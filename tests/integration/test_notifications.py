"""Mentions, the notification feed and notification settings, against a real platform (the notifier included)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chatcluster.client import ApiProblem, ChatClient
from tests.conftest import ClientFactory
from tests.helpers import eventually, frames_for, next_frame


async def feed(client: ChatClient, **params: Any) -> dict[str, Any]:
    page: dict[str, Any] = await client.call("GET", "/v1/notifications", params=params)
    return page


async def feed_of(client: ChatClient, count: int) -> dict[str, Any]:
    """The feed once it holds `count` notifications (the notifier writes it moments after a send)."""

    async def enough() -> dict[str, Any] | None:
        page = await feed(client)
        return page if len(page["notifications"]) >= count else None

    return await eventually(enough)


async def settle() -> None:
    """Time for a wrongly made notification to land: the notifier writes within milliseconds."""
    await asyncio.sleep(1.5)


async def room_of(owner: ChatClient, *members: ChatClient) -> str:
    room = await owner.create_room("notify")
    for member in members:
        await member.join(room["room_id"])
    return str(room["room_id"])


async def test_a_mention_gives_the_member_one_notification_and_a_live_frame(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)

    async with bob.websocket() as ws:
        await next_frame(ws, "ready")
        sent = await alice.send(room_id, f"lunch, @{bob.username}?")
        frame = await next_frame(ws, "notification")

    page = await feed_of(bob, 1)
    (item,) = page["notifications"]
    assert {key: frame["notification"][key] for key in item} == item  # the frame carries what the feed lists
    assert (item["kind"], item["message_id"], item["room_id"], item["author"]) == (
        "mention",
        sent["message_id"],
        room_id,
        alice.username,
    )
    assert item["preview"] == f"lunch, @{bob.username}?"
    assert item["read"] is False and page["unread"] == 1
    assert frame["notification"]["notification_id"] == sent["message_id"]
    stored = await alice.call("GET", f"/v1/rooms/{room_id}/messages/{sent['message_id']}")
    assert stored["mentions"] == [str(bob.user_id)]
    await settle()
    assert len((await feed(bob))["notifications"]) == 1
    assert (await feed(alice))["notifications"] == []


async def test_a_name_that_is_no_members_stays_plain_text_and_notifies_nobody(new_user: ClientFactory) -> None:
    alice, bob, outsider = await new_user(), await new_user(), await new_user()
    room_id = await room_of(alice, bob)

    sent = await alice.send(room_id, f"ask @{outsider.username} or @nobody_here, or mail bob@{bob.username}.org")

    stored = await eventually(lambda: alice.call("GET", f"/v1/rooms/{room_id}/messages/{sent['message_id']}"))
    assert stored["mentions"] == []
    await settle()
    assert (await feed(outsider))["notifications"] == []
    assert (await feed(bob))["notifications"] == []


async def test_a_mention_ending_a_sentence_and_in_any_case_still_names_the_member(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)

    sent = await alice.send(room_id, f"thanks @{str(bob.username).upper()}.")

    stored = await eventually(lambda: alice.call("GET", f"/v1/rooms/{room_id}/messages/{sent['message_id']}"))
    assert stored["mentions"] == [str(bob.user_id)]


async def test_a_direct_message_and_a_reply_notify_the_other_person_not_the_author(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    dm = await alice.dm(bob.username)
    direct = await alice.send(dm["room_id"], "psst")
    room_id = await room_of(bob, alice)
    parent = await bob.send(room_id, "who wants cake?")
    reply = await alice.send(room_id, "me!", reply_to=parent["message_id"])

    page = await feed_of(bob, 2)

    assert [(n["kind"], n["message_id"]) for n in page["notifications"]] == [
        ("reply", reply["message_id"]),
        ("direct", direct["message_id"]),
    ]
    await settle()
    assert (await feed(alice))["notifications"] == []


async def test_a_muted_room_notifies_nothing(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    muted, other = await room_of(alice, bob), await room_of(alice, bob)
    await bob.call("PUT", "/v1/settings", json={"muted_rooms": [muted]})

    await alice.send(muted, f"@{bob.username} hello (muted)")
    loud = await alice.send(other, f"@{bob.username} hello")

    page = await feed_of(bob, 1)
    await settle()
    assert [n["message_id"] for n in (await feed(bob))["notifications"]] == [loud["message_id"]]
    assert page["unread"] == 1


async def test_notifications_are_marked_read_one_at_a_time_or_all_at_once(new_user: ClientFactory) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room_id = await room_of(alice, bob, carol)
    sent = [await alice.send(room_id, f"@{bob.username} number {n}") for n in range(3)]
    await alice.send(room_id, f"@{carol.username} yours")
    await feed_of(bob, 3)

    after_one = await bob.call("POST", "/v1/notifications/read", json={"ids": [sent[1]["message_id"]]})

    assert after_one == {"unread": 2}
    assert {n["message_id"]: n["read"] for n in (await feed(bob))["notifications"]} == {
        sent[0]["message_id"]: False,
        sent[1]["message_id"]: True,
        sent[2]["message_id"]: False,
    }
    carols = (await feed_of(carol, 1))["notifications"]
    assert await bob.call("POST", "/v1/notifications/read", json={"ids": [carols[0]["notification_id"]]}) == {
        "unread": 2
    }
    assert await bob.call("POST", "/v1/notifications/read", json={"all": True}) == {"unread": 0}
    assert all(n["read"] for n in (await feed(bob))["notifications"])
    assert (await feed(carol))["unread"] == 1


async def test_the_feed_pages_back_with_before(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)
    sent = [await alice.send(room_id, f"@{bob.username} {n}") for n in range(5)]
    await feed_of(bob, 5)

    first = await feed(bob, limit=3)
    rest = await feed(bob, limit=3, before=first["notifications"][-1]["notification_id"])

    newest_first = [s["message_id"] for s in reversed(sent)]
    assert [n["notification_id"] for n in first["notifications"] + rest["notifications"]] == newest_first


async def test_a_deleted_message_leaves_its_notification_blank(new_user: ClientFactory) -> None:
    alice, bob = await new_user(), await new_user()
    room_id = await room_of(alice, bob)
    sent = await alice.send(room_id, f"@{bob.username} a secret")
    await feed_of(bob, 1)

    await alice.call("DELETE", f"/v1/rooms/{room_id}/messages/{sent['message_id']}")

    async def blanked() -> bool:
        return (await feed(bob))["notifications"][0]["preview"] == ""

    await eventually(blanked)


async def test_settings_are_saved_whole_and_read_back(new_user: ClientFactory) -> None:
    bob = await new_user()
    assert await bob.call("GET", "/v1/settings") == {
        "email": None,
        "email_digest": True,
        "digest_after_minutes": 15,
        "muted_rooms": [],
    }
    wanted = {"email": "bob@example.com", "email_digest": False, "digest_after_minutes": 60, "muted_rooms": ["abc"]}

    assert await bob.call("PUT", "/v1/settings", json=wanted) == wanted
    assert await bob.call("GET", "/v1/settings") == wanted
    assert await bob.call("PUT", "/v1/settings", json={"muted_rooms": ["abc", "abc"]}) == {
        "email": None,
        "email_digest": True,
        "digest_after_minutes": 15,
        "muted_rooms": ["abc"],
    }


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"digest_after_minutes": 4}, "digest_after_minutes"),
        ({"digest_after_minutes": 1441}, "digest_after_minutes"),
        ({"digest_after_minutes": "soon"}, "digest_after_minutes"),
        ({"email": "not an address"}, "email"),
        ({"email_digest": "maybe"}, "email_digest"),
        ({"muted_rooms": ["Not A Room!"]}, "muted_rooms"),
        ({"muted_rooms": [f"r{n}" for n in range(1001)]}, "muted_rooms"),
        ({"colour": "blue"}, "colour"),
    ],
    ids=["too-short", "too-long", "not-a-number", "bad-email", "not-a-bool", "bad-room", "too-many-rooms", "unknown"],
)
async def test_bad_settings_are_refused_with_a_sentence_and_nothing_is_saved(
    new_user: ClientFactory, body: dict[str, Any], named: str
) -> None:
    bob = await new_user()

    with pytest.raises(ApiProblem) as refused:
        await bob.call("PUT", "/v1/settings", json=body)

    assert refused.value.status == 422
    assert named in refused.value.detail
    assert (await bob.call("GET", "/v1/settings"))["digest_after_minutes"] == 15


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": [], "all": False}, {"ids": ["1"], "all": True}, {"all": False}, {"ids": ["x"]}],
    ids=["empty", "no-ids", "both", "all-false", "bad-id"],
)
async def test_marking_read_needs_either_ids_or_all(new_user: ClientFactory, body: dict[str, Any]) -> None:
    bob = await new_user()

    with pytest.raises(ApiProblem) as refused:
        await bob.call("POST", "/v1/notifications/read", json=body)

    assert refused.value.status == 422
    assert refused.value.detail


async def test_the_feed_wants_a_signed_in_user(new_user: ClientFactory) -> None:
    bob = await new_user()
    anonymous = ChatClient(bob.base_url)
    try:
        with pytest.raises(ApiProblem) as refused:
            await anonymous.call("GET", "/v1/notifications")
        assert refused.value.status == 401
    finally:
        await anonymous.aclose()


async def test_a_socket_of_someone_else_gets_no_notification_frame(new_user: ClientFactory) -> None:
    alice, bob, carol = await new_user(), await new_user(), await new_user()
    room_id = await room_of(alice, bob, carol)

    async with carol.websocket() as ws:
        await next_frame(ws, "ready")
        await alice.send(room_id, f"@{bob.username} only you")
        seen = await frames_for(ws, 1.5)

    assert [f for f in seen if f["type"] == "notification"] == []
