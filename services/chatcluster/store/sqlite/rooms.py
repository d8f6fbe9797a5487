"""Rooms and membership in SQLite (the `Rooms` role): a join is checked and written in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.models import Member, Room, RoomRole
from chatcluster.store.base import JoinResult, RoomBan
from chatcluster.store.rows import ROOM_COLUMNS, member_of, placeholders, room_of, room_values
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms, utc_datetime


class SqliteRooms(SqliteConnection):
    async def create_room(self, room: Room) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                f"INSERT INTO rooms ({ROOM_COLUMNS}) VALUES ({placeholders(ROOM_COLUMNS)}) ON CONFLICT DO NOTHING",
                room_values(room),
            )
            return cur.rowcount == 1

    async def get_room(self, room_id: str) -> Room | None:
        row = await self._one("SELECT * FROM rooms WHERE room_id = ?", (room_id,))
        return None if row is None else room_of(row)

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._all(
            "SELECT * FROM rooms WHERE kind = 'group' AND private = 0 ORDER BY created_ms DESC, room_id LIMIT ?",
            (limit,),
        )
        return [room_of(r) for r in rows]

    async def update_room(self, room: Room) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE rooms SET name = ?, topic = ?, private = ? WHERE room_id = ?",
                (room.name, room.topic, room.private, room.room_id),
            )
            return cur.rowcount == 1

    async def delete_room(self, room_id: str) -> bool:
        async with self._write() as db:
            for table in ("room_members", "room_bans", "room_pins"):
                await db.execute(f"DELETE FROM {table} WHERE room_id = ?", (room_id,))
            cur = await db.execute("DELETE FROM rooms WHERE room_id = ?", (room_id,))
            return cur.rowcount == 1

    async def add_member(self, room_id: str, user_id: int, limit: int, role: RoomRole = RoomRole.MEMBER) -> JoinResult:
        async with self._write():
            return await self._add_member_locked(room_id, user_id, limit, role)

    async def _add_member_locked(self, room_id: str, user_id: int, limit: int, role: RoomRole) -> JoinResult:
        if await self._one("SELECT 1 FROM rooms WHERE room_id = ?", (room_id,)) is None:
            return JoinResult.NO_SUCH_ROOM
        if await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id)):
            return JoinResult.ALREADY_MEMBER
        if await self._one("SELECT 1 FROM room_bans WHERE room_id = ? AND user_id = ?", (room_id, user_id)):
            return JoinResult.BANNED
        row = await self._one("SELECT COUNT(*) FROM room_members WHERE room_id = ?", (room_id,))
        if row is not None and row[0] >= limit:
            return JoinResult.ROOM_FULL
        await self.db.execute(
            "INSERT INTO room_members (room_id, user_id, joined_ms, role) VALUES (?, ?, ?, ?)",
            (room_id, user_id, epoch_ms(datetime.now(UTC)), role.value),
        )
        return JoinResult.JOINED

    async def remove_member(self, room_id: str, user_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
            return cur.rowcount == 1

    async def is_member(self, room_id: str, user_id: int) -> bool:
        row = await self._one("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
        return row is not None

    async def member_role(self, room_id: str, user_id: int) -> RoomRole | None:
        row = await self._one("SELECT role FROM room_members WHERE room_id = ? AND user_id = ?", (room_id, user_id))
        return None if row is None else RoomRole(row["role"])

    async def set_member_role(self, room_id: str, user_id: int, role: RoomRole) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?", (role.value, room_id, user_id)
            )
            return cur.rowcount == 1

    async def members(self, room_id: str) -> list[Member]:
        rows = await self._all(
            "SELECT m.user_id, u.username, m.joined_ms, m.role FROM room_members m "
            "JOIN users u ON u.user_id = m.user_id WHERE m.room_id = ? ORDER BY m.joined_ms, m.user_id",
            (room_id,),
        )
        return [member_of(r, RoomRole(r["role"])) for r in rows]

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._all(
            "SELECT r.* FROM room_members m JOIN rooms r ON r.room_id = m.room_id "
            "WHERE m.user_id = ? ORDER BY r.created_ms, r.room_id",
            (user_id,),
        )
        return [room_of(r) for r in rows]

    # -- bans ---------------------------------------------------------------------------------------

    async def ban(self, room_id: str, user_id: int, by: int, at: datetime) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "INSERT INTO room_bans (room_id, user_id, banned_ms, banned_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (room_id, user_id, epoch_ms(at), by),
            )
            return cur.rowcount == 1

    async def unban(self, room_id: str, user_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM room_bans WHERE room_id = ? AND user_id = ?", (room_id, user_id))
            return cur.rowcount == 1

    async def bans(self, room_id: str) -> list[RoomBan]:
        rows = await self._all(
            "SELECT b.user_id, u.username, b.banned_ms, b.banned_by FROM room_bans b "
            "JOIN users u ON u.user_id = b.user_id WHERE b.room_id = ? ORDER BY u.username COLLATE NOCASE",
            (room_id,),
        )
        return [RoomBan(r["user_id"], r["username"], utc_datetime(r["banned_ms"]), r["banned_by"]) for r in rows]
