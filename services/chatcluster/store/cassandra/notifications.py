"""Notification feeds, user settings and digest bookkeeping in Cassandra (the `Notifications`,
`UserSettingsStore` and `Digests` roles).

A feed is one partition per user, newest first. Its content is written with the write timestamp of the
message event it came from, so the highest event wins without a read (as messages are written); the read
flag is a column no content write touches. Unread entries are also listed in `notifications_unread` (the
count and "mark all read" read only those), and mentions in `mentions_by_room` (the unread mentions after
a read marker): both rows are written with the timestamp of the message's creation, so a redelivered event
writes them again under a mark-read's or a delete's later tombstone and they stay gone. A deleted
message blanks an entry with a lightweight transaction (IF EXISTS), so it never creates one.

A digest claim is a lightweight transaction: at most one claim per interval, however many notifiers try.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from chatcluster.ids import MAX_ID
from chatcluster.models import Notification, NotificationKind, UserSettings
from chatcluster.store.cassandra.connection import CassandraConnection, write_timestamp
from chatcluster.store.rows import NOTIFICATION_COLUMNS, notification_of
from chatcluster.times import epoch_ms

_IN_CHUNK = 100  # ids per `IN (...)` read
MENTION_PAGE = 5000  # the driver's page size: one request per page


def _entry(row: Any) -> Notification | None:
    if row.kind is None:  # only a flag landed on an entry that does not exist
        return None
    return notification_of(row._asdict())


class CassandraNotifications(CassandraConnection):
    def _writes(self, item: Notification) -> list[Awaitable[list[Any]]]:
        key = (item.user_id, item.notification_id)
        if item.deleted:
            return [
                self._q(
                    "UPDATE notifications SET deleted = true, preview = '' "
                    "WHERE user_id = ? AND notification_id = ? IF EXISTS",
                    *key,
                ),
                self._q(
                    "DELETE FROM mentions_by_room WHERE user_id = ? AND room_id = ? AND message_id = ?",
                    item.user_id,
                    item.room_id,
                    item.message_id,
                ),
            ]
        created = write_timestamp(item.notification_id)
        writes: list[Awaitable[list[Any]]] = [
            self._q(
                "UPDATE notifications USING TIMESTAMP ? SET kind = ?, room_id = ?, message_id = ?, author_id = ?, "
                "author = ?, preview = ?, created_ms = ? WHERE user_id = ? AND notification_id = ?",
                write_timestamp(item.version),
                item.kind.value,
                item.room_id,
                item.message_id,
                item.author_id,
                item.author,
                item.preview,
                epoch_ms(item.created_at),
                *key,
            ),
            self._q(
                "INSERT INTO notifications_unread (user_id, notification_id) VALUES (?, ?) USING TIMESTAMP ?",
                *key,
                created,
            ),
        ]
        if item.kind is NotificationKind.MENTION:
            writes.append(
                self._q(
                    "INSERT INTO mentions_by_room (user_id, room_id, message_id) VALUES (?, ?, ?) USING TIMESTAMP ?",
                    item.user_id,
                    item.room_id,
                    item.message_id,
                    created,
                )
            )
        return writes

    async def add_notifications(self, items: Sequence[Notification]) -> None:
        await self._many(write for item in items for write in self._writes(item))

    async def notifications_of(self, user_id: int, before: int | None = None, limit: int = 50) -> list[Notification]:
        found: list[Notification] = []
        cursor = MAX_ID if before is None else before
        while len(found) < limit:
            want = limit - len(found)
            rows = await self._q(
                f"SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = ? AND notification_id < ? LIMIT ?",
                user_id,
                cursor,
                want,
            )
            found += [e for e in map(_entry, rows) if e is not None]
            if len(rows) < want:
                break
            cursor = rows[-1].notification_id
        return found

    async def unread_notification_count(self, user_id: int) -> int:
        rows = await self._q("SELECT COUNT(*) FROM notifications_unread WHERE user_id = ?", user_id)
        return int(rows[0][0]) if rows else 0

    async def _existing(self, user_id: int, ids: Sequence[int]) -> list[int]:
        chunks = [list(ids[i : i + _IN_CHUNK]) for i in range(0, len(ids), _IN_CHUNK)]
        found = await self._many(
            self._q(
                "SELECT notification_id, kind FROM notifications WHERE user_id = ? AND notification_id IN ?",
                user_id,
                chunk,
            )
            for chunk in chunks
        )
        return [r.notification_id for rows in found for r in rows if r.kind is not None]

    async def mark_notifications_read(self, user_id: int, ids: Sequence[int] | None) -> None:
        if ids is None:
            rows = await self._q("SELECT notification_id FROM notifications_unread WHERE user_id = ?", user_id)
            targets = [r.notification_id for r in rows]
        else:
            targets = await self._existing(user_id, list(dict.fromkeys(ids)))
        await self._many(
            write
            for notification_id in targets
            for write in (
                self._q(
                    "UPDATE notifications SET read = true WHERE user_id = ? AND notification_id = ?",
                    user_id,
                    notification_id,
                ),
                self._q(
                    "DELETE FROM notifications_unread WHERE user_id = ? AND notification_id = ?",
                    user_id,
                    notification_id,
                ),
            )
        )

    async def unread_mentions_by_room(self, user_id: int, markers: Mapping[str, int], cap: int) -> dict[str, int]:
        rooms = list(markers)
        counts = await self._many(self._mentions_after(user_id, room_id, markers[room_id], cap) for room_id in rooms)
        return dict(zip(rooms, counts, strict=True))

    async def _mentions_after(self, user_id: int, room_id: str, after_id: int, cap: int) -> int:
        """At most `cap`, a page at a time: the driver answers one page of a larger LIMIT, not all of it."""
        found, cursor = 0, after_id
        while found < cap:
            want = min(cap - found, MENTION_PAGE)
            rows = await self._q(
                "SELECT message_id FROM mentions_by_room WHERE user_id = ? AND room_id = ? AND message_id > ? LIMIT ?",
                user_id,
                room_id,
                cursor,
                want,
            )
            found += len(rows)
            if len(rows) < want:
                break
            cursor = rows[-1].message_id
        return found


class CassandraUserSettings(CassandraConnection):
    async def get_settings(self, user_id: int) -> UserSettings:
        rows = await self._q("SELECT settings FROM user_settings WHERE user_id = ?", user_id)
        return UserSettings.model_validate_json(rows[0].settings) if rows and rows[0].settings else UserSettings()

    async def put_settings(self, user_id: int, settings: UserSettings) -> None:
        await self._q(
            "INSERT INTO user_settings (user_id, settings) VALUES (?, ?)", user_id, settings.model_dump_json()
        )


class CassandraDigests(CassandraConnection):
    async def queue_digest(self, user_ids: Sequence[int], now_ms: int) -> None:
        # The timestamp is the notifier's clock, the one `unqueue_digest` deletes up to.
        await self._many(
            self._q(
                "INSERT INTO digest_queue (user_id, queued_ms) VALUES (?, ?) USING TIMESTAMP ?",
                user_id,
                now_ms,
                now_ms * 1000,
            )
            for user_id in dict.fromkeys(user_ids)
        )

    async def queued_digests(self, limit: int, after: int | None = None) -> list[int]:
        # The table's own order is its partitioner's: pages follow the token of the user id.
        if after is None:
            rows = await self._q("SELECT user_id FROM digest_queue LIMIT ?", limit)
        else:
            rows = await self._q(
                "SELECT user_id FROM digest_queue WHERE token(user_id) > token(?) LIMIT ?", after, limit
            )
        return [r.user_id for r in rows]

    async def unqueue_digest(self, user_id: int, queued_before_ms: int) -> None:
        # A tombstone at that time removes only what was queued before it: a later queueing survives.
        await self._q(
            "DELETE FROM digest_queue USING TIMESTAMP ? WHERE user_id = ?", queued_before_ms * 1000 - 1, user_id
        )

    async def claim_digest(self, user_id: int, now_ms: int, interval_ms: int, *, up_to: int = 0) -> bool:
        first = await self._q(
            "INSERT INTO digest_claims (user_id, claimed_ms, up_to) VALUES (?, ?, ?) IF NOT EXISTS",
            user_id,
            now_ms,
            up_to,
        )
        if first[0][0]:
            return True
        current = first[0]._asdict()
        if current["claimed_ms"] > now_ms - interval_ms:
            return False
        # Compare-and-set on the claim read: of two notifiers racing here, one sees its condition fail.
        applied = await self._q(
            "UPDATE digest_claims SET claimed_ms = ?, up_to = ? WHERE user_id = ? IF claimed_ms = ?",
            now_ms,
            max(up_to, current["up_to"] or 0),
            user_id,
            current["claimed_ms"],
        )
        return bool(applied[0][0])

    async def digested_up_to(self, user_id: int) -> int:
        rows = await self._q("SELECT up_to FROM digest_claims WHERE user_id = ?", user_id)
        return int(rows[0].up_to or 0) if rows else 0
