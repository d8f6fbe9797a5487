"""What a membership notice does to a user's sockets, decided without a NATS server.

tests/integration/test_live_chat.py proves the hub carries it out across real gateways.
"""

from __future__ import annotations

import json

from chatcluster.gateway.hub import Connection, RoomChange, membership_updates, parse_membership
from chatcluster.models import membership_subject

ROOM = {"room_id": "1234", "kind": "group", "name": "lunch", "created_by": "42", "created_at": "2025-04-11T12:00:00Z"}


def _notice(op: str, room: object = ROOM) -> bytes:
    return json.dumps({"op": op, "room": room}).encode()


def _socket(*rooms: str) -> Connection:
    return Connection(42, max_frames=10, max_bytes=1 << 20, rooms=set(rooms))


def test_a_join_notice_names_the_user_the_room_and_tells_the_sockets_joined_with_the_room_as_announced() -> None:
    notice = parse_membership(membership_subject(42), _notice("join"))

    assert notice is not None
    assert (notice.user_id, notice.room_id, notice.joined) == (42, "1234", True)
    assert json.loads(notice.frame.frame) == {"type": "joined", "room": ROOM}


def test_a_leave_notice_tells_the_sockets_left() -> None:
    notice = parse_membership(membership_subject(7), _notice("leave"))

    assert notice is not None
    assert (notice.user_id, notice.joined) == (7, False)
    assert json.loads(notice.frame.frame) == {"type": "left", "room": ROOM}


def test_a_malformed_notice_is_ignored() -> None:
    for payload in (
        b"not json",
        b"[]",
        json.dumps({"op": "join"}).encode(),
        json.dumps({"room": ROOM}).encode(),
        _notice("join", room={"name": "no id"}),
        _notice("join", room="1234"),
    ):
        assert parse_membership(membership_subject(42), payload) is None, payload


def test_a_numeric_room_id_in_a_notice_is_read_as_the_room_id_string() -> None:
    notice = parse_membership(membership_subject(42), _notice("join", room={**ROOM, "room_id": 1234}))

    assert notice is not None and notice.room_id == "1234"


def test_on_a_join_only_the_sockets_not_yet_in_the_room_join_and_every_socket_is_told() -> None:
    notice = parse_membership(membership_subject(42), _notice("join"))
    assert notice is not None
    fresh, already, elsewhere = _socket(), _socket("1234"), _socket("999")

    updates = membership_updates(notice, [fresh, already, elsewhere])

    assert updates == [(fresh, RoomChange.JOIN), (already, None), (elsewhere, RoomChange.JOIN)]


def test_on_a_leave_only_the_sockets_in_the_room_leave_and_every_socket_is_told() -> None:
    notice = parse_membership(membership_subject(42), _notice("leave"))
    assert notice is not None
    inside, outside = _socket("1234", "999"), _socket("999")

    assert membership_updates(notice, [inside, outside]) == [(inside, RoomChange.LEAVE), (outside, None)]


def test_a_user_without_sockets_here_changes_nothing() -> None:
    notice = parse_membership(membership_subject(42), _notice("join"))
    assert notice is not None

    assert membership_updates(notice, []) == []
