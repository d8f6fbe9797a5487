"""Named dependencies so routes read like sentences: `user: CurrentUser, gw: GatewayDep`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.security import Identity, InvalidToken, read_token
from chatcluster.models import ROOM_ID_PATTERN

_bearer = HTTPBearer(auto_error=False, description="The access_token from /v1/auth/login")


async def get_gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def user_from_token(gw: Gateway, token: str | None) -> Identity:
    if not token:
        raise ApiError(
            401, "missing bearer token: send 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        return read_token(token, gw.token_secret)
    except InvalidToken as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


async def get_current_user(
    gw: GatewayDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Identity:
    return await user_from_token(gw, credentials.credentials if credentials else None)


CurrentUser = Annotated[Identity, Depends(get_current_user)]
RoomIdPath = Annotated[str, Path(pattern=ROOM_ID_PATTERN, description="Room id")]
