"""Users, sessions and the admin role in SQLite (the `Accounts` role)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chatcluster.models import User, UserSession
from chatcluster.store.rows import SESSION_COLUMNS, USER_COLUMNS, session_of, session_values, user_of, user_values
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms


class SqliteAccounts(SqliteConnection):
    async def create_user(self, user: User) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                user_values(user),
            )
            return cur.rowcount == 1

    async def get_user(self, user_id: int) -> User | None:
        row = await self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else user_of(row)

    async def get_user_by_name(self, username: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE username = ?", (username,))
        return None if row is None else user_of(row)

    async def _update_live_user(self, user_id: int, assignments: str, params: Sequence[Any]) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                f"UPDATE users SET {assignments} WHERE user_id = ? AND deleted = 0", (*params, user_id)
            )
            return cur.rowcount == 1

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        return await self._update_live_user(user_id, "password_hash = ?", (password_hash,))

    async def set_admin(self, user_id: int, is_admin: bool) -> bool:
        return await self._update_live_user(user_id, "is_admin = ?", (is_admin,))

    async def delete_user(self, user_id: int) -> bool:
        return await self._update_live_user(user_id, "password_hash = '', is_admin = 0, deleted = 1", ())

    async def create_session(self, session: UserSession) -> None:
        async with self._write() as db:
            # Cassandra's TTL drops expired sessions; here a user's new sign-in clears their expired ones.
            await db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND expires_ms <= ?",
                (session.user_id, epoch_ms(session.created_at)),
            )
            await db.execute(
                f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", session_values(session)
            )

    async def get_session(self, session_id: int) -> UserSession | None:
        row = await self._one("SELECT * FROM sessions WHERE session_id = ?", (session_id,))
        return None if row is None else session_of(row)

    async def touch_session(self, session: UserSession) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE sessions SET last_used_ms = ?, expires_ms = ? WHERE session_id = ?",
                (epoch_ms(session.last_used_at), epoch_ms(session.expires_at), session.session_id),
            )
            return cur.rowcount == 1

    async def sessions_of(self, user_id: int, now: datetime) -> list[UserSession]:
        rows = await self._all(
            "SELECT * FROM sessions WHERE user_id = ? AND expires_ms > ? ORDER BY created_ms, session_id",
            (user_id, epoch_ms(now)),
        )
        return [session_of(r) for r in rows]

    async def revoke_session(self, session_id: int) -> bool:
        async with self._write() as db:
            cur = await db.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
            return cur.rowcount == 1

    async def revoke_sessions(self, user_id: int, keep: int | None = None) -> list[int]:
        async with (
            self._write() as db,
            db.execute(
                "DELETE FROM sessions WHERE user_id = ? AND session_id IS NOT ? RETURNING session_id", (user_id, keep)
            ) as cur,
        ):
            return sorted(row[0] for row in await cur.fetchall())
