"""Users, sessions and the admin role in Cassandra (the `Accounts` role).

A username is claimed with a lightweight transaction on `users_by_name`; `users` holds a user's
mutable fields. Sessions expire through their TTL, renewed with every refresh; plain inserts, then
compare-and-set, so a refresh never revives a revoked session.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from chatcluster.models import User, UserSession
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.store.cassandra.people import directory_key
from chatcluster.store.rows import SESSION_COLUMNS, USER_COLUMNS, session_of, session_values, user_of, user_values


def _session_ttl(session: UserSession) -> int:
    return max(1, math.ceil((session.expires_at - datetime.now(UTC)).total_seconds()))


class CassandraAccounts(CassandraConnection):
    async def create_user(self, user: User) -> bool:
        values = user_values(user)
        claimed = await self._q(
            "INSERT INTO users_by_name (username_key, user_id, username, password_hash, created_ms) "
            "VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
            user.username.lower(),
            *values[:4],  # user_id, username, password_hash, created_ms
        )
        if not claimed[0][0]:
            return False
        await self._q(
            f"INSERT INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            *values,
        )
        await self._q(
            "INSERT INTO users_by_prefix (first, username_key, user_id, username) VALUES (?, ?, ?, ?)",
            *directory_key(user.username),
            user.user_id,
            user.username,
        )
        return True

    async def get_user(self, user_id: int) -> User | None:
        rows = await self._q(
            f"SELECT {USER_COLUMNS} FROM users WHERE user_id = ?",
            user_id,
        )
        return user_of(rows[0]._asdict()) if rows else None

    async def get_user_by_name(self, username: str) -> User | None:
        rows = await self._q("SELECT user_id FROM users_by_name WHERE username_key = ?", username.lower())
        return await self.get_user(rows[0].user_id) if rows else None

    async def _set_password_hash(self, user: User, password_hash: str) -> None:
        # users_by_name keeps a copy from registration: no superseded hash may stay behind there.
        await self._many(
            [
                self._q("UPDATE users SET password_hash = ? WHERE user_id = ?", password_hash, user.user_id),
                self._q(
                    "UPDATE users_by_name SET password_hash = ? WHERE username_key = ?",
                    password_hash,
                    user.username.lower(),
                ),
            ]
        )

    async def _live_user(self, user_id: int) -> User | None:
        user = await self.get_user(user_id)
        return None if user is None or user.deleted else user

    async def set_password_hash(self, user_id: int, password_hash: str) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._set_password_hash(user, password_hash)
        return user is not None

    async def set_admin(self, user_id: int, is_admin: bool) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._q("UPDATE users SET is_admin = ? WHERE user_id = ?", is_admin, user_id)
        return user is not None

    async def delete_user(self, user_id: int) -> bool:
        user = await self._live_user(user_id)
        if user is not None:
            await self._q("UPDATE users SET is_admin = false, deleted = true WHERE user_id = ?", user_id)
            await self._set_password_hash(user, "")
            await self._q(
                "DELETE FROM users_by_prefix WHERE first = ? AND username_key = ?", *directory_key(user.username)
            )
        return user is not None

    # -- sessions -----------------------------------------------------------------------------------

    async def _index_session(self, session: UserSession, ttl: int) -> None:
        await self._q(
            "INSERT INTO sessions_by_user (user_id, session_id) VALUES (?, ?) USING TTL ?",
            session.user_id,
            session.session_id,
            ttl,
        )

    async def create_session(self, session: UserSession) -> None:
        ttl = _session_ttl(session)
        await self._q(
            f"INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?",
            *session_values(session),
            ttl,
        )
        await self._index_session(session, ttl)

    async def get_session(self, session_id: int) -> UserSession | None:
        rows = await self._q(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?",
            session_id,
        )
        return session_of(rows[0]._asdict()) if rows else None

    async def touch_session(self, session: UserSession) -> bool:
        # Every column is written again: a TTL applies per column, and the whole row must live on.
        ttl = _session_ttl(session)
        session_id, *columns = session_values(session)
        applied = await self._q(
            "UPDATE sessions USING TTL ? SET user_id = ?, secret_hash = ?, created_ms = ?, last_used_ms = ?, "
            "expires_ms = ?, user_agent = ? WHERE session_id = ? IF EXISTS",
            ttl,
            *columns,
            session_id,
        )
        if not applied[0][0]:
            return False
        await self._index_session(session, ttl)
        return True

    async def sessions_of(self, user_id: int, now: datetime) -> list[UserSession]:
        rows = await self._q("SELECT session_id FROM sessions_by_user WHERE user_id = ?", user_id)
        found = await self._many(self.get_session(r.session_id) for r in rows)
        live = [s for s in found if s is not None and s.user_id == user_id and s.expires_at > now]
        return sorted(live, key=lambda s: (s.created_at, s.session_id))

    async def _end_session(self, user_id: int, session_id: int) -> bool:
        ended = await self._q("DELETE FROM sessions WHERE session_id = ? IF EXISTS", session_id)
        await self._q("DELETE FROM sessions_by_user WHERE user_id = ? AND session_id = ?", user_id, session_id)
        return bool(ended[0][0])

    async def revoke_session(self, session_id: int) -> bool:
        session = await self.get_session(session_id)
        return session is not None and await self._end_session(session.user_id, session_id)

    async def revoke_sessions(self, user_id: int, keep: int | None = None) -> list[int]:
        rows = await self._q("SELECT session_id FROM sessions_by_user WHERE user_id = ?", user_id)
        ids = [r.session_id for r in rows if r.session_id != keep]
        ended = await self._many(self._end_session(user_id, session_id) for session_id in ids)
        return sorted(session_id for session_id, done in zip(ids, ended, strict=True) if done)
