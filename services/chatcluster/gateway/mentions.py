"""`@username` mentions resolved when a message is sent or edited: the room's members, named in the text."""

from __future__ import annotations

from chatcluster.gateway.context import Gateway
from chatcluster.mentions import may_mention, resolve_mentions


async def mentions_in(gw: Gateway, room_id: str, text: str) -> tuple[int, ...]:
    """The members of the room the text mentions; a name that is no member's is plain text (no id)."""
    if not may_mention(text):
        return ()
    members = {m.username.lower(): m.user_id for m in await gw.store.members(room_id)}
    return resolve_mentions(text, members)
