"""Uploaded files' metadata in SQLite (the `Media` role)."""

from __future__ import annotations

import sqlite3

from chatcluster.store.base import MediaLink, MediaRecord
from chatcluster.store.sqlite.connection import SqliteConnection
from chatcluster.times import epoch_ms, utc_datetime

_COLUMNS = (
    "media_id, uploader_id, sha256, filename, content_type, size, width, height, created_ms, strip_location, "
    "thumbnail_sha256, clean_sha256"
)


def _record(row: sqlite3.Row) -> MediaRecord:
    return MediaRecord(
        media_id=row["media_id"],
        uploader_id=row["uploader_id"],
        sha256=row["sha256"],
        filename=row["filename"],
        content_type=row["content_type"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        created_at=utc_datetime(row["created_ms"]),
        strip_location=bool(row["strip_location"]),
        thumbnail_sha256=row["thumbnail_sha256"],
        clean_sha256=row["clean_sha256"],
    )


class SqliteMedia(SqliteConnection):
    """The `Media` role: one row per upload, one per message carrying it."""

    async def add_media(self, media: MediaRecord) -> None:
        async with self._write() as db:
            await db.execute(
                f"INSERT INTO media ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    media.media_id,
                    media.uploader_id,
                    media.sha256,
                    media.filename,
                    media.content_type,
                    media.size,
                    media.width,
                    media.height,
                    epoch_ms(media.created_at),
                    int(media.strip_location),
                    media.thumbnail_sha256,
                    media.clean_sha256,
                ),
            )

    async def get_media(self, media_id: int) -> MediaRecord | None:
        row = await self._one(f"SELECT {_COLUMNS} FROM media WHERE media_id = ?", (media_id,))
        return None if row is None else _record(row)

    async def set_media_derivatives(
        self, media_id: int, thumbnail_sha256: str | None, clean_sha256: str | None
    ) -> None:
        async with self._write() as db:
            await db.execute(
                "UPDATE media SET thumbnail_sha256 = COALESCE(?, thumbnail_sha256), "
                "clean_sha256 = COALESCE(?, clean_sha256) WHERE media_id = ?",
                (thumbnail_sha256, clean_sha256, media_id),
            )

    async def link_media(self, media_id: int, room_id: str, message_id: int) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO media_links (media_id, message_id, room_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (media_id, message_id, room_id),
            )

    async def media_links(self, media_id: int) -> list[MediaLink]:
        rows = await self._all(
            "SELECT room_id, message_id FROM media_links WHERE media_id = ? ORDER BY message_id", (media_id,)
        )
        return [MediaLink(r["room_id"], r["message_id"]) for r in rows]

    async def delete_media(self, media_id: int) -> None:
        async with self._write() as db:
            await db.execute("DELETE FROM media_links WHERE media_id = ?", (media_id,))
            await db.execute("DELETE FROM media WHERE media_id = ?", (media_id,))

    async def all_media(self) -> list[MediaRecord]:
        return [_record(row) for row in await self._all(f"SELECT {_COLUMNS} FROM media")]
