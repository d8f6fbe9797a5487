"""Replies and edit history: a message's thread, a page at a time, and the texts it had before its latest edit."""

from __future__ import annotations

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.messages import message_in, page_of, require_member, runs_room
from chatcluster.gateway.people import hidden_authors
from chatcluster.gateway.schemas import EditHistory, HistoryPage, MessageVersionOut
from chatcluster.gateway.security import Identity


async def replies_page(
    gw: Gateway,
    user: Identity,
    room_id: str,
    message_id: int,
    before: int | None,
    after: int | None,
    limit: int,
) -> HistoryPage:
    """A page of the replies to a message of the room (deleted ones left out), oldest first, paged like history:
    the newest replies by default, older ones `before` a reply, newer ones `after` one (`after=0`: from the first)."""
    if before is not None and after is not None:
        raise ApiError(400, "give either 'before' or 'after', not both")
    await require_member(gw, room_id, user)
    await message_in(gw, room_id, message_id)
    found = await gw.store.replies(room_id, message_id, before=before, after=after, limit=limit)
    return await page_of(gw, room_id, found, limit, after, await hidden_authors(gw, user.user_id))


async def edit_history(gw: Gateway, user: Identity, room_id: str, message_id: int) -> EditHistory:
    """The texts a message had before its current one, oldest first: for the room's members; for a deleted message
    (every text it had), only for the owners and admins of the room, and a 404 for anyone else, as if it had none."""
    room = await require_member(gw, room_id, user)
    message = await message_in(gw, room_id, message_id)
    if message.deleted and not await runs_room(gw, room, user):
        raise not_found(f"the edit history of message {message_id} in room '{room_id}'")
    versions = await gw.store.message_versions(message_id)
    earlier = versions if message.deleted else versions[:-1]  # the newest text is the message's own
    return EditHistory(message_id=message_id, versions=[MessageVersionOut.of(v) for v in earlier])
