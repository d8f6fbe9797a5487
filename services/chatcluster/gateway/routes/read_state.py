from __future__ import annotations

from fastapi import APIRouter

from chatcluster.gateway import read_state
from chatcluster.gateway.deps import CurrentUser, GatewayDep, RoomIdPath
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import ReadMarkerIn, ReadMarkerOut, ReceiptsOut

router = APIRouter(prefix="/v1/rooms/{room_id}", tags=["read state"], responses=error_responses(*SIGNED_IN, 403, 404))


@router.post("/read", response_model=ReadMarkerOut, summary="Move my read marker forward")
async def mark_read(room_id: RoomIdPath, body: ReadMarkerIn, user: CurrentUser, gw: GatewayDep) -> ReadMarkerOut:
    """I have read the room up to `message_id`. The marker only moves forward: an older message, or the same one
    again, leaves it where it is. The answer is the marker after the call."""
    return await read_state.mark_read(gw, user, room_id, body.message_id)


@router.get("/receipts", response_model=ReceiptsOut, summary="How far the members have read")
async def receipts(room_id: RoomIdPath, user: CurrentUser, gw: GatewayDep) -> ReceiptsOut:
    """Each member's read marker, in a direct-message room or a room of at most
    CHATCLUSTER_READ_RECEIPTS_MAX_MEMBERS members; in a larger room, only mine."""
    return await read_state.receipts(gw, user, room_id)
