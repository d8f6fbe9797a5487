from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.schemas import Credentials, TokenOut
from chatcluster.gateway.security import Identity, hash_password, issue_token, verify_password
from chatcluster.models import User

router = APIRouter(prefix="/v1/auth", tags=["accounts"])


def _token_for(gw: Gateway, user: User | Identity) -> TokenOut:
    token, expires = issue_token(user.user_id, user.username, gw.token_secret, gw.settings.token_ttl_seconds)
    return TokenOut(access_token=token, expires_at=expires, user_id=user.user_id, username=user.username)


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenOut)
async def register(body: Credentials, gw: GatewayDep) -> TokenOut:
    user = User(
        user_id=gw.ids.next_id(),
        username=body.username,
        password_hash=hash_password(body.password),
        created_at=datetime.now(UTC),
    )
    if not await gw.store.create_user(user):
        raise ApiError(409, f"the username '{body.username}' is taken")
    return _token_for(gw, user)


@router.post("/login", response_model=TokenOut)
async def login(body: Credentials, gw: GatewayDep) -> TokenOut:
    user = await gw.store.get_user_by_name(body.username)
    if user is None or not verify_password(user.password_hash, body.password):
        raise ApiError(401, "wrong username or password")
    return _token_for(gw, user)


@router.get("/me", response_model=TokenOut)
async def me(user: CurrentUser, gw: GatewayDep) -> TokenOut:
    """A fresh token for the signed-in user (clients call it to check and extend a session)."""
    return _token_for(gw, user)
