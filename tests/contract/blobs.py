"""The `BlobStore` contract: what the filesystem and every S3-compatible store must do alike.

A back end's test class subclasses `BlobStoreContract` and supplies a `blobs` fixture: an empty store.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatcluster.media.blobs import Blob, BlobNotFound, BlobStore, BlobTooLarge


async def chunks_of(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(blobs: BlobStore, sha256: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in blobs.read(sha256, start, end)])


DATA = bytes(range(256)) * 40  # 10,240 bytes, every byte value
DATA_SHA = hashlib.sha256(DATA).hexdigest()


class BlobStoreContract:
    async def test_a_blob_is_named_by_the_sha256_of_its_bytes_and_reads_back_whole(self, blobs: BlobStore) -> None:
        blob = await blobs.put(chunks_of(DATA))

        assert blob == Blob(DATA_SHA, len(DATA))
        assert await read_all(blobs, DATA_SHA) == DATA
        assert await blobs.size(DATA_SHA) == len(DATA)

    async def test_the_same_bytes_stored_twice_are_kept_once(self, blobs: BlobStore) -> None:
        await blobs.put(chunks_of(DATA, 7))
        again = await blobs.put(chunks_of(DATA, 4096))

        assert again.sha256 == DATA_SHA
        assert [name async for name in blobs.names()] == [DATA_SHA]

    async def test_a_byte_range_reads_exactly_those_bytes(self, blobs: BlobStore) -> None:
        await blobs.put(chunks_of(DATA))

        assert await read_all(blobs, DATA_SHA, 10, 20) == DATA[10:20]
        assert await read_all(blobs, DATA_SHA, 10_000) == DATA[10_000:]
        assert await read_all(blobs, DATA_SHA, 0, 1) == DATA[:1]
        assert await read_all(blobs, DATA_SHA, 5, 5) == b""

    async def test_a_file_is_stored_under_its_hash_and_left_in_place(self, blobs: BlobStore, tmp_path: Path) -> None:
        source = tmp_path / "upload.bin"
        source.write_bytes(DATA)

        assert await blobs.put_file(source) == Blob(DATA_SHA, len(DATA))
        assert source.read_bytes() == DATA
        assert await read_all(blobs, DATA_SHA) == DATA

    async def test_an_empty_blob_is_a_blob(self, blobs: BlobStore) -> None:
        blob = await blobs.put(chunks_of(b""))

        assert blob == Blob(hashlib.sha256(b"").hexdigest(), 0)
        assert await read_all(blobs, blob.sha256) == b""

    async def test_a_blob_past_its_size_limit_is_refused_and_nothing_is_kept(self, blobs: BlobStore) -> None:
        with pytest.raises(BlobTooLarge):
            await blobs.put(chunks_of(DATA), max_bytes=len(DATA) - 1)

        assert [name async for name in blobs.names()] == []
        assert await blobs.size(DATA_SHA) is None

    async def test_a_missing_blob_has_no_size_and_reading_it_says_not_found(self, blobs: BlobStore) -> None:
        assert await blobs.size(DATA_SHA) is None
        with pytest.raises(BlobNotFound):
            await read_all(blobs, DATA_SHA)

    async def test_a_name_that_is_not_a_sha256_finds_nothing(self, blobs: BlobStore) -> None:
        assert await blobs.size("../../etc/passwd") is None
        with pytest.raises(BlobNotFound):
            await read_all(blobs, "../" + DATA_SHA)
        assert await blobs.delete("..") is False

    async def test_a_deleted_blob_is_gone_and_deleting_it_again_reports_nothing(self, blobs: BlobStore) -> None:
        other = await blobs.put(chunks_of(b"another file"))
        await blobs.put(chunks_of(DATA))

        assert await blobs.delete(DATA_SHA) is True
        assert await blobs.delete(DATA_SHA) is False

        assert await blobs.size(DATA_SHA) is None
        assert [name async for name in blobs.names()] == [other.sha256]
