"""Adding and removing emoji reactions: checked here, published as a `ReactionEvent` on `chat.reaction.<room>`,
answered after JetStream's PubAck, stored by the persister and relayed live by every gateway's hub."""

from __future__ import annotations

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError
from chatcluster.gateway.messages import check_rate, message_in, publish_or_503, require_member
from chatcluster.gateway.schemas import ReactionResult
from chatcluster.gateway.security import Identity
from chatcluster.models import ReactionEvent, ReactionOp
from chatcluster.reactions import emoji_problem


def reaction_dedup_key(event: ReactionEvent) -> str:
    """The Nats-Msg-Id of a reaction event: its id, so a retried publish of the same event is stored once."""
    return f"reaction:{event.event_id}"


async def react(gw: Gateway, user: Identity, room_id: str, message_id: int, emoji: str, *, add: bool) -> ReactionResult:
    """Add (or remove) the user's `emoji` on a message of the room that is not deleted. Doing it twice does what
    doing it once does: the store keeps one reaction per message, user and emoji."""
    problem = emoji_problem(emoji)
    if problem is not None:
        raise ApiError(422, f"emoji: {problem}")
    await require_member(gw, room_id, user)
    message = await message_in(gw, room_id, message_id)
    if message.deleted:
        raise ApiError(409, f"message {message_id} has been deleted")
    check_rate(gw, user)
    event = ReactionEvent(
        event_id=gw.ids.next_id(),
        op=ReactionOp.ADDED if add else ReactionOp.REMOVED,
        room_id=room_id,
        message_id=message_id,
        user_id=user.user_id,
        username=user.username,
        emoji=emoji,
    )
    await publish_or_503(gw, event, reaction_dedup_key(event))
    return ReactionResult(room_id=room_id, message_id=message_id, emoji=emoji, reacted=add)
