"""Pins in SQLite (the `Pins` role)."""

from __future__ import annotations

from datetime import datetime

from chatcluster.store.base import Pin
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms, utc_datetime


class SqlitePins(SqliteConnection):
    """The `Pins` role: one row per pinned message of a room."""

    async def pin(self, room_id: str, message_id: int, by: int, at: datetime) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "INSERT INTO room_pins (room_id, message_id, pinned_ms, pinned_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (room_id, message_id, epoch_ms(at), by),
            )
            return cur.rowcount == 1

    async def unpin(self, room_id: str, message_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM room_pins WHERE room_id = ? AND message_id = ?", (room_id, message_id))
            return cur.rowcount == 1

    async def pins(self, room_id: str) -> list[Pin]:
        rows = await self._all(
            "SELECT message_id, pinned_ms, pinned_by FROM room_pins WHERE room_id = ? "
            "ORDER BY pinned_ms DESC, message_id DESC",
            (room_id,),
        )
        return [Pin(r["message_id"], utc_datetime(r["pinned_ms"]), r["pinned_by"]) for r in rows]
