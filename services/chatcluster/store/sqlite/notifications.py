"""Notification feeds, user settings and digest bookkeeping in SQLite (the `Notifications`, `UserSettingsStore`
and `Digests` roles).

An entry is keyed by user and message: a repeated write keeps the read flag and takes the content of the
highest event version; a deleted message's entry only ever blanks one that exists. A digest claim is a
compare-and-set in one statement, so two notifiers never both win it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chatcluster.ids import MAX_ID
from chatcluster.models import Notification, NotificationKind, UserSettings
from chatcluster.store.rows import NOTIFICATION_COLUMNS, notification_of
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms

_UPSERT_NOTIFICATION = """
INSERT INTO notifications (user_id, notification_id, kind, room_id, message_id, author_id, author, preview,
                           created_ms, read, deleted, version)
VALUES (:user_id, :notification_id, :kind, :room_id, :message_id, :author_id, :author, :preview,
        :created_ms, 0, 0, :version)
ON CONFLICT (user_id, notification_id) DO UPDATE SET
    kind = excluded.kind,
    preview = CASE WHEN notifications.deleted THEN '' ELSE excluded.preview END,
    version = excluded.version
WHERE excluded.version > notifications.version
"""

_BLANK_NOTIFICATION = """
UPDATE notifications SET deleted = 1, preview = '', version = MAX(version, :version)
WHERE user_id = :user_id AND notification_id = :notification_id
"""


def _row(item: Notification) -> dict[str, Any]:
    return {
        "user_id": item.user_id,
        "notification_id": item.notification_id,
        "kind": item.kind.value,
        "room_id": item.room_id,
        "message_id": item.message_id,
        "author_id": item.author_id,
        "author": item.author,
        "preview": item.preview,
        "created_ms": epoch_ms(item.created_at),
        "version": item.version,
    }


class SqliteNotifications(SqliteConnection):
    async def add_notifications(self, items: Sequence[Notification]) -> None:
        if not items:
            return
        async with self._write() as db:
            await db.executemany(_UPSERT_NOTIFICATION, [_row(i) for i in items if not i.deleted])
            await db.executemany(_BLANK_NOTIFICATION, [_row(i) for i in items if i.deleted])

    async def notifications_of(self, user_id: int, before: int | None = None, limit: int = 50) -> list[Notification]:
        rows = await self._all(
            f"SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = ? AND notification_id < ? "
            "ORDER BY notification_id DESC LIMIT ?",
            (user_id, MAX_ID if before is None else before, limit),
        )
        return [notification_of(r) for r in rows]

    async def unread_notification_count(self, user_id: int) -> int:
        row = await self._one("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read = 0", (user_id,))
        return int(row[0]) if row else 0

    async def mark_notifications_read(self, user_id: int, ids: Sequence[int] | None) -> None:
        async with self._write() as db:
            if ids is None:
                await db.execute("UPDATE notifications SET read = 1 WHERE user_id = ? AND read = 0", (user_id,))
            else:
                await db.executemany(
                    "UPDATE notifications SET read = 1 WHERE user_id = ? AND notification_id = ?",
                    [(user_id, i) for i in dict.fromkeys(ids)],
                )

    async def unread_mentions_by_room(self, user_id: int, markers: Mapping[str, int], cap: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for room_id, marker in markers.items():
            # The inner LIMIT bounds the rows read, whatever the room holds after the marker.
            row = await self._one(
                "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? AND room_id = ? AND kind = ? "
                "AND message_id > ? AND deleted = 0 LIMIT ?)",
                (user_id, room_id, NotificationKind.MENTION.value, marker, cap),
            )
            counts[room_id] = int(row[0]) if row else 0
        return counts


class SqliteUserSettings(SqliteConnection):
    async def get_settings(self, user_id: int) -> UserSettings:
        row = await self._one("SELECT settings FROM user_settings WHERE user_id = ?", (user_id,))
        return UserSettings() if row is None else UserSettings.model_validate_json(row[0])

    async def put_settings(self, user_id: int, settings: UserSettings) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO user_settings (user_id, settings) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings",
                (user_id, settings.model_dump_json()),
            )


class SqliteDigests(SqliteConnection):
    async def queue_digest(self, user_ids: Sequence[int], now_ms: int) -> None:
        if not user_ids:
            return
        async with self._write() as db:
            await db.executemany(
                "INSERT INTO digest_queue (user_id, queued_ms) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET queued_ms = MAX(queued_ms, excluded.queued_ms)",
                [(u, now_ms) for u in dict.fromkeys(user_ids)],
            )

    async def queued_digests(self, limit: int, after: int | None = None) -> list[int]:
        rows = await self._all(
            "SELECT user_id FROM digest_queue WHERE user_id > ? ORDER BY user_id LIMIT ?",
            (-1 if after is None else after, limit),
        )
        return [int(r[0]) for r in rows]

    async def unqueue_digest(self, user_id: int, queued_before_ms: int) -> None:
        async with self._write() as db:
            await db.execute(
                "DELETE FROM digest_queue WHERE user_id = ? AND queued_ms < ?", (user_id, queued_before_ms)
            )

    async def claim_digest(self, user_id: int, now_ms: int, interval_ms: int, *, up_to: int = 0) -> bool:
        async with (
            self._write() as db,
            db.execute(
                "INSERT INTO digest_claims (user_id, claimed_ms, up_to) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET claimed_ms = excluded.claimed_ms, "
                "up_to = MAX(digest_claims.up_to, excluded.up_to) "
                "WHERE digest_claims.claimed_ms <= excluded.claimed_ms - ?",
                (user_id, now_ms, up_to, interval_ms),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def digested_up_to(self, user_id: int) -> int:
        row = await self._one("SELECT up_to FROM digest_claims WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0
