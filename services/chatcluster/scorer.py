"""The scorer: scores every new or edited message in batches and publishes `chat.scored.<room>`.

Replicas share one durable consumer, so adding replicas adds throughput. The
score is published (deduplicated on the event id) and written to the stored
message before the batch is acked, so a crash at any point only repeats work.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from nats.js import JetStreamContext

from chatcluster.bus import CHAT_STREAM, connect, publish_scored
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.models import MESSAGE_SUBJECT_PREFIX, EventKind, MessageEvent, ScoredEvent, Sentiment, event_id_of
from chatcluster.sentiment.model import Score
from chatcluster.store import Sentiments, open_store
from chatcluster.telemetry.instruments import instruments
from chatcluster.telemetry.messaging import context_of

DURABLE = "scorer"


class ScoringModel(Protocol):
    """What the scorer needs of a model: a version to stamp and labels with confidences for a batch."""

    version: str

    def score(self, texts: Sequence[str]) -> list[Score]: ...


def score_events(model: ScoringModel, events: Sequence[MessageEvent], now: datetime) -> list[ScoredEvent]:
    """Score new and edited messages in one vectorised call; deletes carry nothing to score."""
    to_score = [e for e in events if e.kind is not EventKind.DELETED]
    scores = model.score([e.message.text for e in to_score])
    return [
        ScoredEvent(
            kind=event.kind,
            event_id=event.event_id,
            message=event.message,
            sentiment=Sentiment(label=score.label, confidence=score.confidence, model_version=model.version),
            scored_at=now,
            private=event.private,
        )
        for event, score in zip(to_score, scores, strict=True)
    ]


class Scorer:
    def __init__(self, model: ScoringModel, store: Sentiments, js: JetStreamContext) -> None:
        self.model = model
        self.store = store
        self.js = js

    async def handle(self, batch: Sequence[Delivery[MessageEvent]]) -> None:
        scored = score_events(self.model, [d.value for d in batch], datetime.now(UTC))
        if not scored:
            return
        spans = {d.value.event_id: d.span for d in batch if d.span is not None}
        parents = [context_of(spans.get(e.event_id)) for e in scored] if spans else None
        await publish_scored(self.js, scored, parents)
        await self.store.set_sentiments(scored)
        count = instruments().scored
        for label, n in Counter(str(e.sentiment.label) for e in scored).items():
            count.add(n, {"sentiment": label})


def load_scoring_model(settings: Settings) -> ScoringModel:
    """The model `CHATCLUSTER_SENTIMENT_MODEL` names: the trained artifact, or VADER."""
    if settings.sentiment_model == "vader":
        from chatcluster.sentiment.vader import VaderModel

        return VaderModel()
    from chatcluster.sentiment.provision import load_model

    return load_model(settings.resolved_model_home())


async def run_scorer(settings: Settings, stop: asyncio.Event) -> None:
    model = load_scoring_model(settings)
    store = await open_store(settings)
    nc = await connect(settings, name="scorer-publisher")
    scorer = Scorer(model, store, nc.jetstream(timeout=10))
    spec = ConsumerSpec(
        durable=DURABLE,
        stream=CHAT_STREAM,
        filter_subject=f"{MESSAGE_SUBJECT_PREFIX}>",
        decode=MessageEvent.model_validate_json,
        handle=scorer.handle,
        message_id=event_id_of,
    )
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        await nc.close()
        await store.close()
