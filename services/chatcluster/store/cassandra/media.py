"""Uploaded files' metadata in Cassandra (the `Media` role): one row per upload, its links in its partition."""

from __future__ import annotations

from typing import Any

from chatcluster.store.base import MediaLink, MediaRecord
from chatcluster.store.cassandra.connection import CassandraConnection
from chatcluster.times import epoch_ms, utc_datetime

_COLUMNS = (
    "media_id, uploader_id, sha256, filename, content_type, size, width, height, created_ms, strip_location, "
    "thumbnail_sha256, clean_sha256"
)


def _record(row: Any) -> MediaRecord:
    return MediaRecord(
        media_id=row.media_id,
        uploader_id=row.uploader_id,
        sha256=row.sha256,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        width=row.width,
        height=row.height,
        created_at=utc_datetime(row.created_ms),
        strip_location=bool(row.strip_location),
        thumbnail_sha256=row.thumbnail_sha256,
        clean_sha256=row.clean_sha256,
    )


class CassandraMedia(CassandraConnection):
    """The `Media` role."""

    async def add_media(self, media: MediaRecord) -> None:
        await self._q(
            f"INSERT INTO media ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
            media.media_id,
            media.uploader_id,
            media.sha256,
            media.filename,
            media.content_type,
            media.size,
            media.width,
            media.height,
            epoch_ms(media.created_at),
            media.strip_location,
            media.thumbnail_sha256,
            media.clean_sha256,
        )

    async def get_media(self, media_id: int) -> MediaRecord | None:
        rows = await self._q(f"SELECT {_COLUMNS} FROM media WHERE media_id = ?", media_id)
        return _record(rows[0]) if rows else None

    async def set_media_derivatives(
        self, media_id: int, thumbnail_sha256: str | None, clean_sha256: str | None
    ) -> None:
        # Conditional on the row, so a late worker never resurrects an upload the clean-up removed.
        if thumbnail_sha256 is not None:
            await self._q(
                "UPDATE media SET thumbnail_sha256 = ? WHERE media_id = ? IF EXISTS", thumbnail_sha256, media_id
            )
        if clean_sha256 is not None:
            await self._q("UPDATE media SET clean_sha256 = ? WHERE media_id = ? IF EXISTS", clean_sha256, media_id)

    async def link_media(self, media_id: int, room_id: str, message_id: int) -> None:
        await self._q(
            "INSERT INTO media_links (media_id, message_id, room_id) VALUES (?, ?, ?)", media_id, message_id, room_id
        )

    async def media_links(self, media_id: int) -> list[MediaLink]:
        rows = await self._q("SELECT room_id, message_id FROM media_links WHERE media_id = ?", media_id)
        return [MediaLink(r.room_id, r.message_id) for r in rows]

    async def delete_media(self, media_id: int) -> None:
        await self._q("DELETE FROM media_links WHERE media_id = ?", media_id)
        await self._q("DELETE FROM media WHERE media_id = ?", media_id)

    async def all_media(self) -> list[MediaRecord]:
        return [_record(row) for row in await self._q(f"SELECT {_COLUMNS} FROM media")]
