"""Contacts, the user directory and blocks: the people a user keeps, finds and shuts out.

A block is one-way and silent in group rooms: the blocker no longer sees what the blocked user says (live, in
history, replies, replays, search and notifications), and the blocked user is told nothing. Direct messages are
the exception: a DM send or opening between the two is refused with a 403 (`refuse_blocked_dm`) rather than
dropped into the void, so nobody believes a message was delivered when it never will be; its sentence says no
more than "you cannot message this user" (the blocker is told to unblock first).

Every change of a block list is announced to every socket of the blocker, on whichever gateway holds it, as a
`{"type": "blocks", "user_ids": [...]}` frame on `chat.user.<blocker>`: the hub of each gateway takes the new list
for that user's sockets (and forwards the frame, so the page hides them too).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence

from nats.errors import Error as NatsError

from chatcluster.bus import publish_user_frame
from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.hub import BLOCKS_FRAME, Connection
from chatcluster.gateway.schemas import BlocksOut, ContactsOut, PersonOut, PersonPresence, UsersOut
from chatcluster.gateway.security import Identity
from chatcluster.models import Room, RoomKind, dm_members
from chatcluster.reactions import ReactionSummary
from chatcluster.store import UserRef

MAX_CONTACTS = 1000
MAX_BLOCKS = 1000  # also bounds the `blocks` frame and each socket's set
YOU_CANNOT_MESSAGE = "you cannot message this user"
UNBLOCK_TO_MESSAGE = "unblock this user to message them"


async def _someone(gw: Gateway, username: str, *, live: bool) -> UserRef:
    """The user holding `username`; a deleted account only when `live` is False (it can still be removed from a
    list, never added to one). Else 404."""
    found = await gw.store.get_user_by_name(username)
    if found is None or (live and found.deleted):
        raise not_found(f"user '{username}'")
    return UserRef(found.user_id, found.username)


def _with_presence(gw: Gateway, people: list[UserRef]) -> list[PersonPresence]:
    presence = gw.presence.statuses(p.user_id for p in people)
    return [PersonPresence(user_id=p.user_id, username=p.username, presence=presence[p.user_id]) for p in people]


# -- the directory ----------------------------------------------------------------------------------------------


async def directory(gw: Gateway, prefix: str, limit: int) -> UsersOut:
    """Live accounts whose username starts with `prefix` (any case), by username, with their presence."""
    return UsersOut(users=_with_presence(gw, await gw.store.users_by_prefix(prefix, limit)))


# -- contacts ---------------------------------------------------------------------------------------------------


async def contacts(gw: Gateway, user: Identity) -> ContactsOut:
    return ContactsOut(contacts=_with_presence(gw, await gw.store.contacts_of(user.user_id)))


async def add_contact(gw: Gateway, user: Identity, username: str) -> None:
    contact = await _someone(gw, username, live=True)
    if contact.user_id == user.user_id:
        raise ApiError(400, "you cannot add yourself as a contact")
    kept = await gw.store.contacts_of(user.user_id)
    if len(kept) >= MAX_CONTACTS and all(c.user_id != contact.user_id for c in kept):
        raise ApiError(409, f"you have {MAX_CONTACTS} contacts, the most one can keep; remove one first")
    await gw.store.add_contact(user.user_id, contact)


async def remove_contact(gw: Gateway, user: Identity, username: str) -> None:
    await gw.store.remove_contact(user.user_id, (await _someone(gw, username, live=False)).user_id)


# -- blocks -----------------------------------------------------------------------------------------------------


async def blocks(gw: Gateway, user: Identity) -> BlocksOut:
    found = await gw.store.blocks_of(user.user_id)
    return BlocksOut(blocks=[PersonOut(user_id=b.user_id, username=b.username) for b in found])


async def block(gw: Gateway, user: Identity, username: str) -> None:
    other = await _someone(gw, username, live=True)
    if other.user_id == user.user_id:
        raise ApiError(400, "you cannot block yourself")
    blocked = await gw.store.blocks_of(user.user_id)
    if any(b.user_id == other.user_id for b in blocked):
        return
    if len(blocked) >= MAX_BLOCKS:
        raise ApiError(409, f"you have blocked {MAX_BLOCKS} users, the most one can; unblock someone first")
    await gw.store.block(user.user_id, other)
    await announce_blocks(gw, user.user_id)


async def unblock(gw: Gateway, user: Identity, username: str) -> None:
    other = await _someone(gw, username, live=False)
    await gw.store.unblock(user.user_id, other.user_id)
    await announce_blocks(gw, user.user_id)


def blocks_frame(blocked_ids: frozenset[int]) -> dict[str, object]:
    """The frame telling every socket of a user whom they block now (ids as strings, as every id in JSON)."""
    return {"type": BLOCKS_FRAME, "user_ids": [str(i) for i in sorted(blocked_ids)]}


async def announce_blocks(gw: Gateway, user_id: int) -> None:
    """Tell every gateway holding a socket of the user the whole list as it is now in the store (so two changes
    racing each other end on the stored list, whichever frame comes last)."""
    frame = blocks_frame(await hidden_authors(gw, user_id))
    with contextlib.suppress(NatsError):  # a socket that misses it reads the list from the store when it reconnects
        await publish_user_frame(gw.nc, user_id, frame)


async def hidden_authors(gw: Gateway, user_id: int) -> frozenset[int]:
    """Whose messages, reactions and notifications `user_id` never sees: the users they blocked. Every view of
    messages (history, replies, around=, search, reaction lists) leaves these authors out for that viewer."""
    return frozenset(b.user_id for b in await gw.store.blocks_of(user_id))


async def load_blocks(gw: Gateway, conn: Connection) -> None:
    """A socket just attached: take its user's block list from the store, unless a `blocks` frame already brought
    a newer one while the store was being read."""
    found = await hidden_authors(gw, conn.user_id)
    if not conn.blocks_known:
        conn.blocked = found
        conn.blocks_known = True


async def refuse_blocked_dm(gw: Gateway, user_id: int, room: Room) -> None:
    """In a direct-message room, refuse a user the other one blocked, and a user who blocked the other (403)."""
    pair = dm_members(room.room_id) if room.kind is RoomKind.DIRECT else None
    if pair is not None:
        await refuse_blocked(gw, user_id, pair[1] if pair[0] == user_id else pair[0])


async def refuse_blocked(gw: Gateway, user_id: int, other_id: int) -> None:
    """403 if `other_id` blocked `user_id` (saying no more than that the message cannot be sent), or the reverse."""
    if await gw.store.has_blocked(other_id, user_id):
        raise ApiError(403, YOU_CANNOT_MESSAGE)
    if await gw.store.has_blocked(user_id, other_id):
        raise ApiError(403, UNBLOCK_TO_MESSAGE)


def without_hidden(reactions: Sequence[ReactionSummary], hidden: Collection[int]) -> list[ReactionSummary]:
    """A message's reactions as a viewer who blocked `hidden` sees them: those users' reactions left out (and an
    emoji only they reacted with, gone)."""
    if not hidden:
        return list(reactions)
    seen = []
    for summary in reactions:
        users = tuple(u for u in summary.users if u.user_id not in hidden)
        if users:
            seen.append(ReactionSummary(summary.emoji, len(users), users))
    return seen
