"""Creators, their lists and broadcasts in Cassandra (the `CreatorLists` and `Broadcasts` roles).

A list's members are one partition (by user id); a creator's lists one partition of `lists_by_creator`. A
broadcast's frozen recipients are one row written with `IF NOT EXISTS`: the first freeze wins on every replica,
and a loser reads the winner's recipients from the answer. Outcomes are one partition per broadcast."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from chatcluster.store.base import BroadcastRecord, CreatorList, Recipient, UserRef
from chatcluster.store.cassandra.connection import CassandraConnection


def _recipients(body: str) -> list[Recipient]:
    return [Recipient(user, message) for user, message in json.loads(body)]


class CassandraCreatorLists(CassandraConnection):
    async def set_creator(self, user_id: int, creator: bool) -> None:
        if creator:
            await self._q("INSERT INTO creators (user_id) VALUES (?)", user_id)
        else:
            await self._q("DELETE FROM creators WHERE user_id = ?", user_id)

    async def is_creator(self, user_id: int) -> bool:
        return bool(await self._q("SELECT user_id FROM creators WHERE user_id = ?", user_id))

    async def create_list(self, item: CreatorList) -> None:
        await self._q(
            "INSERT INTO creator_lists (list_id, creator_id, name, created_ms) VALUES (?, ?, ?, ?)",
            item.list_id,
            item.creator_id,
            item.name,
            item.created_ms,
        )
        await self._q("INSERT INTO lists_by_creator (creator_id, list_id) VALUES (?, ?)", item.creator_id, item.list_id)

    async def get_list(self, list_id: int) -> CreatorList | None:
        rows = await self._q(
            "SELECT list_id, creator_id, name, created_ms FROM creator_lists WHERE list_id = ?", list_id
        )
        return CreatorList(rows[0].list_id, rows[0].creator_id, rows[0].name, rows[0].created_ms) if rows else None

    async def lists_of(self, creator_id: int) -> list[CreatorList]:
        rows = await self._q("SELECT list_id FROM lists_by_creator WHERE creator_id = ?", creator_id)
        found = await self._many(self.get_list(r.list_id) for r in rows)
        return [item for item in found if item is not None]

    async def rename_list(self, list_id: int, name: str) -> None:
        await self._q("UPDATE creator_lists SET name = ? WHERE list_id = ?", name, list_id)

    async def delete_list(self, list_id: int) -> None:
        found = await self.get_list(list_id)
        await self._q("DELETE FROM list_members WHERE list_id = ?", list_id)
        if found is not None:
            await self._q(
                "DELETE FROM lists_by_creator WHERE creator_id = ? AND list_id = ?", found.creator_id, list_id
            )
        await self._q("DELETE FROM creator_lists WHERE list_id = ?", list_id)

    async def add_list_members(self, list_id: int, members: Sequence[UserRef]) -> None:
        await self._many(
            self._q(
                "INSERT INTO list_members (list_id, user_id, username) VALUES (?, ?, ?)", list_id, m.user_id, m.username
            )
            for m in members
        )

    async def remove_list_member(self, list_id: int, user_id: int) -> None:
        await self._q("DELETE FROM list_members WHERE list_id = ? AND user_id = ?", list_id, user_id)

    async def list_members(self, list_id: int) -> list[UserRef]:
        rows = await self._q("SELECT user_id, username FROM list_members WHERE list_id = ?", list_id)
        return [UserRef(r.user_id, r.username) for r in rows]

    async def list_size(self, list_id: int) -> int:
        rows = await self._q("SELECT COUNT(*) AS n FROM list_members WHERE list_id = ?", list_id)
        return int(rows[0].n) if rows else 0


class CassandraBroadcasts(CassandraConnection):
    async def put_broadcast(self, broadcast: BroadcastRecord) -> None:
        await self._q(
            "INSERT INTO broadcasts (broadcast_id, creator_id, list_id, text) VALUES (?, ?, ?, ?)",
            broadcast.broadcast_id,
            broadcast.creator_id,
            broadcast.list_id,
            broadcast.text,
        )

    async def get_broadcast(self, broadcast_id: int) -> BroadcastRecord | None:
        rows = await self._q(
            "SELECT broadcast_id, creator_id, list_id, text FROM broadcasts WHERE broadcast_id = ?", broadcast_id
        )
        if not rows:
            return None
        return BroadcastRecord(rows[0].broadcast_id, rows[0].creator_id, rows[0].list_id, rows[0].text)

    async def freeze_recipients(self, broadcast_id: int, recipients: Sequence[Recipient]) -> list[Recipient]:
        body = json.dumps([[r.user_id, r.message_id] for r in recipients])
        answer = await self._q(
            "INSERT INTO broadcast_recipients (broadcast_id, total, recipients) VALUES (?, ?, ?) IF NOT EXISTS",
            broadcast_id,
            len(recipients),
            body,
        )
        if answer[0][0]:
            return list(recipients)
        return _recipients(answer[0]._asdict()["recipients"])

    async def record_outcomes(self, broadcast_id: int, outcomes: Mapping[int, bool]) -> None:
        await self._many(
            self._q(
                "INSERT INTO broadcast_outcomes (broadcast_id, user_id, delivered) VALUES (?, ?, ?)",
                broadcast_id,
                user,
                delivered,
            )
            for user, delivered in outcomes.items()
        )

    async def broadcast_outcomes(self, broadcast_id: int) -> dict[int, bool]:
        rows = await self._q("SELECT user_id, delivered FROM broadcast_outcomes WHERE broadcast_id = ?", broadcast_id)
        return {r.user_id: bool(r.delivered) for r in rows}

    async def broadcast_total(self, broadcast_id: int) -> int | None:
        rows = await self._q("SELECT total FROM broadcast_recipients WHERE broadcast_id = ?", broadcast_id)
        return int(rows[0].total) if rows else None
