"""Rooms and membership in Cassandra (the `Rooms` role).

A room is claimed with a lightweight transaction and copied into `rooms_by_kind` for the directory
(while it is public) and into `rooms_by_user` for each member's room list; a change of name, topic or
privacy rewrites every copy. Seats are reserved by compare-and-set on the room's member count, so
concurrent joins never pass the limit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chatcluster.models import Member, Room, RoomKind, RoomRole
from chatcluster.store.base import JoinResult, RoomBan
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.rows import ROOM_COLUMNS, member_of, member_role, placeholders, room_of, room_values
from chatcluster.times import epoch_ms, utc_datetime

ROOM_MARKS = placeholders(ROOM_COLUMNS)


class CassandraRooms(CassandraConnection):
    async def create_room(self, room: Room) -> bool:
        values = room_values(room)
        created = await self._q(
            f"INSERT INTO rooms ({ROOM_COLUMNS}, member_count) VALUES ({ROOM_MARKS}, 0) IF NOT EXISTS", *values
        )
        if not created[0][0]:
            return False
        if not room.private:
            await self._q(f"INSERT INTO rooms_by_kind ({ROOM_COLUMNS}) VALUES ({ROOM_MARKS})", *values)
        return True

    async def get_room(self, room_id: str) -> Room | None:
        rows = await self._q(f"SELECT {ROOM_COLUMNS} FROM rooms WHERE room_id = ?", room_id)
        return room_of(rows[0]._asdict()) if rows else None

    async def group_rooms(self, limit: int) -> list[Room]:
        rows = await self._q(
            f"SELECT {ROOM_COLUMNS} FROM rooms_by_kind WHERE kind = ? LIMIT ?", RoomKind.GROUP.value, limit
        )
        return [room_of(r._asdict()) for r in rows]

    async def update_room(self, room: Room) -> bool:
        stored = await self.get_room(room.room_id)
        if stored is None:
            return False
        # Only what may change is taken from `room`: its kind, creator and creation time stay as stored.
        room = stored.model_copy(update={"name": room.name, "topic": room.topic, "private": room.private})
        await self._q(
            "UPDATE rooms SET name = ?, topic = ?, private = ? WHERE room_id = ?",
            room.name,
            room.topic,
            room.private,
            room.room_id,
        )
        values = room_values(room)
        if room.private or room.kind is not RoomKind.GROUP:
            await self._q(
                "DELETE FROM rooms_by_kind WHERE kind = ? AND created_ms = ? AND room_id = ?",
                room.kind.value,
                values[4],
                room.room_id,
            )
        else:
            await self._q(f"INSERT INTO rooms_by_kind ({ROOM_COLUMNS}) VALUES ({ROOM_MARKS})", *values)
        await self._many(
            self._q(f"INSERT INTO rooms_by_user (user_id, {ROOM_COLUMNS}) VALUES (?, {ROOM_MARKS})", user_id, *values)
            for user_id in await self._member_ids(room.room_id)
        )
        return True

    async def delete_room(self, room_id: str) -> bool:
        room = await self.get_room(room_id)
        if room is None:
            return False
        members = await self._member_ids(room_id)
        await self._q(
            "DELETE FROM rooms_by_kind WHERE kind = ? AND created_ms = ? AND room_id = ?",
            room.kind.value,
            room_values(room)[4],
            room_id,
        )
        await self._many(
            self._q("DELETE FROM rooms_by_user WHERE user_id = ? AND room_id = ?", user_id, room_id)
            for user_id in members
        )
        for table in ("room_members", "room_bans", "room_pins"):
            await self._q(f"DELETE FROM {table} WHERE room_id = ?", room_id)
        # The room row goes last: while any copy is left, the room can still be found and deleted again.
        await self._q("DELETE FROM rooms WHERE room_id = ?", room_id)
        return True

    async def _member_ids(self, room_id: str) -> list[int]:
        return [r.user_id for r in await self._q("SELECT user_id FROM room_members WHERE room_id = ?", room_id)]

    async def add_member(self, room_id: str, user_id: int, limit: int, role: RoomRole = RoomRole.MEMBER) -> JoinResult:
        room = await self.get_room(room_id)
        if room is None:
            return JoinResult.NO_SUCH_ROOM
        if await self.is_member(room_id, user_id):
            return JoinResult.ALREADY_MEMBER
        if await self._q("SELECT user_id FROM room_bans WHERE room_id = ? AND user_id = ?", room_id, user_id):
            return JoinResult.BANNED
        # Reserve a seat with compare-and-set on the room's count before joining: a crash in
        # between can only leave a seat reserved (the room looks fuller), never overfill it.
        if not await self._change_member_count(room_id, +1, limit):
            return JoinResult.ROOM_FULL
        joined = await self._q(
            "INSERT INTO room_members (room_id, user_id, username, joined_ms, role) VALUES (?, ?, ?, ?, ?) "
            "IF NOT EXISTS",
            room_id,
            user_id,
            await self._username(user_id) or "",
            epoch_ms(datetime.now(UTC)),
            role.value,
        )
        if not joined[0][0]:
            await self._change_member_count(room_id, -1, limit)
            return JoinResult.ALREADY_MEMBER
        await self._q(
            f"INSERT INTO rooms_by_user (user_id, {ROOM_COLUMNS}) VALUES (?, {ROOM_MARKS})",
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

    async def member_role(self, room_id: str, user_id: int) -> RoomRole | None:
        rows = await self._q("SELECT role FROM room_members WHERE room_id = ? AND user_id = ?", room_id, user_id)
        if not rows:
            return None
        if rows[0].role:
            return RoomRole(rows[0].role)
        room = await self.get_room(room_id)
        return RoomRole.MEMBER if room is None else member_role(None, room, user_id)

    async def set_member_role(self, room_id: str, user_id: int, role: RoomRole) -> bool:
        applied = await self._q(
            "UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ? IF EXISTS", role.value, room_id, user_id
        )
        return bool(applied[0][0])

    async def members(self, room_id: str) -> list[Member]:
        rows = [
            r._asdict()
            for r in await self._q(
                "SELECT user_id, username, joined_ms, role FROM room_members WHERE room_id = ?", room_id
            )
        ]
        room = await self.get_room(room_id) if any(not r["role"] for r in rows) else None
        members = (
            member_of(r, RoomRole(r["role"]) if r["role"] or room is None else member_role(None, room, r["user_id"]))
            for r in rows
        )
        return sorted(members, key=lambda m: (m.joined_at, m.user_id))

    async def rooms_of(self, user_id: int) -> list[Room]:
        rows = await self._q(f"SELECT {ROOM_COLUMNS} FROM rooms_by_user WHERE user_id = ?", user_id)
        return sorted((room_of(r._asdict()) for r in rows), key=lambda r: (r.created_at, r.room_id))

    # -- bans ---------------------------------------------------------------------------------------

    async def ban(self, room_id: str, user_id: int, by: int, at: datetime) -> bool:
        applied = await self._q(
            "INSERT INTO room_bans (room_id, user_id, username, banned_ms, banned_by) VALUES (?, ?, ?, ?, ?) "
            "IF NOT EXISTS",
            room_id,
            user_id,
            await self._username(user_id) or "",
            epoch_ms(at),
            by,
        )
        return bool(applied[0][0])

    async def unban(self, room_id: str, user_id: int) -> bool:
        applied = await self._q("DELETE FROM room_bans WHERE room_id = ? AND user_id = ? IF EXISTS", room_id, user_id)
        return bool(applied[0][0])

    async def bans(self, room_id: str) -> list[RoomBan]:
        rows = await self._q("SELECT user_id, username, banned_ms, banned_by FROM room_bans WHERE room_id = ?", room_id)
        found = [RoomBan(r.user_id, r.username, utc_datetime(r.banned_ms), r.banned_by) for r in rows]
        return sorted(found, key=lambda b: b.username.lower())
