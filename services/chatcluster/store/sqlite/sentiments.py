"""Message scores in SQLite (the `Sentiments` role): a table of their own, so a score may land first."""

from __future__ import annotations

from collections.abc import Sequence

from chatcluster.models import ScoredEvent
from chatcluster.store.sqlite.connection import SqliteConnection

# The score of the highest event id wins, as the message's text does.
_UPSERT_SENTIMENT = """
INSERT INTO message_sentiment VALUES (:message_id, :label, :confidence, :model_version, :version)
ON CONFLICT (message_id) DO UPDATE SET
    label = excluded.label, confidence = excluded.confidence,
    model_version = excluded.model_version, version = excluded.version
WHERE excluded.version > message_sentiment.version
"""


class SqliteSentiments(SqliteConnection):
    async def set_sentiments(self, scored: Sequence[ScoredEvent]) -> None:
        if not scored:
            return
        rows = [
            {
                "message_id": e.message.message_id,
                "label": e.sentiment.label,
                "confidence": e.sentiment.confidence,
                "model_version": e.sentiment.model_version,
                "version": e.event_id,
            }
            for e in scored
        ]
        async with self._write() as db:
            await db.executemany(_UPSERT_SENTIMENT, rows)
