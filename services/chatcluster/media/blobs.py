"""Blobs (uploads, thumbnails, preview images) behind one `BlobStore` interface, content-addressed by sha256.

Two back ends pass one contract suite (tests/contract/blobs.py): `FileBlobStore`, the local filesystem of the
embedded platform, and `S3BlobStore`, any S3-compatible object store of a cluster (tested against SeaweedFS).
A blob's name is the sha256 of its bytes, so the same file stored twice is kept once and a name never changes
meaning; writes go to a temporary name first, so a reader never sees half a blob.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from chatcluster.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK_BYTES = 1 << 20
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(LookupError):
    """No blob by that name."""


class BlobTooLarge(ValueError):
    """A blob being stored passed the size it was allowed; nothing was kept."""


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


def check_name(sha256: str) -> str:
    """A blob name is 64 lowercase hex digits: anything else could name a path or a key outside the store."""
    if not SHA256_RE.fullmatch(sha256):
        raise BlobNotFound(f"'{sha256}' is not a sha256 blob name")
    return sha256


class BlobStore(Protocol):
    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int | None = None) -> Blob:
        """Store the bytes as they arrive (never whole in memory); BlobTooLarge past `max_bytes`."""

    async def put_file(self, path: Path, sha256: str | None = None) -> Blob:
        """Store a file's bytes (`sha256` when the caller already hashed them); the file is left in place."""

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `start` to `end` (exclusive; None: to the end) in chunks; BlobNotFound when absent."""

    async def size(self, sha256: str) -> int | None:
        """The blob's size, None when absent."""

    async def delete(self, sha256: str) -> bool:
        """Remove the blob; False when it was not there."""

    def names(self) -> AsyncIterator[str]:
        """Every blob's name, in no particular order."""

    async def close(self) -> None: ...


async def spool(chunks: AsyncIterable[bytes], folder: Path, max_bytes: int | None = None) -> tuple[Path, Blob]:
    """Write the chunks to a new temporary file in `folder`, hashing as they go; the caller removes the file."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=".spool-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise BlobTooLarge(f"larger than {max_bytes} bytes")
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, Blob(digest.hexdigest(), size)


def file_digest(path: Path) -> Blob:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return Blob(digest.hexdigest(), size)


class FileBlobStore:
    """Blobs as files `<root>/ab/cd/<sha256>`, written to a temporary file and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def _path(self, sha256: str) -> Path:
        check_name(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int | None = None) -> Blob:
        path, blob = await spool(chunks, self._tmp, max_bytes)
        try:
            await asyncio.to_thread(self._place, path, blob)
        finally:
            path.unlink(missing_ok=True)
        return blob

    async def put_file(self, path: Path, sha256: str | None = None) -> Blob:
        def store() -> Blob:
            blob = file_digest(path) if sha256 is None else Blob(sha256, path.stat().st_size)
            self._tmp.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=self._tmp, prefix=".copy-")
            os.close(handle)
            copy = Path(name)
            try:
                try:
                    os.link(path, copy.with_suffix(".lnk"))  # same file system: no copy of the bytes
                    os.replace(copy.with_suffix(".lnk"), copy)
                except OSError:
                    with path.open("rb") as source, copy.open("wb") as out:
                        while chunk := source.read(CHUNK_BYTES):
                            out.write(chunk)
                self._place(copy, blob)
            finally:
                copy.unlink(missing_ok=True)
            return blob

        return await asyncio.to_thread(store)

    def _place(self, temporary: Path, blob: Blob) -> None:
        final = self._path(blob.sha256)
        if final.exists():  # content-addressed: the same bytes are already there
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary.chmod(0o600)
        os.replace(temporary, final)

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        try:
            source = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(sha256) from exc
        with source:
            source.seek(start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                want = CHUNK_BYTES if left is None else min(CHUNK_BYTES, left)
                chunk = await asyncio.to_thread(source.read, want)
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    async def size(self, sha256: str) -> int | None:
        try:
            return self._path(sha256).stat().st_size
        except (FileNotFoundError, BlobNotFound):
            return None

    async def delete(self, sha256: str) -> bool:
        try:
            self._path(sha256).unlink()
        except (FileNotFoundError, BlobNotFound):
            return False
        return True

    async def names(self) -> AsyncIterator[str]:
        for path in await asyncio.to_thread(lambda: list(self.root.glob("??/??/*"))):
            if SHA256_RE.fullmatch(path.name):
                yield path.name

    async def close(self) -> None:
        return None


class S3BlobStore:
    """Blobs as objects `<prefix><sha256>` of one bucket, through boto3 in worker threads.

    An upload is spooled to a local temporary file while it is hashed (its name is its hash, known only at the
    end), then sent with boto3's managed multipart transfer; memory stays at a chunk or two whatever the size.
    """

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        prefix: str = "blobs/",
        spool_dir: Path | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        self._spool = spool_dir or Path(tempfile.gettempdir()) / "chatcluster-spool"
        self._client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, sha256: str) -> str:
        return self.prefix + check_name(sha256)

    async def ensure_bucket(self) -> None:
        def create() -> None:
            from botocore.exceptions import ClientError

            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError:
                self._client.create_bucket(Bucket=self.bucket)

        await asyncio.to_thread(create)

    async def put(self, chunks: AsyncIterable[bytes], max_bytes: int | None = None) -> Blob:
        path, blob = await spool(chunks, self._spool, max_bytes)
        try:
            return await self.put_file(path, blob.sha256)
        finally:
            path.unlink(missing_ok=True)

    async def put_file(self, path: Path, sha256: str | None = None) -> Blob:
        def store() -> Blob:
            blob = file_digest(path) if sha256 is None else Blob(sha256, path.stat().st_size)
            if self._head(blob.sha256) is None:
                self._client.upload_file(str(path), self.bucket, self._key(blob.sha256))
            return blob

        return await asyncio.to_thread(store)

    def _head(self, sha256: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return self._client.head_object(Bucket=self.bucket, Key=self._key(sha256))["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        key = self._key(sha256)
        if end is not None and end <= start:
            if await self.size(sha256) is None:
                raise BlobNotFound(sha256)
            return
        span = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            answer = await asyncio.to_thread(lambda: self._client.get_object(Bucket=self.bucket, Key=key, Range=span))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                raise BlobNotFound(sha256) from exc
            if code == "InvalidRange":  # a start at or past the end: nothing to read
                return
            raise
        body = answer["Body"]
        try:
            while chunk := await asyncio.to_thread(body.read, CHUNK_BYTES):
                yield chunk
        finally:
            body.close()

    async def size(self, sha256: str) -> int | None:
        try:
            return await asyncio.to_thread(self._head, sha256)
        except BlobNotFound:
            return None

    async def delete(self, sha256: str) -> bool:
        try:
            key = self._key(sha256)
        except BlobNotFound:
            return False
        if await self.size(sha256) is None:
            return False
        await asyncio.to_thread(lambda: self._client.delete_object(Bucket=self.bucket, Key=key))
        return True

    async def names(self) -> AsyncIterator[str]:
        def page(token: str | None) -> tuple[list[str], str | None]:
            if token:
                answer = self._client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, ContinuationToken=token)
            else:
                answer = self._client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix)
            keys = [item["Key"].removeprefix(self.prefix) for item in answer.get("Contents", [])]
            return keys, answer.get("NextContinuationToken") if answer.get("IsTruncated") else None

        token: str | None = None
        while True:
            keys, token = await asyncio.to_thread(page, token)
            for key in keys:
                if SHA256_RE.fullmatch(key):
                    yield key
            if token is None:
                return

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()


def open_blob_store(settings: Settings) -> BlobStore:
    """The BlobStore the settings name: the filesystem (the embedded default) or an S3-compatible store."""
    if settings.media_backend == "s3":
        return S3BlobStore(
            settings.media_s3_endpoint,
            settings.media_s3_bucket,
            settings.media_s3_access_key,
            settings.media_s3_secret_key,
            region=settings.media_s3_region,
            spool_dir=settings.data_dir / "media-spool",
        )
    return FileBlobStore(settings.resolved_media_dir())
