"""A small client for the gateway's API, shared by the CLI and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection


class ApiProblem(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class ChatClient:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.user_id: str | None = None
        self.username: str | None = None
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=30)

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

    async def _authenticate(self, path: str, username: str, password: str) -> dict[str, Any]:
        body: dict[str, Any] = await self.call("POST", path, json={"username": username, "password": password})
        self.token, self.user_id, self.username = body["access_token"], body["user_id"], body["username"]
        return body

    async def register(self, username: str, password: str) -> dict[str, Any]:
        return await self._authenticate("/v1/auth/register", username, password)

    async def login(self, username: str, password: str) -> dict[str, Any]:
        return await self._authenticate("/v1/auth/login", username, password)

    async def create_room(self, name: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", "/v1/rooms", json={"name": name})
        return room

    async def join(self, room_id: str) -> dict[str, Any]:
        room: dict[str, Any] = await self.call("POST", f"/v1/rooms/{room_id}/join")
        return room

    async def rooms(self) -> list[dict[str, Any]]:
        rooms: list[dict[str, Any]] = await self.call("GET", "/v1/rooms")
        return rooms

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

    def ws_url(self, since: str | None = None) -> str:
        url = self.base_url.replace("http", "ws", 1) + f"/v1/ws?token={self.token}"
        return url + (f"&since={since}" if since else "")

    @asynccontextmanager
    async def websocket(self, since: str | None = None) -> AsyncIterator[ClientConnection]:
        async with websockets.connect(self.ws_url(since), max_size=2**22) as ws:
            yield ws
