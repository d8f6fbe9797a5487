from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.responses import StreamingResponse

from chatcluster.gateway import media
from chatcluster.gateway.deps import CurrentUser, GatewayDep
from chatcluster.gateway.errors import SIGNED_IN, error_responses
from chatcluster.gateway.schemas import MediaOut
from chatcluster.models import Snowflake

router = APIRouter(prefix="/v1/media", tags=["media"])

FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "",
    response_model=MediaOut,
    status_code=201,
    responses=error_responses(*SIGNED_IN, 413, 415),
    openapi_extra=FILE_BODY,
)
async def upload(request: Request, user: CurrentUser, gw: GatewayDep) -> MediaOut:
    """Upload a file (multipart, field `file`), streamed to storage; answers its id, sniffed type, size and, for an
    image, its width and height. Attach it to a message with `attachments: [media_id]`."""
    return await media.upload(gw, user, request)


@router.get(
    "/{media_id}",
    response_class=StreamingResponse,
    responses=error_responses(*SIGNED_IN, 403, 404, 416, 503),
)
async def download(
    media_id: Snowflake,
    user: CurrentUser,
    gw: GatewayDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> StreamingResponse:
    """The file, for its uploader and the members of a room where a message carries it (one byte range at most);
    others read pictures without their EXIF location."""
    return await media.download(gw, user, media_id, range_header)


@router.get(
    "/{media_id}/thumbnail",
    response_class=StreamingResponse,
    responses=error_responses(*SIGNED_IN, 403, 404),
)
async def thumbnail(media_id: Snowflake, user: CurrentUser, gw: GatewayDep) -> StreamingResponse:
    """An image's thumbnail (a JPEG), once the media worker has made it; 404 until then."""
    return await media.download_thumbnail(gw, user, media_id)
