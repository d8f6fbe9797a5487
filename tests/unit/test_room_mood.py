"""A room's mood from per-minute sentiment aggregates, and the throttle on its live updates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chatcluster.counting import SentimentStep, sentiment_row
from chatcluster.gateway.hub import mood_notice, relay_of
from chatcluster.gateway.replay import replay_subjects
from chatcluster.models import mood_subject
from chatcluster.mood import MINUTE_MS, SERIES_MINUTES, MoodThrottle, RoomMood, mood_event, room_mood, series_range

NOW = int(datetime(2026, 12, 5, 12, 30, 20, tzinfo=UTC).timestamp() * 1000)
CURRENT = NOW - NOW % MINUTE_MS


def minute(ago: int, positive: int = 0, neutral: int = 0, negative: int = 0) -> SentimentStep:
    return sentiment_row(CURRENT - ago * MINUTE_MS, positive, neutral, negative)


def test_the_mood_counts_the_last_five_minutes_and_its_mean_is_positive_minus_negative_over_all() -> None:
    steps = [minute(0, positive=2), minute(4, negative=1, neutral=1), minute(5, negative=9)]
    mood = room_mood("r", steps, NOW)
    assert (mood.positive, mood.neutral, mood.negative) == (2, 1, 1)
    assert mood.mean == 0.25
    assert mood.minute_ms == CURRENT


def test_the_series_has_thirty_minutes_oldest_first_with_gaps_where_nothing_was_scored() -> None:
    steps = [minute(0, positive=1, negative=1, neutral=2), minute(29, negative=2), minute(30, positive=5)]
    mood = room_mood("r", steps, NOW)
    assert len(mood.series) == SERIES_MINUTES
    assert mood.series[0] == -1.0 and mood.series[-1] == 0.0
    assert mood.series[1:-1] == (None,) * (SERIES_MINUTES - 2)
    assert series_range(NOW) == (CURRENT - 29 * MINUTE_MS, CURRENT + MINUTE_MS)


def test_a_quiet_room_has_a_neutral_mean_and_an_empty_series() -> None:
    mood = room_mood("r", [], NOW)
    assert (mood.messages, mood.mean, set(mood.series)) == (0, 0.0, {None})


def mood_of(negative: int) -> RoomMood:
    return room_mood("r", [minute(0, negative=negative, neutral=1)], NOW)


def test_updates_are_published_on_change_and_never_twice_within_the_interval() -> None:
    throttle = MoodThrottle(interval_ms=3_000)
    assert throttle.offer(mood_of(1), 0)
    assert not throttle.offer(mood_of(2), 1_000)  # changed, but too soon: held
    assert not throttle.offer(mood_of(3), 2_000)  # the newer change replaces the held one
    assert throttle.flush(2_999) == []
    assert throttle.flush(3_000) == [mood_of(3)]
    assert throttle.flush(10_000) == []


def test_nothing_is_published_while_nothing_changes_and_a_later_change_goes_out_at_once() -> None:
    throttle = MoodThrottle(interval_ms=3_000)
    assert throttle.offer(mood_of(1), 0)
    assert not throttle.offer(mood_of(1), 5_000)
    assert throttle.flush(60_000) == []
    assert throttle.offer(mood_of(2), 60_500)


def test_a_change_reverted_within_the_interval_sends_nothing() -> None:
    throttle = MoodThrottle(interval_ms=3_000)
    assert throttle.offer(mood_of(1), 0)
    assert not throttle.offer(mood_of(2), 1_000)
    assert not throttle.offer(mood_of(1), 2_000)
    assert throttle.flush(5_000) == []


def test_each_room_has_its_own_interval() -> None:
    throttle = MoodThrottle(interval_ms=3_000)
    other = room_mood("other", [minute(0, positive=1)], NOW)
    assert throttle.offer(mood_of(1), 0)
    assert throttle.offer(other, 100)


def test_a_mood_event_becomes_a_mood_frame_for_the_whole_room_including_whoever_caused_it() -> None:
    mood = room_mood("lunch", [minute(0, positive=3, negative=1)], NOW)
    notice = mood_notice(mood_event(mood).model_dump_json().encode())
    assert notice is not None and notice.room_id == "lunch" and notice.user_id is None
    frame = json.loads(notice.frame.frame)
    assert (frame["type"], frame["positive"], frame["negative"], frame["mean"]) == ("mood", 3, 1, 0.5)
    assert len(frame["series"]) == SERIES_MINUTES and frame["series"][-1] == 0.5
    relay = relay_of(mood_subject("lunch"))
    assert relay is not None and relay.to_self and not relay.replayed
    assert mood_subject("lunch") not in replay_subjects("lunch")


def test_a_malformed_mood_event_gives_no_frame() -> None:
    assert mood_notice(b'{"room_id": "lunch"}') is None
    assert mood_notice(b"\xff") is None
