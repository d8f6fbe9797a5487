from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from chatcluster.gateway import accounts
from chatcluster.gateway.deps import ClientAddress, CurrentUser, GatewayDep, UserAgent
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import (
    AccountDeletion,
    Credentials,
    MeOut,
    PasswordChange,
    RefreshIn,
    SessionOut,
    TokenOut,
)
from chatcluster.models import Snowflake

router = APIRouter(prefix="/v1/auth", tags=["accounts"], responses=error_responses(*SIGNED_IN, 403, 404, 409, 429))


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=TokenOut)
async def register(body: Credentials, gw: GatewayDep, agent: UserAgent) -> TokenOut:
    """Create an account (a weak password is refused with 422) and sign in: a new session."""
    return await accounts.register(gw, body.username, body.password, agent)


@router.post("/login", response_model=TokenOut)
async def login(body: Credentials, gw: GatewayDep, address: ClientAddress, agent: UserAgent) -> TokenOut:
    """Sign in: a new session. Failed attempts are throttled per username and per address (429)."""
    return await accounts.login(gw, body.username, body.password, address, agent)


@router.post("/refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, gw: GatewayDep) -> TokenOut:
    """A new access token for the session; the refresh token stays the same. 401 once the session has ended."""
    return await accounts.refresh(gw, body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    user: CurrentUser,
    gw: GatewayDep,
    everywhere: Annotated[bool, Query(alias="all", description="End every session of the user, not only this one")] = (
        False
    ),
) -> None:
    """End this session (its access and refresh tokens stop working at once), or every session with `?all=true`."""
    await accounts.logout(gw, user, everywhere=everywhere)


@router.get("/sessions", response_model=list[SessionOut], summary="List my live sessions")
async def sessions(user: CurrentUser, gw: GatewayDep) -> list[SessionOut]:
    return await accounts.list_sessions(gw, user)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="End one of my sessions")
async def end_session(session_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> None:
    await accounts.end_session(gw, user, session_id)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, user: CurrentUser, gw: GatewayDep, address: ClientAddress) -> None:
    """Change the password; every other session of the user ends, this one stays."""
    await accounts.change_password(gw, user, body.current_password, body.new_password, address)


@router.delete("/account", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(body: AccountDeletion, user: CurrentUser, gw: GatewayDep, address: ClientAddress) -> None:
    """Delete the account: its sessions end, it leaves its rooms, its messages stay, its username stays taken."""
    await accounts.delete_account(gw, user, body.password, address)


@router.get("/me", response_model=MeOut)
async def me(user: CurrentUser) -> MeOut:
    """Who the token acts for; it issues no token (use /v1/auth/refresh)."""
    return MeOut(user_id=user.user_id, username=user.username, session_id=user.session_id, is_admin=user.is_admin)
