"""Message events, history and word search in SQLite (the `Messages` role).

History walks the (room, bucket) partitions the way the Cassandra back end must; search goes
through an FTS5 index that follows the stored row, whichever event won.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chatcluster.counting import words_of
from chatcluster.ids import MAX_ID, bucket_of
from chatcluster.models import Message, MessageEvent
from chatcluster.store.rows import mentions_value, message_of
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms

# Highest event id wins; a delete is sticky so a late edit cannot resurrect text.
_UPSERT_MESSAGE = """
INSERT INTO messages (room_id, bucket, message_id, author_id, author, text, reply_to,
                      client_id, edited_ms, deleted, version, mentions)
VALUES (:room_id, :bucket, :message_id, :author_id, :author, :text, :reply_to,
        :client_id, :edited_ms, :deleted, :version, :mentions)
ON CONFLICT (room_id, bucket, message_id) DO UPDATE SET
    text = CASE WHEN messages.deleted OR excluded.deleted THEN '' ELSE excluded.text END,
    edited_ms = excluded.edited_ms,
    mentions = excluded.mentions,
    deleted = messages.deleted OR excluded.deleted,
    version = excluded.version
WHERE excluded.version > messages.version
"""

_MESSAGE_SELECT = (
    "SELECT m.message_id, m.room_id, m.author_id, m.author, m.text, m.reply_to, m.client_id, m.edited_ms, "
    "m.deleted, m.mentions, s.label, s.confidence, s.model_version "
    "FROM messages m LEFT JOIN message_sentiment s ON s.message_id = m.message_id"
)


def _event_row(event: MessageEvent) -> dict[str, Any]:
    message = event.message
    return {
        "room_id": message.room_id,
        "bucket": bucket_of(message.message_id),
        "message_id": message.message_id,
        "author_id": message.author_id,
        "author": message.author,
        "text": "" if message.deleted else message.text,
        "reply_to": message.reply_to,
        "client_id": message.client_id,
        "edited_ms": None if message.edited_at is None else epoch_ms(message.edited_at),
        "deleted": int(message.deleted),
        "version": event.event_id,
        "mentions": mentions_value(message.mentions),
    }


class SqliteMessages(SqliteConnection):
    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        if not events:
            return
        message_ids = [(message_id,) for message_id in dict.fromkeys(e.message.message_id for e in events)]
        async with self._write() as db:
            await db.executemany(_UPSERT_MESSAGE, [_event_row(e) for e in events])
            # The search index follows the stored row (whichever event won), not the event.
            await db.executemany("DELETE FROM message_search WHERE rowid = ?", message_ids)
            await db.executemany(
                "INSERT INTO message_search (rowid, text, room_id) "
                "SELECT message_id, text, room_id FROM messages WHERE message_id = ? AND deleted = 0",
                message_ids,
            )

    async def search(self, room_id: str, query: str, limit: int = 50) -> list[Message]:
        terms = words_of(query)
        if not terms:
            return []
        match = " AND ".join(f'"{term}"' for term in terms)
        rows = await self._all(
            f"{_MESSAGE_SELECT} JOIN message_search f ON f.rowid = m.message_id "
            "WHERE message_search MATCH ? AND f.room_id = ? ORDER BY m.message_id DESC LIMIT ?",
            (match, room_id, limit),
        )
        return [message_of(r) for r in rows]

    async def get_message(self, message_id: int) -> Message | None:
        row = await self._one(f"{_MESSAGE_SELECT} WHERE m.message_id = ?", (message_id,))
        return None if row is None else message_of(row)

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        if after is not None:
            rows = await self._all(
                f"{_MESSAGE_SELECT} WHERE m.room_id = ? AND m.bucket >= ? "
                "AND m.message_id > ? ORDER BY m.bucket, m.message_id LIMIT ?",
                (room_id, bucket_of(after), after, limit),
            )
            return [message_of(r) for r in rows]
        upper = before if before is not None else MAX_ID
        rows = await self._all(
            f"{_MESSAGE_SELECT} WHERE m.room_id = ? AND m.bucket <= ? "
            "AND m.message_id < ? ORDER BY m.bucket DESC, m.message_id DESC LIMIT ?",
            (room_id, bucket_of(upper), upper, limit),
        )
        return [message_of(r) for r in reversed(rows)]
