"""Creators and their lists, and sending a broadcast: every right is checked here, before anything is queued.

A platform admin makes a user a creator (`PUT /v1/creators/{username}`, or `chatcluster creator grant`). A creator
keeps lists of members; a broadcast to one of their lists is ONE event on the BROADCASTS stream, answered 202 after
its PubAck; the fan-out worker (`chatcluster.creators.fanout`) delivers it."""

from __future__ import annotations

import time
from collections.abc import Sequence

from nats.errors import Error as NatsError

from chatcluster.creators.models import MAX_LISTS, BroadcastEvent, BroadcastProgress
from chatcluster.creators.progress import read_progress
from chatcluster.creators.streams import broadcast_at, publish_broadcast
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.creator_schemas import (
    BroadcastAccepted,
    BroadcastSend,
    CreatorListOut,
    CreatorListsOut,
    CreatorOut,
    ListMemberOut,
    ListMembersOut,
)
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.security import Identity
from chatcluster.store.base import BroadcastRecord, CreatorList, UserRef


async def set_creator(gw: Gateway, admin: Identity, username: str, creator: bool) -> CreatorOut:
    if not admin.is_admin:
        raise ApiError(403, "only a platform admin can make or unmake a creator")
    user = await gw.store.get_user_by_name(username)
    if user is None or user.deleted:
        raise not_found(f"user '{username}'")
    await gw.store.set_creator(user.user_id, creator)
    return CreatorOut(username=user.username, creator=creator)


async def require_creator(gw: Gateway, user: Identity) -> None:
    if not await gw.store.is_creator(user.user_id):
        raise ApiError(403, "only creators keep lists and broadcast; a platform admin makes a user a creator")


async def owned_list(gw: Gateway, user: Identity, list_id: int) -> CreatorList:
    found = await gw.store.get_list(list_id)
    if found is None:
        raise not_found(f"list {list_id}")
    if found.creator_id != user.user_id:
        raise ApiError(403, f"list {list_id} is not yours: only its creator may change it or broadcast to it")
    return found


async def lists_of(gw: Gateway, user: Identity) -> CreatorListsOut:
    await require_creator(gw, user)
    found = await gw.store.lists_of(user.user_id)
    return CreatorListsOut(lists=[CreatorListOut.of(item, await gw.store.list_size(item.list_id)) for item in found])


async def create_list(gw: Gateway, user: Identity, name: str) -> CreatorListOut:
    await require_creator(gw, user)
    if len(await gw.store.lists_of(user.user_id)) >= MAX_LISTS:
        raise ApiError(409, f"a creator keeps at most {MAX_LISTS} lists; delete one first")
    item = CreatorList(gw.ids.next_id(), user.user_id, name, time.time_ns() // 1_000_000)
    await gw.store.create_list(item)
    return CreatorListOut.of(item, 0)


async def rename_list(gw: Gateway, user: Identity, list_id: int, name: str) -> CreatorListOut:
    item = await owned_list(gw, user, list_id)
    await gw.store.rename_list(list_id, name)
    return CreatorListOut(list_id=list_id, name=name, size=await gw.store.list_size(item.list_id))


async def delete_list(gw: Gateway, user: Identity, list_id: int) -> None:
    await owned_list(gw, user, list_id)
    await gw.store.delete_list(list_id)


async def members_of(gw: Gateway, user: Identity, list_id: int) -> ListMembersOut:
    await owned_list(gw, user, list_id)
    members = await gw.store.list_members(list_id)
    return ListMembersOut(
        list_id=list_id, members=[ListMemberOut(user_id=m.user_id, username=m.username) for m in members]
    )


async def _users(gw: Gateway, usernames: Sequence[str]) -> list[UserRef]:
    found: dict[int, UserRef] = {}
    for name in usernames:
        other = await gw.store.get_user_by_name(name)
        if other is None or other.deleted:
            raise not_found(f"user '{name}'")
        found[other.user_id] = UserRef(other.user_id, other.username)
    return list(found.values())


async def add_members(gw: Gateway, user: Identity, list_id: int, usernames: Sequence[str]) -> CreatorListOut:
    item = await owned_list(gw, user, list_id)
    members = await _users(gw, usernames)
    if any(m.user_id == user.user_id for m in members):
        raise ApiError(400, "you cannot add yourself to your own list")
    present = {m.user_id for m in await gw.store.list_members(list_id)}
    size = len(present | {m.user_id for m in members})
    if size > gw.settings.creator_list_max:
        raise ApiError(
            409,
            f"list {list_id} would hold {size} members, more than the {gw.settings.creator_list_max} a list may hold",
        )
    await gw.store.add_list_members(list_id, members)
    return CreatorListOut.of(item, size)


async def remove_member(gw: Gateway, user: Identity, list_id: int, username: str) -> None:
    await owned_list(gw, user, list_id)
    (member,) = await _users(gw, [username])
    await gw.store.remove_list_member(list_id, member.user_id)


async def leave_lists_of(gw: Gateway, user: Identity, creator_name: str) -> None:
    """The member leaves every list of the creator; the creator is not told."""
    (creator,) = await _users(gw, [creator_name])
    for item in await gw.store.lists_of(creator.user_id):
        await gw.store.remove_list_member(item.list_id, user.user_id)


def _check_rate(gw: Gateway, user: Identity) -> None:
    wait = gw.broadcasts.acquire(user.user_id)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise ApiError(
            429,
            f"too many broadcasts: at most {gw.settings.broadcast_rate_per_minute:g} per minute; retry in {seconds}s",
            headers={"Retry-After": str(seconds)},
        )


async def send_broadcast(gw: Gateway, user: Identity, body: BroadcastSend) -> BroadcastAccepted:
    await require_creator(gw, user)
    await owned_list(gw, user, body.list_id)
    size = await gw.store.list_size(body.list_id)
    if size > gw.settings.creator_list_max:
        raise ApiError(
            409,
            f"list {body.list_id} holds {size} members, more than the {gw.settings.creator_list_max} a broadcast "
            "may reach; remove some first",
        )
    _check_rate(gw, user)
    event = BroadcastEvent(
        broadcast_id=gw.ids.next_id(),
        creator_id=user.user_id,
        creator=user.username,
        list_id=body.list_id,
        text=body.text,
        client_id=body.client_id,
    )
    try:
        published = await publish_broadcast(gw.js, event)
        original = await broadcast_at(gw.js, published.stream_sequence) if published.duplicate else event
    except (TimeoutError, NatsError) as exc:
        raise ApiError(503, f"the message bus is unavailable ({type(exc).__name__}); retry shortly") from exc
    if (original.list_id, original.text) != (event.list_id, event.text):
        raise ApiError(
            409,
            f"client_id '{body.client_id}' was already used for a different broadcast ({original.broadcast_id}); "
            "use a new client_id for a new broadcast",
        )
    await gw.store.put_broadcast(
        BroadcastRecord(original.broadcast_id, original.creator_id, original.list_id, original.text)
    )
    return BroadcastAccepted(
        broadcast_id=original.broadcast_id, list_id=original.list_id, duplicate=published.duplicate
    )


async def progress_of(gw: Gateway, user: Identity, broadcast_id: int) -> BroadcastProgress:
    found = await gw.store.get_broadcast(broadcast_id)
    if found is None or found.creator_id != user.user_id:  # another creator's broadcast is not theirs to know of
        raise not_found(f"broadcast {broadcast_id}")
    return await read_progress(gw.store, found)
