"""Uploads and downloads of pictures and files: `POST /v1/media` streamed to the BlobStore, `GET /v1/media/{id}`
for the uploader and the members of a room where a live message carries it, and the attachments of a send.

An upload is parsed as it arrives (python-multipart's streaming parser) into a spool file, hashed on the way,
so a gigabyte costs the gateway a chunk of memory; its type is sniffed from its bytes, never the client's word.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import re
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import StreamingResponse

from chatcluster.gateway.context import Gateway
from chatcluster.gateway.errors import ApiError, not_found
from chatcluster.gateway.schemas import MediaOut
from chatcluster.gateway.security import Identity
from chatcluster.media.blobs import BlobNotFound
from chatcluster.media.images import NotAnImage, image_info
from chatcluster.media.sniff import HEAD_BYTES, IMAGE_TYPES, INLINE_TYPES, safe_filename, sniff
from chatcluster.models import Attachment
from chatcluster.store.base import MediaRecord

MULTIPART_OVERHEAD_BYTES = 64 * 1024  # headers and boundaries around the file, and a short form field or two
RETRY_SECONDS = 2
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class _FilePart:
    """The state of one streaming parse: the first part named `file` goes to the spool file."""

    max_bytes: int
    filename: str | None = None
    in_file: bool = False
    done: bool = False
    size: int = 0
    head: bytearray = field(default_factory=bytearray)
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)
    pending: list[bytes] = field(default_factory=list)
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""


def _parser(state: _FilePart, boundary: bytes) -> MultipartParser:
    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.lower()] = state.header_value
        state.header_field = state.header_value = b""

    def on_headers_finished() -> None:
        _kind, options = parse_options_header(state.headers.get(b"content-disposition", b""))
        if options.get(b"name") == b"file" and not state.done and b"filename" in options:
            state.in_file = True
            state.filename = options[b"filename"].decode("utf-8", "replace")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.in_file:
            chunk = data[start:end]
            state.size += len(chunk)
            if state.size > state.max_bytes:
                raise ApiError(413, too_large(state.max_bytes))
            if len(state.head) < HEAD_BYTES:
                state.head += chunk[: HEAD_BYTES - len(state.head)]
            state.digest.update(chunk)
            state.pending.append(chunk)

    def on_part_end() -> None:
        if state.in_file:
            state.in_file, state.done = False, True
        state.headers = {}

    callbacks = {
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    return MultipartParser(boundary, callbacks)  # type: ignore[arg-type]


def too_large(max_bytes: int) -> str:
    return f"the file is larger than {max_bytes:,} bytes, the most one upload may be (CHATCLUSTER_MEDIA_MAX_BYTES)"


def upload_limit(max_bytes: int) -> int:
    """The request-body limit of `POST /v1/media`: the file plus what multipart wraps around it."""
    return max_bytes + MULTIPART_OVERHEAD_BYTES


async def _spool_upload(gw: Gateway, request: Request, spool: Path) -> _FilePart:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise ApiError(415, "send the file as multipart/form-data, in a field named 'file'")
    with spool.open("wb") as out:
        state = _FilePart(max_bytes=gw.settings.media_max_bytes)
        parser = _parser(state, boundary)
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                if state.pending:
                    pending, state.pending = state.pending, []
                    await asyncio.to_thread(out.writelines, pending)
            parser.finalize()
        except MultipartParseError as exc:
            raise ApiError(400, f"the multipart body is malformed: {exc}") from exc
        except ClientDisconnect as exc:
            raise ApiError(400, "the upload was cut off before its end") from exc
    return state


def _refuse_disguise(filename: str, content_type: str) -> None:
    """A name whose extension promises one type of file while the bytes are another is refused: it would show
    one thing and open as another on someone else's machine."""
    claimed, _ = mimetypes.guess_type(filename, strict=False)
    if claimed is None or claimed == content_type:
        return
    if claimed.startswith("image/") or claimed == "application/pdf":
        raise ApiError(
            415, f"the file is named '{filename}' (a {claimed} name) but its bytes are {content_type}; rename it"
        )


async def upload(gw: Gateway, user: Identity, request: Request) -> MediaOut:
    folder = gw.settings.data_dir / "media-spool"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    os.close(handle)
    spool = Path(name)
    try:
        state = await _spool_upload(gw, request, spool)
        if state.filename is None:
            raise ApiError(422, "send the file in a multipart field named 'file' (with a filename)")
        if state.size == 0:
            raise ApiError(422, "the file is empty")
        filename = safe_filename(state.filename)
        content_type = sniff(bytes(state.head))
        width = height = None
        strip_location = False
        if content_type in IMAGE_TYPES:
            try:
                info = await asyncio.to_thread(image_info, spool)
            except NotAnImage as exc:
                raise ApiError(415, f"the file starts like {content_type} but is not a readable image: {exc}") from exc
            content_type, width, height, strip_location = info.content_type, info.width, info.height, info.has_location
        if content_type not in gw.settings.allowed_media_types():
            allowed = ", ".join(gw.settings.allowed_media_types())
            raise ApiError(415, f"files of type {content_type} are not accepted here; accepted: {allowed}")
        _refuse_disguise(filename, content_type)
        blob = await gw.blobs.put_file(spool, state.digest.hexdigest())
    finally:
        spool.unlink(missing_ok=True)
    record = MediaRecord(
        media_id=gw.ids.next_id(),
        uploader_id=user.user_id,
        sha256=blob.sha256,
        filename=filename,
        content_type=content_type,
        size=blob.size,
        width=width,
        height=height,
        created_at=datetime.now(UTC),
        strip_location=strip_location,
    )
    await gw.store.add_media(record)
    return MediaOut.of(record)


async def _readable(gw: Gateway, user: Identity, media_id: int) -> MediaRecord:
    """The upload, if the user uploaded it or is a member of a room where a live message carries it."""
    record = await gw.store.get_media(media_id)
    if record is None:
        raise not_found(f"media {media_id}")
    if record.uploader_id == user.user_id:
        return record
    from chatcluster.gateway.messages import stored_message  # it imports this module to attach uploads

    for link in await gw.store.media_links(media_id):
        message = await stored_message(gw, link.message_id)  # fresh: waits briefly for the persister
        if message is None or message.deleted:
            continue
        if await gw.store.is_member(link.room_id, user.user_id):
            return record
    raise ApiError(403, f"media {media_id} was not posted in any room you are a member of")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as [start, end); None for the whole file."""
    if header is None:
        return None
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        raise ApiError(416, "give one range as bytes=START-END, bytes=START- or bytes=-SUFFIX")
    first, last = match.group(1), match.group(2)
    if first == "":
        start, end = max(0, size - int(last)), size
    else:
        start, end = int(first), size if last == "" else min(size, int(last) + 1)
    if start >= size or end <= start:
        raise ApiError(
            416, f"the range is outside the file's {size} bytes", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end


def _disposition(filename: str, inline: bool) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def _serve(
    gw: Gateway, sha256: str, size: int, content_type: str, filename: str, range_header: str | None
) -> StreamingResponse:
    inline = content_type in INLINE_TYPES
    headers = {
        "Content-Disposition": _disposition(filename, inline),
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=86400",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    span = _byte_range(range_header, size)
    start, end = span or (0, size)
    headers["Content-Length"] = str(end - start)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    chunks = gw.blobs.read(sha256, start, end)
    try:
        first = await anext(chunks, b"")
    except BlobNotFound as exc:
        raise ApiError(404, "the file's bytes are gone from storage (removed by the clean-up)") from exc

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    media_type = content_type if inline or content_type == "text/plain" else "application/octet-stream"
    if media_type == "text/plain":
        media_type = "text/plain; charset=utf-8"
    return StreamingResponse(body(), status_code=206 if span else 200, media_type=media_type, headers=headers)


async def download(gw: Gateway, user: Identity, media_id: int, range_header: str | None) -> StreamingResponse:
    record = await _readable(gw, user, media_id)
    sha256 = record.sha256
    size = record.size
    if record.strip_location and record.uploader_id != user.user_id:
        if record.clean_sha256 is None:
            raise ApiError(
                503,
                "the picture is still being processed (its location is being removed); retry shortly",
                headers={"Retry-After": str(RETRY_SECONDS)},
            )
        sha256 = record.clean_sha256
        size = await gw.blobs.size(sha256) or 0
    return await _serve(gw, sha256, size, record.content_type, record.filename, range_header)


async def download_thumbnail(gw: Gateway, user: Identity, media_id: int) -> StreamingResponse:
    record = await _readable(gw, user, media_id)
    if record.thumbnail_sha256 is None:
        reason = "not an image" if record.content_type not in IMAGE_TYPES else "not made yet; retry shortly"
        raise ApiError(404, f"media {media_id} has no thumbnail ({reason})")
    size = await gw.blobs.size(record.thumbnail_sha256) or 0
    stem = record.filename.rsplit(".", 1)[0]
    return await _serve(gw, record.thumbnail_sha256, size, "image/jpeg", f"{stem}-thumbnail.jpg", None)


async def attachments_for(gw: Gateway, user: Identity, media_ids: Sequence[int]) -> tuple[Attachment, ...]:
    """The attachments of a send: each one of the sender's own uploads, each once, in the order given."""
    if len(media_ids) > gw.settings.media_max_attachments:
        raise ApiError(422, f"attachments: at most {gw.settings.media_max_attachments} files per message")
    found: list[Attachment] = []
    for media_id in dict.fromkeys(media_ids):
        record = await gw.store.get_media(media_id)
        if record is None or record.uploader_id != user.user_id:
            raise ApiError(400, f"attachments: media {media_id} is not one of your uploads")
        found.append(
            Attachment(
                media_id=record.media_id,
                filename=record.filename,
                content_type=record.content_type,
                size=record.size,
                width=record.width,
                height=record.height,
            )
        )
    return tuple(found)


async def link_attachments(gw: Gateway, room_id: str, message_id: int, attachments: Sequence[Attachment]) -> None:
    """Record which message carries each upload before the message is published, so the room's members can fetch
    them the moment they see it."""
    for attachment in attachments:
        await gw.store.link_media(attachment.media_id, room_id, message_id)
