"""The live frames the hub builds from what arrives on the bus, decided without a NATS server."""

from __future__ import annotations

import json

from chatcluster.gateway.hub import member_notice, typing_notice, typing_payload, user_frame
from chatcluster.gateway.replay import replay_frame
from chatcluster.models import MembershipEvent, MembershipOp, message_subject, room_subject


def test_a_frame_published_for_a_user_is_forwarded_exactly_as_it_came() -> None:
    payload = json.dumps({"type": "notification", "notification": {"kind": "mention", "room_id": "1"}}).encode()

    item = user_frame(payload)

    assert item is not None
    assert item.frame == payload.decode()
    assert item.event_id is None


def test_a_user_frame_that_is_not_a_json_object_with_a_type_is_refused() -> None:
    for payload in (b"not json", b"[]", b'"notification"', b'{"kind": "mention"}', b'{"type": 3}', b"\xff\xfe"):
        assert user_frame(payload) is None, payload


def _membership(op: str = "joined", user_id: int = 7) -> bytes:
    event = MembershipEvent(event_id=123456789, room_id="lunch", user_id=user_id, username="bob", op=MembershipOp(op))
    return event.model_dump_json().encode()


def test_a_membership_event_becomes_a_member_frame_for_the_rooms_other_members() -> None:
    notice = member_notice(_membership("left"))

    assert notice is not None
    assert (notice.room_id, notice.user_id, notice.frame.event_id) == ("lunch", 7, 123456789)
    assert json.loads(notice.frame.frame) == {
        "type": "member",
        "op": "left",
        "room_id": "lunch",
        "user_id": "7",
        "username": "bob",
        "event_id": "123456789",
    }


def test_a_malformed_membership_event_gives_no_frame() -> None:
    for payload in (b"nope", b"{}", _membership().replace(b'"joined"', b'"vanished"')):
        assert member_notice(payload) is None, payload


def test_a_typing_notice_becomes_a_typing_frame_naming_the_typist() -> None:
    notice = typing_notice(typing_payload("lunch", 7, "bob"))

    assert notice is not None
    assert (notice.room_id, notice.user_id) == ("lunch", 7)
    assert json.loads(notice.frame.frame) == {"type": "typing", "room_id": "lunch", "user_id": "7", "username": "bob"}


def test_a_malformed_typing_notice_gives_no_frame() -> None:
    for found in ({}, {"room_id": "lunch", "user_id": 7, "username": "bob"}, {"room_id": 1, "user_id": "7"}):
        assert typing_notice(json.dumps(found).encode()) is None, found
    assert typing_notice(b"\xff") is None


def test_a_replay_gives_messages_as_events_and_others_joins_but_not_the_readers_own() -> None:
    message = replay_frame(message_subject("lunch"), b'{"event_id": "5", "kind": "created"}', user_id=7)
    others = replay_frame(room_subject("lunch"), _membership(user_id=8), user_id=7)
    own = replay_frame(room_subject("lunch"), _membership(user_id=7), user_id=7)

    assert message is not None and json.loads(message.frame)["type"] == "event"
    assert others is not None and json.loads(others.frame)["type"] == "member"
    assert own is None
