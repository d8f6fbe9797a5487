"""Message scores in Cassandra (the `Sentiments` role): columns of the message row, written with the
event's timestamp, so the score of the highest event id wins and may land before the message."""

from __future__ import annotations

from collections.abc import Sequence

from chatcluster.ids import bucket_of
from chatcluster.models import ScoredEvent
from chatcluster.store.cassandra.connection import CassandraConnection, write_timestamp


class CassandraSentiments(CassandraConnection):
    async def set_sentiments(self, scored: Sequence[ScoredEvent]) -> None:
        await self._many(
            (
                self._q(
                    "UPDATE messages USING TIMESTAMP ? SET label = ?, confidence = ?, "
                    "model_version = ? WHERE room_id = ? AND bucket = ? AND message_id = ?",
                    write_timestamp(e.event_id),
                    e.sentiment.label,
                    e.sentiment.confidence,
                    e.sentiment.model_version,
                    e.message.room_id,
                    bucket_of(e.message.message_id),
                    e.message.message_id,
                )
            )
            for e in scored
        )
