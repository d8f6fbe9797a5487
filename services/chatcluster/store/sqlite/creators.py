"""Creators, their lists and broadcasts in SQLite (the `CreatorLists` and `Broadcasts` roles).

A broadcast's frozen recipients are one JSON row written insert-if-absent in one transaction, so a worker killed
while freezing leaves either nothing or the whole list, and the first freeze wins."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from chatcluster.store.base import BroadcastRecord, CreatorList, Recipient, UserRef
from chatcluster.store.sqlite.connection import SqliteConnection


class SqliteCreatorLists(SqliteConnection):
    async def set_creator(self, user_id: int, creator: bool) -> None:
        async with self._write() as db:
            if creator:
                await db.execute("INSERT INTO creators (user_id) VALUES (?) ON CONFLICT DO NOTHING", (user_id,))
            else:
                await db.execute("DELETE FROM creators WHERE user_id = ?", (user_id,))

    async def is_creator(self, user_id: int) -> bool:
        return await self._one("SELECT 1 FROM creators WHERE user_id = ?", (user_id,)) is not None

    async def create_list(self, item: CreatorList) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO creator_lists (list_id, creator_id, name, created_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (item.list_id, item.creator_id, item.name, item.created_ms),
            )

    async def get_list(self, list_id: int) -> CreatorList | None:
        row = await self._one("SELECT * FROM creator_lists WHERE list_id = ?", (list_id,))
        return None if row is None else CreatorList(row["list_id"], row["creator_id"], row["name"], row["created_ms"])

    async def lists_of(self, creator_id: int) -> list[CreatorList]:
        rows = await self._all("SELECT * FROM creator_lists WHERE creator_id = ? ORDER BY list_id", (creator_id,))
        return [CreatorList(r["list_id"], r["creator_id"], r["name"], r["created_ms"]) for r in rows]

    async def rename_list(self, list_id: int, name: str) -> None:
        async with self._write() as db:
            await db.execute("UPDATE creator_lists SET name = ? WHERE list_id = ?", (name, list_id))

    async def delete_list(self, list_id: int) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM list_members WHERE list_id = ?", (list_id,))
            await db.execute("DELETE FROM creator_lists WHERE list_id = ?", (list_id,))

    async def add_list_members(self, list_id: int, members: Sequence[UserRef]) -> None:
        async with self._write() as db:
            await db.executemany(
                "INSERT INTO list_members (list_id, user_id, username) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(list_id, m.user_id, m.username) for m in members],
            )

    async def remove_list_member(self, list_id: int, user_id: int) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM list_members WHERE list_id = ? AND user_id = ?", (list_id, user_id))

    async def list_members(self, list_id: int) -> list[UserRef]:
        rows = await self._all(
            "SELECT user_id, username FROM list_members WHERE list_id = ? ORDER BY user_id", (list_id,)
        )
        return [UserRef(r["user_id"], r["username"]) for r in rows]

    async def list_size(self, list_id: int) -> int:
        row = await self._one("SELECT COUNT(*) AS n FROM list_members WHERE list_id = ?", (list_id,))
        return int(row["n"]) if row else 0


class SqliteBroadcasts(SqliteConnection):
    async def put_broadcast(self, broadcast: BroadcastRecord) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO broadcasts (broadcast_id, creator_id, list_id, text) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (broadcast.broadcast_id, broadcast.creator_id, broadcast.list_id, broadcast.text),
            )

    async def get_broadcast(self, broadcast_id: int) -> BroadcastRecord | None:
        row = await self._one("SELECT * FROM broadcasts WHERE broadcast_id = ?", (broadcast_id,))
        if row is None:
            return None
        return BroadcastRecord(row["broadcast_id"], row["creator_id"], row["list_id"], row["text"])

    async def freeze_recipients(self, broadcast_id: int, recipients: Sequence[Recipient]) -> list[Recipient]:
        body = json.dumps([[r.user_id, r.message_id] for r in recipients])
        async with self._write() as db:
            await db.execute(
                "INSERT INTO broadcast_recipients (broadcast_id, total, recipients) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (broadcast_id, len(recipients), body),
            )
        row = await self._one("SELECT recipients FROM broadcast_recipients WHERE broadcast_id = ?", (broadcast_id,))
        assert row is not None  # written just above, never deleted
        return [Recipient(user, message) for user, message in json.loads(row["recipients"])]

    async def record_outcomes(self, broadcast_id: int, outcomes: Mapping[int, bool]) -> None:
        async with self._write() as db:
            await db.executemany(
                "INSERT INTO broadcast_outcomes (broadcast_id, user_id, delivered) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [(broadcast_id, user, int(delivered)) for user, delivered in outcomes.items()],
            )

    async def broadcast_outcomes(self, broadcast_id: int) -> dict[int, bool]:
        rows = await self._all(
            "SELECT user_id, delivered FROM broadcast_outcomes WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {r["user_id"]: bool(r["delivered"]) for r in rows}

    async def broadcast_total(self, broadcast_id: int) -> int | None:
        row = await self._one("SELECT total FROM broadcast_recipients WHERE broadcast_id = ?", (broadcast_id,))
        return None if row is None else int(row["total"])
