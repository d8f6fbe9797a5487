"""Blocks, contacts and the user directory in Cassandra (the `Blocks` and `Contacts` roles).

A user's blocks and contacts are one partition each. The directory (`users_by_prefix`) holds every live
username in a partition of its first character, clustered by the lowercase name: a prefix is a range read
of one partition, never a scan of every user. The accounts role writes it as users are made and deleted;
the accounts made before it existed are copied in once, by the first process that opens the store after
the migration (`CassandraContacts.migrate`), reading `users` a page at a time.
"""

from __future__ import annotations

from typing import Any

from chatcluster.store.base import UserRef
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.rows import username_range

BACKFILL_PAGE = 1000
MIN_TOKEN = -(2**63)


def directory_key(username: str) -> tuple[str, str]:
    """The `users_by_prefix` partition and clustering key of a username."""
    key = username.lower()
    return key[:1], key


def by_name(found: list[UserRef]) -> list[UserRef]:
    return sorted(found, key=lambda u: (u.username.lower(), u.user_id))


class CassandraBlocks(CassandraConnection):
    async def block(self, user_id: int, blocked: UserRef) -> None:
        await self._q(
            "INSERT INTO blocks (user_id, blocked_id, username) VALUES (?, ?, ?)",
            user_id,
            blocked.user_id,
            blocked.username,
        )

    async def unblock(self, user_id: int, blocked_id: int) -> None:
        await self._q("DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?", user_id, blocked_id)

    async def blocks_of(self, user_id: int) -> list[UserRef]:
        rows = await self._q("SELECT blocked_id, username FROM blocks WHERE user_id = ?", user_id)
        return by_name([UserRef(r.blocked_id, r.username) for r in rows])

    async def has_blocked(self, user_id: int, other_id: int) -> bool:
        rows = await self._q("SELECT blocked_id FROM blocks WHERE user_id = ? AND blocked_id = ?", user_id, other_id)
        return bool(rows)


class CassandraContacts(CassandraConnection):
    async def add_contact(self, user_id: int, contact: UserRef) -> None:
        await self._q(
            "INSERT INTO contacts (user_id, contact_id, username) VALUES (?, ?, ?)",
            user_id,
            contact.user_id,
            contact.username,
        )

    async def remove_contact(self, user_id: int, contact_id: int) -> None:
        await self._q("DELETE FROM contacts WHERE user_id = ? AND contact_id = ?", user_id, contact_id)

    async def contacts_of(self, user_id: int) -> list[UserRef]:
        rows = await self._q("SELECT contact_id, username FROM contacts WHERE user_id = ?", user_id)
        return by_name([UserRef(r.contact_id, r.username) for r in rows])

    async def users_by_prefix(self, prefix: str, limit: int) -> list[UserRef]:
        low, high = username_range(prefix)
        if not low:
            return []
        rows = await self._q(
            "SELECT user_id, username FROM users_by_prefix WHERE first = ? AND username_key >= ? AND username_key < ? "
            "LIMIT ?",
            low[:1],
            low,
            high,
            limit,
        )
        return [UserRef(r.user_id, r.username) for r in rows]

    async def migrate(self) -> list[int]:
        ran = await super().migrate()
        if await self._run("SELECT name FROM directory_backfill WHERE name = 'pending'"):
            await self._backfill_directory()
            await self._run("DELETE FROM directory_backfill WHERE name = 'pending'")
        return ran

    async def _backfill_directory(self) -> None:
        """Every live account into the directory, a token range page at a time (a crash re-runs it: upserts)."""
        after = MIN_TOKEN
        while True:
            rows: list[Any] = await self._q(
                "SELECT token(user_id) AS position, user_id, username, deleted FROM users "
                "WHERE token(user_id) > ? LIMIT ?",
                after,
                BACKFILL_PAGE,
            )
            await self._many(
                self._q(
                    "INSERT INTO users_by_prefix (first, username_key, user_id, username) VALUES (?, ?, ?, ?)",
                    *directory_key(r.username),
                    r.user_id,
                    r.username,
                )
                for r in rows
                if r.username and not r.deleted
            )
            if len(rows) < BACKFILL_PAGE:
                return
            after = rows[-1].position
