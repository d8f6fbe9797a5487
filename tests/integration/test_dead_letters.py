"""Poison messages go to CHAT_DLQ with the error, and the stream keeps flowing."""

from __future__ import annotations

import nats

from chatcluster.bus import DLQ_STREAM
from chatcluster.models import DeadLetter
from chatcluster.supervisor import Supervisor
from tests.conftest import ClientFactory
from tests.helpers import all_messages, eventually


async def test_an_undecodable_message_is_dead_lettered_and_later_messages_are_stored(
    shared_platform: Supervisor, new_user: ClientFactory
) -> None:
    alice = await new_user()
    room = await alice.create_room("poison")
    nc = await nats.connect(shared_platform.settings.nats_url)
    js = nc.jetstream()
    before = (await js.stream_info(DLQ_STREAM)).state.messages
    await js.publish(f"chat.msg.{room['room_id']}", b'{"schema_version": "chatcluster.message.v1", "kind": "nonsense"}')
    await alice.send(room["room_id"], "still flowing")

    await eventually(lambda: all_messages(alice, room["room_id"]))
    await eventually(lambda: _dlq_size_above(js, before))
    raw = await js.get_last_msg(DLQ_STREAM, "chat.dlq.persister")
    letter = DeadLetter.model_validate_json(raw.data or b"")
    await nc.close()

    assert letter.consumer == "persister"
    assert letter.subject == f"chat.msg.{room['room_id']}"
    assert "undecodable payload" in letter.error
    assert "nonsense" in letter.payload


async def _dlq_size_above(js: nats.js.JetStreamContext, size: int) -> bool:
    return bool((await js.stream_info(DLQ_STREAM)).state.messages > size)
