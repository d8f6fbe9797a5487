"""The BlobStore contract on both back ends: the local filesystem and S3 (a real SeaweedFS)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatcluster.dev.seaweedfs import LocalSeaweed
from chatcluster.media.blobs import FileBlobStore, S3BlobStore
from tests.contract.blobs import BlobStoreContract


class TestFileBlobStore(BlobStoreContract):
    @pytest.fixture
    async def blobs(self, tmp_path: Path) -> AsyncIterator[FileBlobStore]:
        store = FileBlobStore(tmp_path / "blobs")
        yield store
        await store.close()

    async def test_a_blob_file_is_readable_only_by_its_owner(self, blobs: FileBlobStore) -> None:
        async def one() -> AsyncIterator[bytes]:
            yield b"private picture"

        blob = await blobs.put(one())

        path = blobs.root / blob.sha256[:2] / blob.sha256[2:4] / blob.sha256
        assert path.stat().st_mode & 0o777 == 0o600


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    async def blobs(self, seaweed: LocalSeaweed, tmp_path: Path) -> AsyncIterator[S3BlobStore]:
        # A bucket per test: each case starts from an empty store on the one server.
        store = S3BlobStore(
            seaweed.endpoint,
            f"test-{uuid.uuid4().hex[:12]}",
            seaweed.access_key,
            seaweed.secret_key,
            spool_dir=tmp_path / "spool",
        )
        await store.ensure_bucket()
        yield store
        await store.close()
