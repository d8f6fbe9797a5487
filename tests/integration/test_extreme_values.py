"""Extreme but schema-valid times and ids (year 1, year 9999, the largest id) get an answer, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from chatcluster.client import ChatClient
from tests.conftest import ClientFactory

ROOM = "{room}"
LARGEST_ID = str(2**63 - 1)


@pytest.fixture
async def alice(new_user: ClientFactory) -> ChatClient:
    return await new_user()


CASES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    # (case, method, path, request kwargs, status, words the answer must contain)
    ("sentiment up to year 1", "GET", "/v1/stats/sentiment?to=0001-01-01T00:00:00Z", {}, 200, "points"),
    (
        "sentiment from year 1 to year 9999",
        "GET",
        "/v1/stats/sentiment?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999999Z&step=day",
        {},
        400,
        "too many points",
    ),
    (
        "sentiment at the edges of time zones",
        "GET",
        "/v1/stats/sentiment?from=0001-01-01T00:00:00%2B14:00&to=9999-12-31T23:59:59-14:00",
        {},
        400,
        "too many points",
    ),
    ("counts over every date", "GET", "/v1/stats/messages?from=0001-01-01&to=9999-12-31", {}, 200, "rows"),
    ("history before the largest id", "GET", f"/v1/rooms/{ROOM}/messages?before={LARGEST_ID}", {}, 200, "messages"),
    ("history after the largest id", "GET", f"/v1/rooms/{ROOM}/messages?after={LARGEST_ID}", {}, 200, "messages"),
    ("history after id 0", "GET", f"/v1/rooms/{ROOM}/messages?after=0", {}, 200, "messages"),
    ("the largest message id", "GET", f"/v1/rooms/{ROOM}/messages/{LARGEST_ID}", {}, 404, "does not exist"),
    (
        "sent in year 9999",
        "POST",
        f"/v1/rooms/{ROOM}/messages",
        {"json": {"text": "from the future", "sent_at": "9999-12-31T23:59:59Z"}},
        422,
        "sent_at must lie between",
    ),
    (
        "sent in year 1",
        "POST",
        f"/v1/rooms/{ROOM}/messages",
        {"json": {"text": "from the past", "sent_at": "0001-01-01T00:00:00Z"}},
        422,
        "sent_at must lie between",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
async def test_an_extreme_time_or_id_is_answered_without_a_server_error(
    alice: ChatClient, method: str, path: str, kwargs: dict[str, Any], status: int, words: str
) -> None:
    if ROOM in path:
        path = path.replace(ROOM, (await alice.create_room("extremes"))["room_id"])
    response = await alice.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert words in response.text, response.text
