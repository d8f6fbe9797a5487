"""The pure aggregation rules: what one batch of scored messages adds, keyed by message time."""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.aggregation import TopKind, countable, delta_of, sentiment_row, words_of
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, ScoredEvent, Sentiment

IDS = SnowflakeGenerator(worker_id=9)
T = int(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC).timestamp() * 1000)


def scored(
    text: str,
    *,
    at_ms: int = T,
    author: str = "alice",
    room: str = "general",
    label: int = 0,
    kind: EventKind = EventKind.CREATED,
    message_id: int | None = None,
) -> ScoredEvent:
    message_id = message_id or IDS.next_id(at_ms)
    message = Message(message_id=message_id, room_id=room, author_id=1, author=author, text=text)
    return ScoredEvent(
        kind=kind,
        event_id=message_id,
        message=message,
        sentiment=Sentiment(label=label, confidence=0.9, model_version="test"),  # type: ignore[arg-type]
        scored_at=datetime.now(UTC),
    )


def test_topic_words_skip_stop_words_urls_mentions_and_numbers() -> None:
    assert words_of("Hey @bob, the DEPLOY of v2 is at https://x.io/deploy 5pm, isn't it? Deploy!") == [
        "deploy",
        "pm",
        "deploy",
    ]


def test_only_new_messages_count_once_each_and_edits_count_nothing() -> None:
    first = scored("pizza")
    again = first.model_copy()
    edit = scored("pizza!", kind=EventKind.EDITED, message_id=first.message.message_id)
    assert list(countable([first, again, edit])) == [first.message.message_id]


def test_a_message_adds_to_its_own_day_minute_second_and_top_lists() -> None:
    delta = delta_of([scored("pizza pizza party", label=1), scored("pizza", at_ms=T + 1000, label=-1, author="bob")])
    assert {(k.day, k.username): n for k, n in delta.messages.items()} == {
        ("2026-03-01", "alice"): 1,
        ("2026-03-02", "bob"): 1,
    }
    minute = T - T % 60_000
    assert (delta.sentiment[("general", minute)].positive, delta.sentiment[("general", minute)].negative) == (1, 0)
    assert delta.sentiment[("general", minute + 60_000)].negative == 1
    assert delta.top[(TopKind.WORDS, minute, "pizza")] == 2
    assert delta.top[(TopKind.WORDS, minute + 60_000, "pizza")] == 1
    assert delta.top[(TopKind.ROOMS, minute, "general")] == 1
    assert sum(delta.per_second.values()) == 2


def test_the_mean_sentiment_of_a_step_is_positive_minus_negative_over_all() -> None:
    row = sentiment_row(T, positive=3, neutral=1, negative=1)
    assert row.mean == 0.4
    assert sentiment_row(T, 0, 0, 0).mean == 0.0
