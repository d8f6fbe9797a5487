"""A small client for the gateway's API, shared by the CLI and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from chatcluster import __version__


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class ChatClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        refresh_token: str | None = None,
        user_agent: str = f"chatcluster-client/{__version__}",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.refresh_token = refresh_token
        self.session_id: str | None = None
        self.expires_at: datetime | None = None
        self.user_id: str | None = None
        self.username: str | None = None
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=30, headers={"User-Agent": user_agent})

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        return await self._http.request(method, path, headers=headers, **kwargs)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = str(response.json().get("detail", response.text))
            except ValueError:
                detail = response.text
            raise ApiProblem(response.status_code, detail)
        return None if response.status_code == 204 else response.json()

    def _signed_in(self, body: dict[str, Any]) -> dict[str, Any]:
        self.token, self.refresh_token = body["access_token"], body["refresh_token"]
        self.session_id, self.user_id, self.username = body["session_id"], body["user_id"], body["username"]
        self.expires_at = datetime.fromisoformat(body["expires_at"])
        return body

    async def register(self, username: str, password: str) -> dict[str, Any]:
        return self._signed_in(
            await self.call("POST", "/v1/auth/register", json={"username": username, "password": password})
        )

    async def login(self, username: str, password: str) -> dict[str, Any]:
        return self._signed_in(
            await self.call("POST", "/v1/auth/login", json={"username": username, "password": password})
        )

    async def refresh(self) -> dict[str, Any]:
        """A new access token for this session (the refresh token stays the same)."""
        return self._signed_in(
            await self.call("POST", "/v1/auth/refresh", json={"refresh_token": self.refresh_token or ""})
        )

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at is not None and self.expires_at - datetime.now(UTC) < timedelta(seconds=seconds)

    async def me(self) -> dict[str, Any]:
        me: dict[str, Any] = await self.call("GET", "/v1/auth/me")
        return me

    async def logout(self, all: bool = False) -> None:
        await self.call("POST", "/v1/auth/logout", params={"all": "true"} if all else {})
        self.token = self.refresh_token = None

    async def sessions(self) -> list[dict[str, Any]]:
        sessions: list[dict[str, Any]] = await self.call("GET", "/v1/auth/sessions")
        return sessions

    async def end_session(self, session_id: str) -> None:
        await self.call("DELETE", f"/v1/auth/sessions/{session_id}")

    async def change_password(self, current_password: str, new_password: str) -> None:
        await self.call(
            "POST", "/v1/auth/password", json={"current_password": current_password, "new_password": new_password}
        )

    async def delete_account(self, password: str) -> None:
        await self.call("DELETE", "/v1/auth/account", json={"password": password})
        self.token = self.refresh_token = None

    async def create_room(self, name: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", "/v1/rooms", json={"name": name})
        return room

    async def join(self, room_id: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", f"/v1/rooms/{room_id}/join")
        return room

    async def rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = await self.call("GET", "/v1/rooms")
        return rooms

    async def mark_read(self, room_id: str, message_id: str) -> dict[str, Any]:
        """Move my read marker in the room forward to `message_id`; the marker after."""
        marker: dict[str, Any] = await self.call("POST", f"/v1/rooms/{room_id}/read", json={"message_id": message_id})
        return marker

    async def receipts(self, room_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/receipts")
        return found

    async def dm(self, username: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", f"/v1/dms/{username}")
        return room

    async def send(self, room_id: str, text: str, **extra: Any) -> dict[str, Any]:
        accepted: dict[str, Any] = await self.call(
            "POST", f"/v1/rooms/{room_id}/messages", json={"text": text, **extra}
        )
        return accepted

    async def history(self, room_id: str, **params: Any) -> dict[str, Any]:
        page: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/messages", params=params)
        return page

    async def replies(self, room_id: str, message_id: str, **params: Any) -> dict[str, Any]:
        """A page of the replies to a message (`before`, `after`, `limit` as for history)."""
        page: dict[str, Any] = await self.call(
            "GET", f"/v1/rooms/{room_id}/messages/{message_id}/replies", params=params
        )
        return page

    async def react(self, room_id: str, message_id: str, emoji: str, *, add: bool = True) -> dict[str, Any]:
        """Add (or with add=False take back) my emoji reaction on a message."""
        path = f"/v1/rooms/{room_id}/messages/{message_id}/reactions/{quote(emoji, safe='')}"
        result: dict[str, Any] = await self.call("PUT" if add else "DELETE", path)
        return result

    async def edits(self, room_id: str, message_id: str) -> dict[str, Any]:
        """The earlier texts of a message, oldest first."""
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/messages/{message_id}/edits")
        return found

    # -- running a room: owner and admins ----------------------------------------------------------

    async def room(self, room_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}")
        return found

    async def update_room(self, room_id: str, **changes: Any) -> dict[str, Any]:
        """Change the room's `name`, `topic` or `private` (owner or admins)."""
        room: dict[str, Any] = await self.call("PATCH", f"/v1/rooms/{room_id}", json=changes)
        return room

    async def delete_room(self, room_id: str) -> None:
        await self.call("DELETE", f"/v1/rooms/{room_id}")

    async def members(self, room_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/members")
        return found

    async def invite(self, room_id: str, username: str) -> dict[str, Any]:
        member: dict[str, Any] = await self.call("POST", f"/v1/rooms/{room_id}/members", json={"username": username})
        return member

    async def kick(self, room_id: str, user_id: str) -> None:
        await self.call("DELETE", f"/v1/rooms/{room_id}/members/{user_id}")

    async def ban(self, room_id: str, user_id: str, *, banned: bool = True) -> None:
        """Ban (or with banned=False lift the ban of) a user."""
        await self.call("PUT" if banned else "DELETE", f"/v1/rooms/{room_id}/bans/{user_id}")

    async def bans(self, room_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/bans")
        return found

    async def set_role(self, room_id: str, user_id: str, role: str) -> dict[str, Any]:
        path = f"/v1/rooms/{room_id}/members/{user_id}/role"
        member: dict[str, Any] = await self.call("PUT", path, json={"role": role})
        return member

    async def transfer(self, room_id: str, user_id: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", f"/v1/rooms/{room_id}/owner", json={"user_id": user_id})
        return room

    async def pins(self, room_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.call("GET", f"/v1/rooms/{room_id}/pins")
        return found

    async def pin(self, room_id: str, message_id: str, *, pinned: bool = True) -> None:
        """Pin (or with pinned=False unpin) a message."""
        await self.call("PUT" if pinned else "DELETE", f"/v1/rooms/{room_id}/pins/{message_id}")

    # -- search, the user directory, contacts and blocks ---------------------------------------

    async def search(self, q: str, **params: Any) -> dict[str, Any]:
        """Messages of my rooms holding every word of `q`, newest first (`room`, `from_user`, `before`, `after`,
        `limit`); the next page is `before=<the answer's before>`."""
        page: dict[str, Any] = await self.call("GET", "/v1/search", params={"q": q, **params})
        return page

    async def users(self, prefix: str, limit: int = 20) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self.call("GET", "/v1/users", params={"prefix": prefix, "limit": limit}))[
            "users"
        ]
        return found

    async def contacts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self.call("GET", "/v1/contacts"))["contacts"]
        return found

    async def add_contact(self, username: str) -> None:
        await self.call("PUT", f"/v1/contacts/{quote(username, safe='')}")

    async def remove_contact(self, username: str) -> None:
        await self.call("DELETE", f"/v1/contacts/{quote(username, safe='')}")

    async def blocks(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (await self.call("GET", "/v1/blocks"))["blocks"]
        return found

    async def block(self, username: str) -> None:
        await self.call("POST", f"/v1/blocks/{quote(username, safe='')}")

    async def unblock(self, username: str) -> None:
        await self.call("DELETE", f"/v1/blocks/{quote(username, safe='')}")

    def ws_url(self, since: str | None = None) -> str:
        url = self.base_url.replace("http", "ws", 1) + f"/v1/ws?token={self.token}"
        return url + (f"&since={since}" if since else "")

    @asynccontextmanager
    async def websocket(self, since: str | None = None) -> AsyncIterator[ClientConnection]:
        async with websockets.connect(self.ws_url(since), max_size=2**22) as ws:
            yield ws
