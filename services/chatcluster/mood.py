"""A room's mood: its sentiment over the last 5 minutes and a 30-minute series at 1-minute steps.

Pure: it reads only the per-minute sentiment aggregates (``Stats.stats_sentiment`` with a
one-minute step; no history scan) and decides, per room, when an update is worth pushing.

The mean is (positive - negative) / messages, as on the stats API. A minute without a scored
message has no mean (``None``), which a sparkline draws as a gap rather than as "neutral".

``MoodThrottle`` is the rule for live updates: a room's mood is published when it differs from
the last one published for that room, and never twice within ``interval_ms``; a change that
arrives inside the interval is held and published by ``flush`` once the interval has passed,
so the last state always goes out and nothing is sent while nothing changes.

``read_mood`` is the one read at the edge (a bounded query of at most 30 rows), shared by the
aggregator, which publishes updates, and the rooms API, which answers the current mood.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from chatcluster.counting import SentimentStep
from chatcluster.models import RoomMoodEvent
from chatcluster.privacy import Audience
from chatcluster.store.base import Stats
from chatcluster.times import utc_datetime

MINUTE_MS = 60_000
WINDOW_MINUTES = 5
SERIES_MINUTES = 30
DEFAULT_INTERVAL_MS = 3_000


@dataclass(frozen=True)
class RoomMood:
    """What a room header shows: the last 5 minutes' counts and mean, and 30 one-minute means."""

    room_id: str
    minute_ms: int  # start of the current minute: the series' last point
    positive: int
    neutral: int
    negative: int
    mean: float
    series: tuple[float | None, ...]  # oldest first, SERIES_MINUTES points

    @property
    def messages(self) -> int:
        return self.positive + self.neutral + self.negative

    def same_values(self, other: RoomMood) -> bool:
        """Whether a reader would see no difference (the minute it was computed in aside)."""
        return (self.positive, self.neutral, self.negative, self.series) == (
            other.positive,
            other.neutral,
            other.negative,
            other.series,
        )


def series_range(now_ms: int) -> tuple[int, int]:
    """The ``[from_ms, to_ms)`` of the 30 one-minute steps ending with the current minute."""
    current = now_ms - now_ms % MINUTE_MS
    return current - (SERIES_MINUTES - 1) * MINUTE_MS, current + MINUTE_MS


def room_mood(room_id: str, steps: Sequence[SentimentStep], now_ms: int) -> RoomMood:
    """The mood at ``now_ms`` from one-minute steps (any order; steps outside the range are ignored)."""
    start, end = series_range(now_ms)
    by_minute: dict[int, SentimentStep] = {}
    for step in steps:
        minute = int(step.start.timestamp() * 1000)
        if start <= minute < end:
            by_minute[minute] = step
    series: list[float | None] = []
    positive = neutral = negative = 0
    for index in range(SERIES_MINUTES):
        minute = start + index * MINUTE_MS
        found = by_minute.get(minute)
        if found is None:
            series.append(None)
            continue
        total = found.positive + found.neutral + found.negative
        series.append(round((found.positive - found.negative) / total, 6) if total else None)
        if index >= SERIES_MINUTES - WINDOW_MINUTES:
            positive, neutral, negative = positive + found.positive, neutral + found.neutral, negative + found.negative
    total = positive + neutral + negative
    return RoomMood(
        room_id=room_id,
        minute_ms=end - MINUTE_MS,
        positive=positive,
        neutral=neutral,
        negative=negative,
        mean=round((positive - negative) / total, 6) if total else 0.0,
        series=tuple(series),
    )


def mood_event(mood: RoomMood) -> RoomMoodEvent:
    """The versioned event (and, with its type, the WebSocket frame) of a mood."""
    return RoomMoodEvent(
        room_id=mood.room_id,
        minute=utc_datetime(mood.minute_ms),
        positive=mood.positive,
        neutral=mood.neutral,
        negative=mood.negative,
        mean=mood.mean,
        series=mood.series,
    )


async def read_mood(store: Stats, room_id: str, now_ms: int) -> RoomMood:
    """The room's mood now, from its per-minute aggregates (private or not: the caller checked who asks)."""
    start, end = series_range(now_ms)
    steps = await store.stats_sentiment(
        room_id=room_id, from_ms=start, to_ms=end, step_ms=MINUTE_MS, audience=Audience.ALL
    )
    return room_mood(room_id, steps, now_ms)


async def current_mood(store: Stats, room_id: str) -> RoomMoodEvent:
    """The room's mood now, as the live `mood` frame would carry it (for the rooms API)."""
    return mood_event(await read_mood(store, room_id, time.time_ns() // 1_000_000))


@dataclass
class MoodThrottle:
    """Per room: publish on change, at most once per ``interval_ms``, the last change never lost."""

    interval_ms: int = DEFAULT_INTERVAL_MS
    _published: dict[str, tuple[int, RoomMood]] = field(default_factory=dict)
    _held: dict[str, RoomMood] = field(default_factory=dict)

    def offer(self, mood: RoomMood, now_ms: int) -> bool:
        """True when ``mood`` should be published now (and it is recorded as published)."""
        last = self._published.get(mood.room_id)
        if last is not None and last[1].same_values(mood):
            self._held.pop(mood.room_id, None)
            return False
        if last is not None and now_ms - last[0] < self.interval_ms:
            self._held[mood.room_id] = mood
            return False
        self._published[mood.room_id] = (now_ms, mood)
        self._held.pop(mood.room_id, None)
        return True

    def flush(self, now_ms: int) -> list[RoomMood]:
        """The held changes whose room's interval has passed, now recorded as published."""
        due = [mood for room_id, mood in self._held.items() if now_ms - self._published[room_id][0] >= self.interval_ms]
        for mood in due:
            self._published[mood.room_id] = (now_ms, mood)
            del self._held[mood.room_id]
        return due
