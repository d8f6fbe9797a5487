from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from chatcluster.gateway import reactions
from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import ReactionResult
from chatcluster.models import Snowflake

router = APIRouter(
    prefix="/v1/rooms/{room_id}/messages/{message_id}/reactions",
    tags=["reactions"],
    responses=error_responses(*SIGNED_IN, 403, 404, 409, 429),
)

EmojiPath = Annotated[str, Path(description="Exactly one emoji (e.g. 👍, 👍🏽, 🇫🇷), URL-encoded")]


@router.put("/{emoji}", response_model=ReactionResult)
async def add(
    room_id: RoomIdPath, message_id: Snowflake, emoji: EmojiPath, user: CurrentUser, gw: GatewayDep
) -> ReactionResult:
    """React with an emoji; answered once JetStream holds the reaction. Reacting twice counts once."""
    return await reactions.react(gw, user, room_id, message_id, emoji, add=True)


@router.delete("/{emoji}", response_model=ReactionResult)
async def remove(
    room_id: RoomIdPath, message_id: Snowflake, emoji: EmojiPath, user: CurrentUser, gw: GatewayDep
) -> ReactionResult:
    """Take my reaction back; answered once JetStream holds the removal. Removing one I never made changes nothing."""
    return await reactions.react(gw, user, room_id, message_id, emoji, add=False)
