"""Read markers and unread counts in SQLite (the `ReadMarkers` role).

A marker is raised with one upsert that keeps the larger id, so it never moves back; a count reads
the room's messages after the marker in key order and stops at the cap.
"""

from __future__ import annotations

from chatcluster.ids import bucket_of
from chatcluster.store.sqlite.connection import SqliteConnection


class SqliteReadMarkers(SqliteConnection):
    async def advance_read_marker(self, user_id: int, room_id: str, message_id: int) -> int:
        async with (
            self._write() as db,
            db.execute(
                "INSERT INTO read_markers (user_id, room_id, message_id) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, room_id) DO UPDATE SET message_id = MAX(message_id, excluded.message_id) "
                "RETURNING message_id",
                (user_id, room_id, message_id),
            ) as cur,
        ):
            row = await cur.fetchone()
        return int(row[0]) if row is not None else message_id

    async def read_markers_of(self, user_id: int) -> dict[str, int]:
        rows = await self._all("SELECT room_id, message_id FROM read_markers WHERE user_id = ?", (user_id,))
        return {r[0]: r[1] for r in rows}

    async def read_markers_in(self, room_id: str) -> dict[int, int]:
        rows = await self._all("SELECT user_id, message_id FROM read_markers WHERE room_id = ?", (room_id,))
        return {r[0]: r[1] for r in rows}

    async def count_after(self, room_id: str, after_id: int, cap: int, *, not_by: int | None = None) -> int:
        # The inner LIMIT bounds the rows read, whatever the room holds after the marker.
        row = await self._one(
            "SELECT COUNT(*), COALESCE(SUM(deleted = 0 AND author_id IS NOT ?), 0) FROM ("
            "SELECT deleted, author_id FROM messages WHERE room_id = ? AND bucket >= ? AND message_id > ? "
            "ORDER BY bucket, message_id LIMIT ?)",
            (not_by, room_id, bucket_of(after_id), after_id, cap),
        )
        if row is None:
            return 0
        read, live = int(row[0]), int(row[1])
        return cap if read >= cap else live
