"""A room's mood, live: the aggregator's throttled `mood` frames reach the room's members, and the rooms API
answers the same figures, against the shared platform (real nats-server, gateway, scorer, aggregator)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from chatcluster.client import ApiProblem, ChatClient
from chatcluster.mood import MINUTE_MS, SERIES_MINUTES
from tests.conftest import ClientFactory
from tests.helpers import eventually, next_frame

INTERVAL = 3.0  # CHATCLUSTER_MOOD_INTERVAL_SECONDS's default, which the shared platform runs with
JITTER = 0.25  # the frames' way from the aggregator to the socket; the throttle itself is exact

POSITIVE = ["I love this, it is wonderful!", "Great job everyone, amazing work", "This is awesome, thank you so much!"]
NEGATIVE = [
    "This is terrible, I hate it",
    "Awful, horrible experience, worst ever",
    "I am so angry and disgusted",
    "What a disaster, this is pathetic",
]


class Moods:
    """Every `mood` frame a socket receives, with when it arrived."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, dict[str, Any]]] = []

    async def collect(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for data in ws:
                frame = json.loads(data)
                if frame["type"] == "mood":
                    self.frames.append((time.monotonic(), frame))

    def last(self) -> dict[str, Any] | None:
        return self.frames[-1][1] if self.frames else None


@contextlib.asynccontextmanager
async def listening(client: ChatClient) -> AsyncIterator[Moods]:
    moods = Moods()
    async with client.websocket() as ws:
        await next_frame(ws, "ready")
        task = asyncio.create_task(moods.collect(ws))
        try:
            yield moods
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def labels_when_scored(client: ChatClient, room_id: str, count: int) -> Counter[int]:
    """Each message's sentiment label once all `count` are scored, by label."""

    async def scored() -> list[int] | None:
        found = [m["sentiment"] for m in (await client.history(room_id, limit=50))["messages"]]
        return [s["label"] for s in found if s] if len(found) == count and all(found) else None

    return Counter(await eventually(scored, timeout=30))


async def settles_on(moods: Moods, wanted: tuple[int, int, int], timeout: float = 20) -> dict[str, Any]:
    """The last mood frame once its counts are `wanted`."""

    async def seen() -> dict[str, Any]:
        last = moods.last()
        return last if last is not None and counts(last) == wanted else {}

    return await eventually(seen, timeout=timeout)


def counts(frame: dict[str, Any]) -> tuple[int, int, int]:
    return frame["positive"], frame["neutral"], frame["negative"]


def expected(labels: Counter[int]) -> tuple[int, int, int]:
    return labels[1], labels[0], labels[-1]


async def test_a_members_mood_frames_follow_the_rooms_sentiment_never_faster_than_the_interval(
    new_user: ClientFactory,
) -> None:
    owner, member, outsider = await new_user(), await new_user(), await new_user()
    room = await owner.create_room("mood")
    room_id = room["room_id"]
    await owner.update_room(room_id, private=True)
    await owner.invite(room_id, (await member.me())["username"])
    now = datetime.now(UTC)
    earlier = (now - timedelta(minutes=2)).replace(second=30, microsecond=0)  # the test clock: a known minute

    async with listening(member) as moods, listening(outsider) as strangers:
        for text in POSITIVE:
            await owner.send(room_id, text, sent_at=earlier.isoformat())
        first = await labels_when_scored(owner, room_id, len(POSITIVE))
        assert first[1] > first[-1], first  # the model reads these as positive
        positive = await settles_on(moods, expected(first))
        assert positive["mean"] > 0
        # The minute the test clock put them in holds their mean, wherever the series has moved to since.
        index = SERIES_MINUTES - 1 - (_ms(positive["minute"]) - _ms(earlier) // MINUTE_MS * MINUTE_MS) // MINUTE_MS
        assert positive["series"][index] == round((first[1] - first[-1]) / len(POSITIVE), 6)

        for text in NEGATIVE:
            await owner.send(room_id, text)
        both = await labels_when_scored(owner, room_id, len(POSITIVE) + len(NEGATIVE))
        assert both[-1] > both[1], both
        negative = await settles_on(moods, expected(both))
        assert negative["mean"] < 0 < positive["mean"]
        assert negative["mean"] == round((both[1] - both[-1]) / sum(both.values()), 6)

        await asyncio.sleep(INTERVAL + 1)  # nothing changes any more: nothing is sent
        arrivals = [at for at, _ in moods.frames]
        assert arrivals[-1] < time.monotonic() - INTERVAL
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        assert all(gap >= INTERVAL - JITTER for gap in gaps), gaps
        assert strangers.frames == []

    answered = (await member.room(room_id))["mood"]
    assert (counts(answered), answered["mean"]) == (counts(negative), negative["mean"])
    listed = next(r for r in await member.rooms() if r["room_id"] == room_id)["mood"]
    assert counts(listed) == counts(negative)
    with pytest.raises(ApiProblem) as refused:
        await outsider.room(room_id)
    assert refused.value.status == 404


def _ms(moment: str | datetime) -> int:
    found = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return int(found.timestamp() * 1000)
