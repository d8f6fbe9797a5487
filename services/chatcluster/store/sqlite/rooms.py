"""Rooms and membership in SQLite (the `Rooms` role): a join is checked and written in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.models import Member, Room
from chatcluster.store.base import JoinResult
from chatcluster.store.rows import ROOM_COLUMNS, member_of, room_of, room_values
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms


class SqliteRooms(SqliteConnection):
    async def create_room(self, room: Room) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                f"INSERT INTO rooms ({ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", room_values(room)
            )
            return cur.rowcount == 1

    async def get_room(self, room_id: str) -> Room | None:
        row = await self._one("SELECT * FROM rooms WHERE room_id = ?", (room_id,))
        return None if row is None else room_of(row)

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._all(
            "SELECT * FROM rooms WHERE kind = 'group' ORDER BY created_ms DESC, room_id LIMIT ?", (limit,)
        )
        return [room_of(r) for r in rows]

    async def add_member(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        async with self._write():
            return await self._add_member_locked(room_id, user_id, limit)

    async def _add_member_locked(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        if await self._one("SELECT 1 FROM rooms WHERE room_id = ?", (room_id,)) is None:
            return JoinResult.NO_SUCH_ROOM
        if await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id)):
            return JoinResult.ALREADY_MEMBER
        row = await self._one("SELECT COUNT(*) FROM room_members WHERE room_id = ?", (room_id,))
        if row is not None and row[0] >= limit:
            return JoinResult.ROOM_FULL
        await self.db.execute(
            "INSERT INTO room_members VALUES (?, ?, ?)", (room_id, user_id, epoch_ms(datetime.now(UTC)))
        )
        return JoinResult.JOINED

    async def remove_member(self, room_id: str, user_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
            return cur.rowcount == 1

    async def is_member(self, room_id: str, user_id: int) -> bool:
        row = await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
        return row is not None

    async def members(self, room_id: str) -> list[Member]:
        rows = await self._all(
            "SELECT m.user_id, u.username, m.joined_ms FROM room_members m "
            "JOIN users u ON u.user_id = m.user_id WHERE m.room_id = ? ORDER BY m.joined_ms, m.user_id",
            (room_id,),
        )
        return [member_of(r) for r in rows]

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._all(
            "SELECT r.* FROM room_members m JOIN rooms r ON r.room_id = m.room_id "
            "WHERE m.user_id = ? ORDER BY r.created_ms, r.room_id",
            (user_id,),
        )
        return [room_of(r) for r in rows]
