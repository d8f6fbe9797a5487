"""Named dependencies so routes read like sentences: `user: CurrentUser, gw: GatewayDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chatcluster.gateway.accounts import resolve_identity
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.security import Identity
from chatcluster.models import ROOM_ID_PATTERN

_bearer = HTTPBearer(auto_error=False, description="The access_token from /v1/auth/login")


async def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def user_from_token(gw: Gateway, token: str | None) -> Identity:
    """The user an access token acts for, resolved from the store (REST and the WebSocket handshake)."""
    return await resolve_identity(gw, token)


async def get_current_user(
    gw: GatewayDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Identity:
    return await user_from_token(gw, credentials.credentials if credentials else None)


CurrentUser = Annotated[Identity, Depends(get_current_user)]
RoomIdPath = Annotated[str, Path(pattern=ROOM_ID_PATTERN, description="Room id")]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


ClientAddress = Annotated[str, Depends(client_address)]  # what failed sign-ins are counted against
UserAgent = Annotated[str, Depends(user_agent)]  # shown in the session list
