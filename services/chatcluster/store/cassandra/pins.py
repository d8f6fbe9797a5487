"""Pins in Cassandra (the `Pins` role): one partition per room, a handful of rows each, sorted on reading."""

from __future__ import annotations

from datetime import datetime

from chatcluster.store.base import Pin
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.times import epoch_ms, utc_datetime


class CassandraPins(CassandraConnection):
    """The `Pins` role: a room's pins are few (the gateway caps them), so they are read whole."""

    async def pin(self, room_id: str, message_id: int, by: int, at: datetime) -> bool:
        applied = await self._q(
            "INSERT INTO room_pins (room_id, message_id, pinned_ms, pinned_by) VALUES (?, ?, ?, ?) IF NOT EXISTS",
            room_id,
            message_id,
            epoch_ms(at),
            by,
        )
        return bool(applied[0][0])

    async def unpin(self, room_id: str, message_id: int) -> bool:
        applied = await self._q(
            "DELETE FROM room_pins WHERE room_id = ? AND message_id = ? IF EXISTS", room_id, message_id
        )
        return bool(applied[0][0])

    async def pins(self, room_id: str) -> list[Pin]:
        rows = await self._q("SELECT message_id, pinned_ms, pinned_by FROM room_pins WHERE room_id = ?", room_id)
        found = [Pin(r.message_id, utc_datetime(r.pinned_ms), r.pinned_by) for r in rows]
        return sorted(found, key=lambda p: (p.pinned_at, p.message_id), reverse=True)
