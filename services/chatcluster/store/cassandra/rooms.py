"""Rooms and membership in Cassandra (the `Rooms` role).

A room is claimed with a lightweight transaction and copied into `rooms_by_kind` for the directory;
a member row is copied into `rooms_by_user` for a user's room list. Seats are reserved by
compare-and-set on the room's member count, so concurrent joins never pass the limit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.models import Member, Room, RoomKind
from chatcluster.store.base import JoinResult
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.rows import ROOM_COLUMNS, member_of, room_of, room_values
from chatcluster.times import epoch_ms


class CassandraRooms(CassandraConnection):
    async def create_room(self, room: Room) -> bool:
        values = room_values(room)
        created = await self._q(
            f"INSERT INTO rooms ({ROOM_COLUMNS}, member_count) VALUES (?, ?, ?, ?, ?, 0) IF NOT EXISTS", *values
        )
        if not created[0][0]:
            return False
        await self._q(f"INSERT INTO rooms_by_kind ({ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?)", *values)
        return True

    async def get_room(self, room_id: str) -> Room | None:
        rows = await self._q(f"SELECT {ROOM_COLUMNS} FROM rooms WHERE room_id = ?", room_id)
        return room_of(rows[0]._asdict()) if rows else None

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._q(
            f"SELECT {ROOM_COLUMNS} FROM rooms_by_kind WHERE kind = ? LIMIT ?", RoomKind.GROUP.value, limit
        )
        return [room_of(r._asdict()) for r in rows]

    async def add_member(self, room_id: str, user_id: int, limit: int) -> JoinResult:
        room = await self.get_room(room_id)
        if room is None:
            return JoinResult.NO_SUCH_ROOM
        if await self.is_member(room_id, user_id):
            return JoinResult.ALREADY_MEMBER
        # Reserve a seat with compare-and-set on the room's count before joining: a crash in
        # between can only leave a seat reserved (the room looks fuller), never overfill it.
        if not await self._change_member_count(room_id, +1, limit):
            return JoinResult.ROOM_FULL
        joined = await self._q(
            "INSERT INTO room_members (room_id, user_id, username, joined_ms) VALUES (?, ?, ?, ?) IF NOT EXISTS",
            room_id,
            user_id,
            await self._username(user_id) or "",
            epoch_ms(datetime.now(UTC)),
        )
        if not joined[0][0]:
            await self._change_member_count(room_id, -1, limit)
            return JoinResult.ALREADY_MEMBER
        await self._q(
            f"INSERT INTO rooms_by_user (user_id, {ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            user_id,
            *room_values(room),
        )
        return JoinResult.JOINED

    async def _change_member_count(self, room_id: str, step: int, limit: int) -> bool:
        """Compare-and-set the room's member count by `step`; False when a join would pass `limit`."""
        rows = await self._q("SELECT member_count FROM rooms WHERE room_id = ?", room_id)
        current = (rows[0].member_count or 0) if rows else 0
        while True:
            if step > 0 and current + step > limit:
                return False
            applied = await self._q(
                "UPDATE rooms SET member_count = ? WHERE room_id = ? IF member_count = ?",
                max(current + step, 0),
                room_id,
                current,
            )
            if applied[0][0]:
                return True
            current = applied[0].member_count or 0  # someone else moved it: retry from their value

    async def remove_member(self, room_id: str, user_id: int) -> bool:
        left = await self._q("DELETE FROM room_members WHERE room_id = ? AND user_id = ? IF EXISTS", room_id, user_id)
        if not left[0][0]:
            return False
        await self._q("DELETE FROM rooms_by_user WHERE user_id = ? AND room_id = ?", user_id, room_id)
        await self._change_member_count(room_id, -1, limit=0)
        return True

    async def is_member(self, room_id: str, user_id: int) -> bool:
        return bool(
            await self._q("SELECT user_id FROM room_members WHERE room_id = ? AND user_id = ?", room_id, user_id)
        )

    async def members(self, room_id: str) -> list[Member]:
        rows = await self._q("SELECT user_id, username, joined_ms FROM room_members WHERE room_id = ?", room_id)
        return sorted((member_of(r._asdict()) for r in rows), key=lambda m: (m.joined_at, m.user_id))

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._q(f"SELECT {ROOM_COLUMNS} FROM rooms_by_user WHERE user_id = ?", user_id)
        return sorted((room_of(r._asdict()) for r in rows), key=lambda r: (r.created_at, r.room_id))
