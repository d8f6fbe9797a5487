"""The live frames the hub builds from what arrives on the bus, decided without a NATS server."""

from __future__ import annotations

import json

from chatcluster.gateway.hub import (
    member_notice,
    pin_notice,
    reaction_notice,
    relay_of,
    settings_notice,
    typing_notice,
    typing_payload,
    user_frame,
)
from chatcluster.gateway.replay import replay_frame, replay_subjects
from chatcluster.ids import id_datetime
from chatcluster.models import (
    MembershipEvent,
    MembershipOp,
    PinEvent,
    ReactionEvent,
    ReactionOp,
    Room,
    RoomEvent,
    RoomKind,
    RoomOp,
    RoomRole,
    message_subject,
    pin_subject,
    reaction_subject,
    read_subject,
    room_subject,
    settings_subject,
)


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
        "role": None,
        "by": None,
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


def _reaction(room_id: str = "lunch", user_id: int = 7) -> bytes:
    event = ReactionEvent(
        event_id=222, op=ReactionOp.ADDED, room_id=room_id, message_id=5, user_id=user_id, username="bob", emoji="👍"
    )
    return event.model_dump_json().encode()


def _pin() -> bytes:
    return PinEvent(event_id=333, room_id="lunch", message_id=5, pinned=True, by=9).model_dump_json().encode()


def _settings() -> bytes:
    room = Room(room_id="lunch", kind=RoomKind.GROUP, name="Lunch", created_by=9, created_at=id_datetime(1 << 30))
    return RoomEvent(event_id=444, op=RoomOp.UPDATED, room=room, by=9).model_dump_json().encode()


def test_a_membership_event_frame_carries_the_role_after_it_and_who_did_it() -> None:
    event = MembershipEvent(
        event_id=5, room_id="lunch", user_id=7, username="bob", op=MembershipOp.ROLE, role=RoomRole.ADMIN, by=9
    )

    notice = member_notice(event.model_dump_json().encode())

    assert notice is not None
    assert {k: v for k, v in json.loads(notice.frame.frame).items() if k in {"op", "role", "by"}} == {
        "op": "role",
        "role": "admin",
        "by": "9",
    }


def test_reaction_pin_and_room_events_become_frames_carrying_the_event_as_published_with_its_id() -> None:
    for payload, notice_of, frame_type, event_id, user_id in (
        (_reaction(), reaction_notice, "reaction", 222, 7),
        (_pin(), pin_notice, "pin", 333, 9),
        (_settings(), settings_notice, "room", 444, 9),
    ):
        notice = notice_of(payload)

        assert notice is not None
        assert (notice.room_id, notice.user_id, notice.frame.event_id) == ("lunch", user_id, event_id)
        assert json.loads(notice.frame.frame) == {"type": frame_type, "event": json.loads(payload)}


def test_a_malformed_reaction_pin_or_room_event_gives_no_frame() -> None:
    for notice_of, payload in (
        (reaction_notice, b"nope"),
        (reaction_notice, _reaction().replace(b'"added"', b'"exploded"')),
        (pin_notice, _reaction()),
        (settings_notice, _pin()),
        (settings_notice, b"\xff"),
    ):
        assert notice_of(payload) is None, payload


def test_an_event_published_on_another_rooms_subject_is_not_relayed() -> None:
    relay = relay_of(reaction_subject("lunch"))

    assert relay is not None
    assert relay.relayed(reaction_subject("lunch"), _reaction()) is not None
    assert relay.relayed(reaction_subject("dinner"), _reaction()) is None


def test_each_room_subject_the_hub_relays_is_replayed_except_typing() -> None:
    assert set(replay_subjects("lunch")) == {
        message_subject("lunch"),
        room_subject("lunch"),
        read_subject("lunch"),
        reaction_subject("lunch"),
        pin_subject("lunch"),
        settings_subject("lunch"),
    }


def test_a_replay_gives_the_readers_own_reactions_too_unlike_their_own_joins() -> None:
    own = replay_frame(reaction_subject("lunch"), _reaction(user_id=7), user_id=7)
    pin = replay_frame(pin_subject("lunch"), _pin(), user_id=7)
    room = replay_frame(settings_subject("lunch"), _settings(), user_id=9)

    assert own is not None and json.loads(own.frame)["type"] == "reaction"
    assert pin is not None and json.loads(pin.frame)["type"] == "pin"
    assert room is not None and json.loads(room.frame)["type"] == "room"
    assert replay_frame(reaction_subject("lunch"), b"{}", user_id=7) is None
