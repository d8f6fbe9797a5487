"""Message events, history and word search in SQLite (the `Messages` role).

History walks the (room, bucket) partitions the way the Cassandra back end must; search goes
through an FTS5 index that follows the stored row, whichever event won.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from chatcluster.counting import words_of
from chatcluster.ids import MAX_ID, bucket_of
from chatcluster.models import EventKind, Message, MessageEvent, MessageVersion
from chatcluster.store.rows import attachments_value, mentions_value, message_of, version_of
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms

# Highest event id wins; a delete is sticky so a late edit cannot resurrect text.
_UPSERT_MESSAGE = """
INSERT INTO messages (room_id, bucket, message_id, author_id, author, text, reply_to,
                      client_id, edited_ms, deleted, version, mentions, attachments)
VALUES (:room_id, :bucket, :message_id, :author_id, :author, :text, :reply_to,
        :client_id, :edited_ms, :deleted, :version, :mentions, :attachments)
ON CONFLICT (room_id, bucket, message_id) DO UPDATE SET
    text = CASE WHEN messages.deleted OR excluded.deleted THEN '' ELSE excluded.text END,
    edited_ms = excluded.edited_ms,
    mentions = excluded.mentions,
    attachments = CASE WHEN messages.deleted OR excluded.deleted THEN NULL ELSE excluded.attachments END,
    deleted = messages.deleted OR excluded.deleted,
    version = excluded.version
WHERE excluded.version > messages.version
"""

_MESSAGE_SELECT = (
    "SELECT m.message_id, m.room_id, m.author_id, m.author, m.text, m.reply_to, m.client_id, m.edited_ms, "
    "m.deleted, m.mentions, m.attachments, s.label, s.confidence, s.model_version "
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
        "attachments": None if message.deleted else attachments_value(message.attachments),
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
            # Every text a message has had, whichever event won: the edit history.
            await db.executemany(
                "INSERT OR IGNORE INTO message_versions (message_id, event_id, text, edited_ms) "
                "VALUES (:message_id, :version, :text, :edited_ms)",
                [_event_row(e) for e in events if e.kind is not EventKind.DELETED],
            )

    async def search(
        self,
        room_ids: Sequence[str],
        query: str,
        *,
        author_id: int | None = None,
        not_by: Collection[int] = (),
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[Message]:
        terms = words_of(query)
        if not terms or not room_ids or limit <= 0:
            return []
        # The FTS index walks its matches newest first (rowid is the message id) and stops at `limit`; the rooms
        # and authors travel as one JSON parameter each, however many the caller is in.
        where = [
            "message_search MATCH ?",
            "f.rowid < ?",
            "f.rowid > ?",
            "f.room_id IN (SELECT value FROM json_each(?))",
            "m.deleted = 0",
        ]
        params: list[Any] = [
            " AND ".join(f'"{term}"' for term in terms),
            MAX_ID if before is None else before,
            0 if after is None else after,
            json.dumps(list(dict.fromkeys(room_ids))),
        ]
        if author_id is not None:
            where.append("m.author_id = ?")
            params.append(author_id)
        if not_by:
            where.append("m.author_id NOT IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(sorted(not_by)))
        rows = await self._all(
            f"{_MESSAGE_SELECT} JOIN message_search f ON f.rowid = m.message_id "
            f"WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT ?",
            (*params, limit),
        )
        return [message_of(r) for r in rows]

    async def get_message(self, message_id: int) -> Message | None:
        row = await self._one(f"{_MESSAGE_SELECT} WHERE m.message_id = ?", (message_id,))
        return None if row is None else message_of(row)

    async def replies(
        self, room_id: str, parent_id: int, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        where = f"{_MESSAGE_SELECT} WHERE m.reply_to = ? AND m.room_id = ? AND m.deleted = 0 "
        if after is not None:
            rows = await self._all(
                where + "AND m.message_id > ? ORDER BY m.message_id LIMIT ?", (parent_id, room_id, after, limit)
            )
            return [message_of(r) for r in rows]
        upper = before if before is not None else MAX_ID
        rows = await self._all(
            where + "AND m.message_id < ? ORDER BY m.message_id DESC LIMIT ?", (parent_id, room_id, upper, limit)
        )
        return [message_of(r) for r in reversed(rows)]

    async def reply_counts(self, message_ids: Sequence[int]) -> dict[int, int]:
        if not message_ids:
            return {}
        marks = ",".join("?" * len(message_ids))
        rows = await self._all(
            f"SELECT reply_to, COUNT(*) AS replies FROM messages WHERE reply_to IN ({marks}) AND deleted = 0 "
            "GROUP BY reply_to",
            list(message_ids),
        )
        return {r["reply_to"]: r["replies"] for r in rows}

    async def message_versions(self, message_id: int) -> list[MessageVersion]:
        rows = await self._all(
            "SELECT event_id, text, edited_ms FROM message_versions WHERE message_id = ? ORDER BY event_id",
            (message_id,),
        )
        return [version_of(r) for r in rows]

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
