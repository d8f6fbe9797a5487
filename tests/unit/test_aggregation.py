"""The pure aggregation rules: what one batch of scored messages adds, keyed by message time."""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.counting import SentimentKey, TopKey, TopKind, countable, delta_of, sentiment_row, words_of
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, Message, ScoredEvent, Sentiment, dm_room_id
from chatcluster.privacy import Audience, audience_of, is_private_room

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
    first = delta.sentiment[SentimentKey("general", minute, private=False)]
    assert (first.positive, first.negative) == (1, 0)
    assert delta.sentiment[SentimentKey("general", minute + 60_000, private=False)].negative == 1
    assert delta.top[TopKey(TopKind.WORDS, False, minute, "pizza")] == 2
    assert delta.top[TopKey(TopKind.WORDS, False, minute + 60_000, "pizza")] == 1
    assert delta.top[TopKey(TopKind.ROOMS, False, minute, "general")] == 1
    assert sum(delta.per_second.values()) == 2


def test_direct_message_rooms_are_private_and_group_rooms_are_not() -> None:
    assert is_private_room(dm_room_id(7, 3))
    assert not is_private_room(str(IDS.next_id()))  # group rooms get Snowflake ids
    assert not is_private_room("general")


def test_a_group_room_flagged_private_counts_as_private_whatever_its_id() -> None:
    assert is_private_room("general", private=True)
    secret = scored("secret plans", room="hideout").model_copy(update={"private": True})
    delta = delta_of([secret, scored("lunch plans", at_ms=T + 10)])
    assert {(k.room_id, k.private) for k in delta.messages} == {("hideout", True), ("general", False)}
    words = {(k.key, k.private) for k in delta.top if k.kind is TopKind.WORDS}
    assert words == {("secret", True), ("plans", True), ("lunch", False), ("plans", False)}


def test_every_count_of_a_direct_message_is_marked_private_and_the_rate_counts_it_all_the_same() -> None:
    dm = dm_room_id(1, 2)
    delta = delta_of([scored("secret plans", room=dm), scored("lunch plans", at_ms=T + 10)])
    minute = T - T % 60_000
    assert {(k.room_id, k.private) for k in delta.messages} == {(dm, True), ("general", False)}
    assert set(delta.sentiment) == {SentimentKey(dm, minute, True), SentimentKey("general", minute, False)}
    words = {(k.key, k.private): n for k, n in delta.top.items() if k.kind is TopKind.WORDS}
    assert words == {("secret", True): 1, ("plans", True): 1, ("lunch", False): 1, ("plans", False): 1}
    assert sum(delta.per_second.values()) == 2


def test_only_a_platform_admin_sees_the_counts_of_private_rooms() -> None:
    assert audience_of(is_admin=False) is Audience.PUBLIC
    assert audience_of(is_admin=True) is Audience.ALL
    assert Audience.PUBLIC.private_flags == (False,)
    assert set(Audience.ALL.private_flags) == {False, True}


def test_the_mean_sentiment_of_a_step_is_positive_minus_negative_over_all() -> None:
    row = sentiment_row(T, positive=3, neutral=1, negative=1)
    assert row.mean == 0.4
    assert sentiment_row(T, 0, 0, 0).mean == 0.0
