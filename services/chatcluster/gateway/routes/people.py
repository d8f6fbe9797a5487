from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from chatcluster.gateway import people
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import BlocksOut, ContactsOut, UsersOut
from chatcluster.models import USERNAME_PATTERN

router = APIRouter(prefix="/v1", tags=["people"], responses=error_responses(*SIGNED_IN, 404, 409))

Username = Annotated[str, Path(pattern=USERNAME_PATTERN, description="3-32 letters, digits, '_', '.', '-'")]
MAX_USERS = 100


@router.get("/users", response_model=UsersOut, summary="Find users by the start of their username")
async def users(
    _user: CurrentUser,
    gw: GatewayDep,
    prefix: Annotated[
        str, Query(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="The first letters of a username, any case")
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_USERS)] = 20,
) -> UsersOut:
    return await people.directory(gw, prefix, limit)


@router.get("/contacts", response_model=ContactsOut, summary="My contacts, with their presence")
async def contacts(user: CurrentUser, gw: GatewayDep) -> ContactsOut:
    return await people.contacts(gw, user)


@router.put("/contacts/{username}", status_code=status.HTTP_204_NO_CONTENT, summary="Add a contact")
async def add_contact(username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    """Adding someone again changes nothing; they are not asked or told."""
    await people.add_contact(gw, user, username)


@router.delete("/contacts/{username}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a contact")
async def remove_contact(username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    await people.remove_contact(gw, user, username)


@router.get("/blocks", response_model=BlocksOut, summary="The users I blocked")
async def blocks(user: CurrentUser, gw: GatewayDep) -> BlocksOut:
    return await people.blocks(gw, user)


@router.post("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT, summary="Block a user")
async def block(username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    """From now on, on every gateway: I no longer see what they say in group rooms (live, history, replays, search,
    notifications), and neither of us can message the other directly. They are not told."""
    await people.block(gw, user, username)


@router.delete("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT, summary="Unblock a user")
async def unblock(username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    await people.unblock(gw, user, username)
