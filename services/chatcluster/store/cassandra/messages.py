"""Message events, history and word search in Cassandra (the `Messages` role).

Message writes are blind upserts with a write timestamp taken from the event id, so the latest
event wins without read-before-write; a delete writes only the tombstone flag, and reads hide the
text of a deleted message, so no later edit can bring it back. History and search visit only the
(room, bucket) partitions `room_buckets` lists, so a quiet year costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from chatcluster.counting import words_of
from chatcluster.ids import MAX_ID, bucket_of
from chatcluster.models import EventKind, Message, MessageEvent, MessageVersion
from chatcluster.store.cassandra.connection import CassandraConnection, write_timestamp
from chatcluster.store.rows import attachments_value, message_of, version_of
from chatcluster.times import epoch_ms

_MESSAGE_COLUMNS = (
    "room_id, message_id, author_id, author, text, reply_to, client_id, edited_ms, deleted, "
    "label, confidence, model_version, mentions, attachments"
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
            deletes: list[Awaitable[list[Any]]] = [
                self._q(
                    "UPDATE messages USING TIMESTAMP ? SET deleted = true, text = '', words = {}, edited_ms = ? "
                    "WHERE room_id = ? AND bucket = ? AND message_id = ?",
                    ts,
                    epoch_ms(message.edited_at or datetime.now(UTC)),
                    *key,
                )
            ]
            if message.reply_to is not None:  # a later timestamp than the reply's insert, whichever lands first
                deletes.append(
                    self._q(
                        "DELETE FROM replies_by_parent USING TIMESTAMP ? WHERE parent_id = ? AND message_id = ?",
                        ts,
                        message.reply_to,
                        message.message_id,
                    )
                )
            return deletes
        writes: list[Awaitable[list[Any]]] = [
            self._q(
                "UPDATE messages USING TIMESTAMP ? SET author_id = ?, author = ?, text = ?, reply_to = ?, "
                "client_id = ?, edited_ms = ?, words = ?, mentions = ?, attachments = ? "
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
                attachments_value(message.attachments),
                *key,
            )
        ]
        writes.append(
            self._q(
                "INSERT INTO message_versions (message_id, event_id, text, edited_ms) VALUES (?, ?, ?, ?)",
                message.message_id,
                event.event_id,
                message.text,
                None if message.edited_at is None else epoch_ms(message.edited_at),
            )
        )
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
            if message.reply_to is not None:
                writes.append(
                    self._q(
                        "INSERT INTO replies_by_parent (parent_id, message_id, room_id) VALUES (?, ?, ?) "
                        "USING TIMESTAMP ?",
                        message.reply_to,
                        message.message_id,
                        message.room_id,
                        ts,
                    )
                )
        return writes

    async def apply_events(self, events: Sequence[MessageEvent]) -> None:
        await self._many(write for event in events for write in self._message_writes(event))

    async def get_message(self, message_id: int) -> Message | None:
        where = await self._q("SELECT room_id, bucket FROM messages_by_id WHERE message_id = ?", message_id)
        if not where:
            return None
        rows = await self._q(f"{_SELECT_IN_BUCKET}AND message_id = ?", where[0].room_id, where[0].bucket, message_id)
        return _message(rows[0]) if rows else None

    async def _message_at(self, room_id: str, message_id: int) -> Message | None:
        """A message of a known room: its partition follows from its id."""
        rows = await self._q(f"{_SELECT_IN_BUCKET}AND message_id = ?", room_id, bucket_of(message_id), message_id)
        return _message(rows[0]) if rows else None

    async def replies(
        self, room_id: str, parent_id: int, *, before: int | None = None, after: int | None = None, limit: int = 50
    ) -> list[Message]:
        if after is not None:
            rows = await self._q(
                "SELECT message_id, room_id FROM replies_by_parent WHERE parent_id = ? AND message_id > ? LIMIT ?",
                parent_id,
                after,
                limit,
            )
        else:
            rows = await self._q(
                "SELECT message_id, room_id FROM replies_by_parent WHERE parent_id = ? AND message_id < ? "
                "ORDER BY message_id DESC LIMIT ?",
                parent_id,
                MAX_ID if before is None else before,
                limit,
            )
        ids = sorted(r.message_id for r in rows if r.room_id == room_id)
        found = await self._many(self._message_at(room_id, message_id) for message_id in ids)
        return [m for m in found if m is not None and not m.deleted]

    async def reply_counts(self, message_ids: Sequence[int]) -> dict[int, int]:
        unique = list(dict.fromkeys(message_ids))
        counts = await self._many(
            self._q("SELECT COUNT(*) AS replies FROM replies_by_parent WHERE parent_id = ?", message_id)
            for message_id in unique
        )
        return {message_id: rows[0].replies for message_id, rows in zip(unique, counts, strict=True) if rows[0].replies}

    async def message_versions(self, message_id: int) -> list[MessageVersion]:
        rows = await self._q("SELECT event_id, text, edited_ms FROM message_versions WHERE message_id = ?", message_id)
        return [version_of(r._asdict()) for r in rows]

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
        """SAI on each message's words set, one (room, bucket) partition per query.

        Buckets are ten-day slices of time, so every match in a bucket is newer than any in an older one: the
        rooms' partitions of the newest bucket are searched at once, then the next older bucket, and the walk
        stops at the first bucket after which `limit` matches are in hand."""
        terms = words_of(query)
        rooms = list(dict.fromkeys(room_ids))
        if not terms or not rooms or limit <= 0:
            return []
        upper = MAX_ID if before is None else before
        lower = 0 if after is None else after
        rooms_in: dict[int, list[str]] = {}
        for room_id, buckets in zip(rooms, await self._many(map(self._buckets, rooms)), strict=True):
            for bucket in buckets:
                if bucket_of(lower) <= bucket <= bucket_of(upper):
                    rooms_in.setdefault(bucket, []).append(room_id)

        def wanted(message: Message) -> bool:
            return (
                not message.deleted
                and (author_id is None or message.author_id == author_id)
                and message.author_id not in not_by
            )

        cql = _SELECT_IN_BUCKET + "AND message_id < ? AND message_id > ? " + "AND words CONTAINS ? " * len(terms)
        found: list[Message] = []
        for bucket in sorted(rooms_in, reverse=True):
            pages = await self._many(
                self._matches(cql + "LIMIT ?", (room_id, bucket), (upper, lower, *terms), wanted, limit)
                for room_id in rooms_in[bucket]
            )
            found += [m for page in pages for m in page]
            if len(found) >= limit:
                break
        return sorted(found, key=lambda m: m.message_id, reverse=True)[:limit]

    async def _matches(
        self,
        cql: str,
        partition: tuple[str, int],
        bounds: tuple[Any, ...],
        wanted: Callable[[Message], bool],
        limit: int,
    ) -> list[Message]:
        """Up to `limit` wanted matches of one partition, newest first; the upper bound moves down page by page, as a
        page may hold matches that are not wanted (a deleted message, an author left out)."""
        found: list[Message] = []
        upper, *rest = bounds
        while len(found) < limit:
            want = limit - len(found)
            rows = await self._q(cql, *partition, upper, *rest, want)
            found += [m for m in map(_message, rows) if m is not None and wanted(m)]
            if len(rows) < want:
                break
            upper = rows[-1].message_id
        return found[:limit]
