"""Message events, history and word search in Cassandra (the `Messages` role).

Message writes are blind upserts with a write timestamp taken from the event id, so the latest
event wins without read-before-write; a delete writes only the tombstone flag, and reads hide the
text of a deleted message, so no later edit can bring it back. History and search visit only the
(room, bucket) partitions `room_buckets` lists, so a quiet year costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from chatcluster.counting import words_of
from chatcluster.ids import MAX_ID, bucket_of
from chatcluster.models import EventKind, Message, MessageEvent
from chatcluster.store.cassandra.connection import CassandraConnection, write_timestamp
from chatcluster.store.rows import message_of
from chatcluster.times import epoch_ms

_MESSAGE_COLUMNS = (
    "room_id, message_id, author_id, author, text, reply_to, client_id, edited_ms, deleted, "
    "label, confidence, model_version, mentions"
)
_SELECT_IN_BUCKET = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? "


def _message(row: Any) -> Message | None:
    if row.author is None:  # only a score has landed; the persister has not written the message yet
        return None
    return message_of(row._asdict())


class CassandraMessages(CassandraConnection):
    def _message_writes(self, event: MessageEvent) -> list[Awaitable[list[Any]]]:
        message = event.message
        bucket = bucket_of(message.message_id)
        ts = write_timestamp(event.event_id)
        key = (message.room_id, bucket, message.message_id)
        if event.kind is EventKind.DELETED:
            return [
                self._q(
                    "UPDATE messages USING TIMESTAMP ? SET deleted = true, text = '', words = {}, edited_ms = ? "
                    "WHERE room_id = ? AND bucket = ? AND message_id = ?",
                    ts,
                    epoch_ms(message.edited_at or datetime.now(UTC)),
                    *key,
                )
            ]
        writes: list[Awaitable[list[Any]]] = [
            self._q(
                "UPDATE messages USING TIMESTAMP ? SET author_id = ?, author = ?, text = ?, reply_to = ?, "
                "client_id = ?, edited_ms = ?, words = ?, mentions = ? "
                "WHERE room_id = ? AND bucket = ? AND message_id = ?",
                ts,
                message.author_id,
                message.author,
                message.text,
                message.reply_to,
                message.client_id,
                None if message.edited_at is None else epoch_ms(message.edited_at),
                set(words_of(message.text)),
                list(message.mentions),
                *key,
            )
        ]
        if event.kind is EventKind.CREATED:
            writes += [
                self._q(
                    "INSERT INTO messages_by_id (message_id, room_id, bucket) VALUES (?, ?, ?)",
                    message.message_id,
                    message.room_id,
                    bucket,
                ),
                self._q("INSERT INTO room_buckets (room_id, bucket) VALUES (?, ?)", message.room_id, bucket),
            ]
        return writes

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        await self._many(write for event in events for write in self._message_writes(event))

    async def get_message(self, message_id: int) -> Message | None:
        where = await self._q("SELECT room_id, bucket FROM messages_by_id WHERE message_id = ?", message_id)
        if not where:
            return None
        rows = await self._q(f"{_SELECT_IN_BUCKET}AND message_id = ?", where[0].room_id, where[0].bucket, message_id)
        return _message(rows[0]) if rows else None

    async def _buckets(self, room_id: str) -> list[int]:
        return [r.bucket for r in await self._q("SELECT bucket FROM room_buckets WHERE room_id = ?", room_id)]

    async def _collect(
        self, room_id: str, buckets: Iterable[int], cql: str, newer: bool, cursor: int, limit: int, *extra: Any
    ) -> list[Message]:
        """Page through the given buckets in order until `limit` messages are kept.

        A page may hold rows that are dropped (a score written before its message, a deleted
        match), so a bucket is only left once a short page shows it is exhausted."""
        found: list[Message] = []
        for bucket in buckets:
            position = cursor
            while len(found) < limit:
                want = limit - len(found)
                rows = await self._q(cql, room_id, bucket, position, *extra, want)
                found += [m for m in map(_message, rows) if m is not None and (not extra or not m.deleted)]
                if len(rows) < want:
                    break
                position = rows[-1].message_id
            if len(found) >= limit:
                break
        return found[:limit] if newer else list(reversed(found[:limit]))

    async def history(
        self, room_id: str, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        buckets = await self._buckets(room_id)
        if after is not None:
            return await self._collect(
                room_id,
                sorted(b for b in buckets if b >= bucket_of(after)),
                _SELECT_IN_BUCKET + "AND message_id > ? ORDER BY message_id ASC LIMIT ?",
                True,
                after,
                limit,
            )
        upper = before if before is not None else MAX_ID
        return await self._collect(
            room_id,
            sorted((b for b in buckets if b <= bucket_of(upper)), reverse=True),
            _SELECT_IN_BUCKET + "AND message_id < ? LIMIT ?",
            False,
            upper,
            limit,
        )

    async def search(self, room_id: str, query: str, limit: int = 50) -> list[Message]:
        """Live messages of a room containing every topic word of `query` (SAI on the words set), newest first."""
        terms = words_of(query)
        if not terms:
            return []
        found = await self._collect(
            room_id,
            sorted(await self._buckets(room_id), reverse=True),
            _SELECT_IN_BUCKET + "AND message_id < ? " + "AND words CONTAINS ? " * len(terms) + "LIMIT ?",
            False,
            MAX_ID,
            limit,
            *terms,
        )
        return list(reversed(found))
