"""The `Media` contract: uploads' metadata and the messages that carry them."""

from __future__ import annotations

from dataclasses import replace

from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import Attachment, EventKind, MessageEvent
from chatcluster.store.base import Media, MediaLink, MediaRecord, Store
from tests.contract.builders import ORIGIN_MS, ContractCase, at, created

SHA_A = "a" * 64
SHA_T = "b" * 64
SHA_C = "c" * 64


def upload(ids: SnowflakeGenerator, **fields: object) -> MediaRecord:
    record = MediaRecord(
        media_id=ids.next_id(),
        uploader_id=42,
        sha256=SHA_A,
        filename="holiday photo.jpg",
        content_type="image/jpeg",
        size=123_456,
        width=1024,
        height=768,
        created_at=at(ORIGIN_MS + 5),
    )
    return replace(record, **fields)  # type: ignore[arg-type]


class MediaContract(ContractCase):
    async def test_an_upload_reads_back_as_recorded(self, store: Media, ids: SnowflakeGenerator) -> None:
        picture = upload(ids, strip_location=True)
        document = upload(
            ids, sha256=SHA_C, filename="notes.pdf", content_type="application/pdf", width=None, height=None
        )
        await store.add_media(picture)
        await store.add_media(document)

        assert await store.get_media(picture.media_id) == picture
        assert await store.get_media(document.media_id) == document
        assert await store.get_media(ids.next_id()) is None

    async def test_recording_the_same_upload_again_changes_nothing(self, store: Media, ids: SnowflakeGenerator) -> None:
        picture = upload(ids)
        await store.add_media(picture)

        await store.add_media(replace(picture, filename="other.jpg"))

        assert await store.get_media(picture.media_id) == picture

    async def test_the_workers_derivatives_are_recorded_and_a_none_keeps_the_one_there(
        self, store: Media, ids: SnowflakeGenerator
    ) -> None:
        picture = upload(ids, strip_location=True)
        await store.add_media(picture)

        await store.set_media_derivatives(picture.media_id, SHA_T, None)
        await store.set_media_derivatives(picture.media_id, None, SHA_C)

        stored = await store.get_media(picture.media_id)
        assert stored == replace(picture, thumbnail_sha256=SHA_T, clean_sha256=SHA_C)

    async def test_the_messages_carrying_an_upload_are_listed_oldest_first_once_each(
        self, store: Media, ids: SnowflakeGenerator
    ) -> None:
        picture = upload(ids)
        await store.add_media(picture)
        first, second = ids.next_id(), ids.next_id()

        await store.link_media(picture.media_id, "general", second)
        await store.link_media(picture.media_id, "random", first)
        await store.link_media(picture.media_id, "general", second)

        assert await store.media_links(picture.media_id) == [MediaLink("random", first), MediaLink("general", second)]

    async def test_a_deleted_upload_is_gone_with_its_links(self, store: Media, ids: SnowflakeGenerator) -> None:
        kept, dropped = upload(ids), upload(ids, sha256=SHA_C)
        for record in (kept, dropped):
            await store.add_media(record)
            await store.link_media(record.media_id, "general", ids.next_id())

        await store.delete_media(dropped.media_id)

        assert await store.get_media(dropped.media_id) is None
        assert await store.media_links(dropped.media_id) == []
        assert [m.media_id for m in await store.all_media()] == [kept.media_id]

    async def test_a_messages_attachments_are_stored_with_it_and_gone_once_it_is_deleted(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        picture = Attachment(
            media_id=ids.next_id(), filename="a.png", content_type="image/png", size=9, width=3, height=2
        )
        sent = created(ids, "general", "look", attachments=[picture])
        await store.apply_events([sent])

        assert (await store.get_message(sent.message.message_id)) == sent.message

        tombstone = sent.message.model_copy(update={"text": "", "deleted": True, "attachments": ()})
        await store.apply_events([MessageEvent(kind=EventKind.DELETED, event_id=ids.next_id(), message=tombstone)])
        stored = await store.get_message(sent.message.message_id)
        assert stored is not None and stored.attachments == ()
