"""The scorer carries a message's privacy into its score: what a private room said stays private downstream."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from chatcluster.models import EventKind, Message, MessageEvent
from chatcluster.scorer import score_events
from chatcluster.sentiment.model import Score


class Neutral:
    """A model that finds everything neutral: the privacy, not the label, is under test."""

    version = "neutral-1"

    def score(self, texts: Sequence[str]) -> list[Score]:
        return [Score(label=0, confidence=1.0) for _ in texts]


def event(message_id: int, *, private: bool) -> MessageEvent:
    message = Message(message_id=message_id, room_id="hideout", author_id=1, author="alice", text="plans")
    return MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message, private=private)


def test_a_scored_event_is_private_exactly_when_its_message_event_was() -> None:
    scored = score_events(Neutral(), [event(1, private=True), event(2, private=False)], datetime.now(UTC))

    assert [(s.message.message_id, s.private) for s in scored] == [(1, True), (2, False)]
