"""Pictures and files on the real platform: uploads sniffed and streamed to the filesystem BlobStore, attached to
messages, read back by the room's members only (with ranges, safe headers), hidden once the message is deleted."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image

from chatcluster.client import ChatClient
from tests.conftest import ClientFactory, PlatformFactory, unique_name
from tests.helpers import eventually


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


async def upload(client: ChatClient, name: str, data: bytes | AsyncIterator[bytes]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {client.token}"}
    if isinstance(data, bytes):
        return await client._http.post("/v1/media", files={"file": (name, data)}, headers=headers)
    boundary = "chatcluster-test-boundary"

    async def body() -> AsyncIterator[bytes]:
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'.encode()
        async for chunk in data:
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    return await client._http.post("/v1/media", content=body(), headers=headers)


async def get(client: ChatClient, path: str, **headers: str) -> httpx.Response:
    return await client._http.get(path, headers={"Authorization": f"Bearer {client.token}", **headers})


@pytest.fixture
async def room(new_user: ClientFactory) -> tuple[ChatClient, ChatClient, ChatClient, str]:
    """author, member, outsider, and the room the first two share"""
    author, member, outsider = [await new_user() for _ in range(3)]
    room_id: str = (await author.create_room(unique_name("media")))["room_id"]
    await member.join(room_id)
    return author, member, outsider, room_id


async def test_an_uploaded_picture_is_described_from_its_bytes_and_members_of_its_room_read_it(
    room: tuple[ChatClient, ChatClient, ChatClient, str],
) -> None:
    author, member, outsider, room_id = room
    picture = png()

    answer = await upload(author, "red square.bin", picture)

    assert answer.status_code == 201, answer.text
    media: dict[str, Any] = answer.json()
    assert (media["content_type"], media["size"], media["width"], media["height"]) == (
        "image/png",
        len(picture),
        40,
        30,
    )
    sent = await author.send(room_id, "look at this", attachments=[media["media_id"]])
    page = await member.history(room_id)
    carried = next(m for m in page["messages"] if m["message_id"] == sent["message_id"])
    assert [a["media_id"] for a in carried["attachments"]] == [media["media_id"]]

    read = await get(member, media["url"])
    assert read.status_code == 200 and read.content == picture
    assert read.headers["content-type"] == "image/png"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"].startswith('inline; filename="red square.bin"')
    assert (await get(outsider, media["url"])).status_code == 403


async def test_a_byte_range_of_an_attachment_is_answered_with_206_and_exactly_those_bytes(
    room: tuple[ChatClient, ChatClient, ChatClient, str],
) -> None:
    author, member, _outsider, room_id = room
    data = bytes(range(256)) * 64
    media = (await upload(author, "numbers.zip", b"PK\x03\x04" + data)).json()
    await author.send(room_id, "the archive", attachments=[media["media_id"]])

    part = await get(member, media["url"], Range="bytes=4-13")

    assert part.status_code == 206
    assert part.content == data[:10]
    assert part.headers["content-range"] == f"bytes 4-13/{len(data) + 4}"
    assert part.headers["content-type"] == "application/octet-stream"
    assert part.headers["content-disposition"].startswith("attachment;")
    assert (await get(member, media["url"], Range="bytes=999999-")).status_code == 416


async def test_a_file_named_png_that_is_not_a_png_and_an_empty_file_are_refused_with_a_sentence(
    new_user: ClientFactory,
) -> None:
    author = await new_user()

    disguised = await upload(author, "cat.png", b"#!/bin/sh\necho this is not a picture\n")
    empty = await upload(author, "empty.txt", b"")
    fake_image = await upload(author, "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)

    assert disguised.status_code == 415 and "cat.png" in disguised.json()["detail"]
    assert empty.status_code == 422 and empty.json()["detail"] == "the file is empty"
    assert fake_image.status_code == 415 and "not a readable image" in fake_image.json()["detail"]


async def test_only_the_senders_own_uploads_can_be_attached(
    room: tuple[ChatClient, ChatClient, ChatClient, str],
) -> None:
    author, member, _outsider, room_id = room
    media = (await upload(author, "mine.png", png())).json()

    with pytest.raises(Exception) as refused:
        await member.send(room_id, "stolen", attachments=[media["media_id"]])

    assert "is not one of your uploads" in str(refused.value)


async def test_a_deleted_messages_attachment_is_no_longer_readable_by_the_room(
    room: tuple[ChatClient, ChatClient, ChatClient, str],
) -> None:
    author, member, _outsider, room_id = room
    media = (await upload(author, "gone.png", png(8, 8))).json()
    sent = await author.send(room_id, "soon gone", attachments=[media["media_id"]])
    assert (await get(member, media["url"])).status_code == 200

    await author.call("DELETE", f"/v1/rooms/{room_id}/messages/{sent['message_id']}")

    async def refused() -> bool:  # the persister stores the deletion a moment later
        return (await get(member, media["url"])).status_code == 403

    assert await eventually(refused)
    assert (await get(author, media["url"])).status_code == 200  # the uploader keeps their own file


async def test_an_upload_past_the_size_limit_is_refused_while_it_streams(start_platform: PlatformFactory) -> None:
    platform = await start_platform(media_max_bytes=100_000)
    async with ChatClient(platform.gateway_url) as client:
        await client.register(unique_name(), "correct horse battery")

        async def big() -> AsyncIterator[bytes]:
            for _ in range(50):
                yield b"x" * 10_000  # chunked: no Content-Length to refuse it by

        answer = await upload(client, "big.txt", big())

    assert answer.status_code == 413
    assert "larger than 100,000 bytes" in answer.json()["detail"]
