"""Texts and room names people read must hold something visible and no NUL: 422 with a sentence otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from chatcluster.client import ChatClient
from tests.conftest import ClientFactory

ROOM = "{room}"
MESSAGE = "{message}"


@pytest.fixture
async def alice(new_user: ClientFactory) -> ChatClient:
    return await new_user()


CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    # (case, method, path, JSON body, words the sentence must contain)
    ("NUL in a message", "POST", f"/v1/rooms/{ROOM}/messages", {"text": "hi\x00there"}, "NUL"),
    ("blank message", "POST", f"/v1/rooms/{ROOM}/messages", {"text": " \t\n "}, "besides whitespace"),
    ("NUL in an edit", "PATCH", f"/v1/rooms/{ROOM}/messages/{MESSAGE}", {"text": "\x00"}, "NUL"),
    ("blank edit", "PATCH", f"/v1/rooms/{ROOM}/messages/{MESSAGE}", {"text": "\u3000\u00a0"}, "besides whitespace"),
    ("NUL in a room name", "POST", "/v1/rooms", {"name": "lobby\x00"}, "NUL"),
    ("blank room name", "POST", "/v1/rooms", {"name": "   "}, "besides whitespace"),
]


@pytest.mark.parametrize(("method", "path", "body", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
async def test_a_nul_or_blank_text_is_refused_with_422(
    alice: ChatClient, method: str, path: str, body: dict[str, Any], words: str
) -> None:
    room_id = (await alice.create_room("texts"))["room_id"]
    message_id = (await alice.send(room_id, "the original"))["message_id"]
    path = path.replace(ROOM, room_id).replace(MESSAGE, message_id)
    response = await alice.request(method, path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert words in detail and ("text" in detail or "name" in detail), detail


async def test_a_room_name_is_stored_without_surrounding_whitespace(alice: ChatClient) -> None:
    room = await alice.create_room("  lobby  ")
    assert room["name"] == "lobby"
