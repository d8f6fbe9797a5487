"""Blocks, contacts and the user directory in SQLite (the `Blocks` and `Contacts` roles).

The directory reads the `users` table's own unique index on the username (case-insensitive, NOCASE): a
prefix is a range of that index, so finding names costs the names found, never a scan of every user.
"""

from __future__ import annotations

from chatcluster.store.base import UserRef
from chatcluster.store.rows import username_range
from chatcluster.store.sqlite.connection import SqliteConnection


class SqliteBlocks(SqliteConnection):
    async def block(self, user_id: int, blocked: UserRef) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO blocks (user_id, blocked_id, username) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (user_id, blocked.user_id, blocked.username),
            )

    async def unblock(self, user_id: int, blocked_id: int) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, blocked_id))

    async def blocks_of(self, user_id: int) -> list[UserRef]:
        rows = await self._all(
            "SELECT blocked_id, username FROM blocks WHERE user_id = ? ORDER BY username COLLATE NOCASE", (user_id,)
        )
        return [UserRef(r["blocked_id"], r["username"]) for r in rows]

    async def has_blocked(self, user_id: int, other_id: int) -> bool:
        found = await self._one("SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?", (user_id, other_id))
        return found is not None


class SqliteContacts(SqliteConnection):
    async def add_contact(self, user_id: int, contact: UserRef) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO contacts (user_id, contact_id, username) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (user_id, contact.user_id, contact.username),
            )

    async def remove_contact(self, user_id: int, contact_id: int) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM contacts WHERE user_id = ? AND contact_id = ?", (user_id, contact_id))

    async def contacts_of(self, user_id: int) -> list[UserRef]:
        rows = await self._all(
            "SELECT contact_id, username FROM contacts WHERE user_id = ? ORDER BY username COLLATE NOCASE", (user_id,)
        )
        return [UserRef(r["contact_id"], r["username"]) for r in rows]

    async def users_by_prefix(self, prefix: str, limit: int) -> list[UserRef]:
        low, high = username_range(prefix)
        # `username` is declared NOCASE, so these comparisons fold case and walk its unique index.
        rows = await self._all(
            "SELECT user_id, username FROM users WHERE username >= ? AND username < ? AND deleted = 0 "
            "ORDER BY username LIMIT ?",
            (low, high, limit),
        )
        return [UserRef(r["user_id"], r["username"]) for r in rows]
