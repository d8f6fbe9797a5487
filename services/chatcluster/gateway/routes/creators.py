from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from chatcluster.creators.models import BroadcastProgress
from chatcluster.gateway import creators
from chatcluster.gateway.creator_schemas import (
    BroadcastAccepted,
    BroadcastSend,
    CreatorListOut,
    CreatorListsOut,
    CreatorOut,
    ListMembersAdd,
    ListMembersOut,
    ListName,
)
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.models import USERNAME_PATTERN

router = APIRouter(prefix="/v1", tags=["creators"], responses=error_responses(*SIGNED_IN, 403, 404, 409))

Username = Annotated[str, Path(pattern=USERNAME_PATTERN, description="3-32 letters, digits, '_', '.', '-'")]
Id = Annotated[int, Path(ge=0, lt=2**63, description="64-bit id")]


@router.put("/creators/{username}", response_model=CreatorOut, summary="Make a user a creator (platform admins)")
async def grant(username: Username, user: CurrentUser, gw: GatewayDep) -> CreatorOut:
    return await creators.set_creator(gw, user, username, True)


@router.delete("/creators/{username}", response_model=CreatorOut, summary="Unmake a creator (platform admins)")
async def revoke(username: Username, user: CurrentUser, gw: GatewayDep) -> CreatorOut:
    return await creators.set_creator(gw, user, username, False)


@router.delete(
    "/creators/{username}/lists/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Leave every list of a creator",
)
async def leave(username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    await creators.leave_lists_of(gw, user, username)


@router.get("/lists", response_model=CreatorListsOut, summary="My lists (creators)")
async def my_lists(user: CurrentUser, gw: GatewayDep) -> CreatorListsOut:
    return await creators.lists_of(gw, user)


@router.post("/lists", response_model=CreatorListOut, status_code=status.HTTP_201_CREATED, summary="Create a list")
async def create_list(body: ListName, user: CurrentUser, gw: GatewayDep) -> CreatorListOut:
    return await creators.create_list(gw, user, body.name)


@router.patch("/lists/{list_id}", response_model=CreatorListOut, summary="Rename a list")
async def rename_list(list_id: Id, body: ListName, user: CurrentUser, gw: GatewayDep) -> CreatorListOut:
    return await creators.rename_list(gw, user, list_id, body.name)


@router.delete("/lists/{list_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a list")
async def delete_list(list_id: Id, user: CurrentUser, gw: GatewayDep) -> None:
    await creators.delete_list(gw, user, list_id)


@router.get("/lists/{list_id}/members", response_model=ListMembersOut, summary="A list's members")
async def members(list_id: Id, user: CurrentUser, gw: GatewayDep) -> ListMembersOut:
    return await creators.members_of(gw, user, list_id)


@router.post("/lists/{list_id}/members", response_model=CreatorListOut, summary="Add members to a list")
async def add_members(list_id: Id, body: ListMembersAdd, user: CurrentUser, gw: GatewayDep) -> CreatorListOut:
    """More members than CHATCLUSTER_CREATOR_LIST_MAX in all: 409, and none is added."""
    return await creators.add_members(gw, user, list_id, body.usernames)


@router.delete("/lists/{list_id}/members/{username}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a member")
async def remove_member(list_id: Id, username: Username, user: CurrentUser, gw: GatewayDep) -> None:
    await creators.remove_member(gw, user, list_id, username)


@router.post(
    "/broadcasts",
    response_model=BroadcastAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(429),
    summary="Send one message to every member of a list",
)
async def broadcast(body: BroadcastSend, user: CurrentUser, gw: GatewayDep) -> BroadcastAccepted:
    """Checked first (a creator, their own list, its size, their rate), then queued as one event: 202 once the bus
    holds it. Each member gets it in their direct-message room with the creator, unless they blocked the creator."""
    return await creators.send_broadcast(gw, user, body)


@router.get("/broadcasts/{broadcast_id}", response_model=BroadcastProgress, summary="A broadcast's progress")
async def progress(broadcast_id: Id, user: CurrentUser, gw: GatewayDep) -> BroadcastProgress:
    return await creators.progress_of(gw, user, broadcast_id)
