"""The live frames the hub builds from what arrives on the bus, decided without a NATS server."""

from __future__ import annotations

import json

from chatcluster.gateway.hub import user_frame


def test_a_frame_published_for_a_user_is_forwarded_exactly_as_it_came() -> None:
    payload = json.dumps({"type": "notification", "notification": {"kind": "mention", "room_id": "1"}}).encode()

    item = user_frame(payload)

    assert item is not None
    assert item.frame == payload.decode()
    assert item.event_id is None


def test_a_user_frame_that_is_not_a_json_object_with_a_type_is_refused() -> None:
    for payload in (b"not json", b"[]", b'"notification"', b'{"kind": "mention"}', b'{"type": 3}', b"\xff\xfe"):
        assert user_frame(payload) is None, payload
