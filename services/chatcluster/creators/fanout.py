"""The broadcast fan-out worker: the durable consumer of the BROADCASTS stream that turns one broadcast into one
direct message per recipient, from the creator, in their direct-message room, as a normal message (the persister,
the scorer, the notifier and unread counts take it like any other).

Exactly once per recipient, however often it is killed: the first time a broadcast is handled its recipients are
frozen in the store, each with the message id of their copy, minted once (`Broadcasts.freeze_recipients`); a copy
is published with that id under the Nats-Msg-Id `broadcast:<broadcast>:<recipient>` and only then is the
recipient's outcome recorded. A worker killed between the two publishes the same copy again after its restart:
JetStream drops it within the duplicate window, and past it the stores' upserts keyed by message id make it the
same row. Recipients with an outcome are not published again. Recipients who blocked the creator (or whose account
is gone) are skipped and counted as skipped. Progress is derived from the outcomes (`creators.progress`) and pushed
to the creator's sockets after every chunk."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from chatcluster.bus import connect, ensure_streams, publish_event, publish_user_frame
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.creators.models import BROADCAST_SUBJECT_PREFIX, BroadcastEvent, delivery_key
from chatcluster.creators.progress import progress_from
from chatcluster.creators.streams import BROADCAST_STREAM, ensure_broadcast_stream
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import (
    EventKind,
    MembershipEvent,
    MembershipOp,
    Message,
    MessageEvent,
    Room,
    RoomKind,
    dm_room_id,
    membership_subject,
)
from chatcluster.store import Accounts, Blocks, JoinResult, Lifecycle, ReadMarkers, Rooms, open_store
from chatcluster.store.base import BroadcastRecord, Broadcasts, CreatorLists, Recipient

log = logging.getLogger(__name__)

DURABLE = "broadcast-fanout"
CHUNK = 200  # copies published concurrently, then their outcomes recorded in one write
DM_MEMBERS = 2


class FanoutStore(Lifecycle, Accounts, Rooms, ReadMarkers, Blocks, CreatorLists, Broadcasts, Protocol):
    """The roles the fan-out worker uses."""


def decode(data: bytes) -> BroadcastEvent:
    return BroadcastEvent.model_validate_json(data)


class Fanout:
    def __init__(self, store: FanoutStore, nc: NATS, js: JetStreamContext, ids: SnowflakeGenerator) -> None:
        self.store = store
        self.nc = nc
        self.js = js
        self.ids = ids

    async def handle(self, batch: Sequence[Delivery[BroadcastEvent]]) -> None:
        for delivery in batch:
            await self.deliver(delivery.value, delivery.msg)

    async def deliver(self, event: BroadcastEvent, msg: Msg | None = None) -> None:
        record = BroadcastRecord(event.broadcast_id, event.creator_id, event.list_id, event.text)
        await self.store.put_broadcast(record)
        members = await self.store.list_members(event.list_id)  # a deleted list: nobody
        minted = [Recipient(m.user_id, self.ids.next_id()) for m in members]
        recipients = await self.store.freeze_recipients(event.broadcast_id, minted)
        outcomes = await self.store.broadcast_outcomes(event.broadcast_id)
        pending = [r for r in recipients if r.user_id not in outcomes]
        await self._push(record, len(recipients), outcomes)
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
            # The store is read and written one recipient at a time (one SQLite connection takes no concurrent
            # transactions); the chunk's copies are then published at once, waiting for every PubAck.
            copies = [await self._copy_for(event, r) for r in chunk]
            await asyncio.gather(
                *(
                    publish_event(self.js, copy, delivery_key(event.broadcast_id, r.user_id))
                    for r, copy in zip(chunk, copies, strict=True)
                    if copy is not None
                )
            )
            done = {r.user_id: copy is not None for r, copy in zip(chunk, copies, strict=True)}
            await self.store.record_outcomes(event.broadcast_id, done)
            outcomes.update(done)
            await self._push(record, len(recipients), outcomes)
            if msg is not None:
                await msg.in_progress()  # a long fan-out is not redelivered to another worker meanwhile

    async def _push(self, record: BroadcastRecord, total: int, outcomes: dict[int, bool]) -> None:
        frame = progress_from(record, total, outcomes).model_dump(mode="json")
        try:
            await publish_user_frame(self.nc, record.creator_id, frame)
        except NatsError as exc:  # the creator reads it from GET /v1/broadcasts/{id}
            log.warning("progress of broadcast %s not pushed: %r", record.broadcast_id, exc)

    async def _copy_for(self, event: BroadcastEvent, recipient: Recipient) -> MessageEvent | None:
        """The recipient's copy, in their direct-message room with the creator (made when missing); None when the
        recipient is skipped."""
        if await self.store.has_blocked(recipient.user_id, event.creator_id):
            return None
        user = await self.store.get_user(recipient.user_id)
        if user is None or user.deleted:
            return None
        room = await self._dm_room(event, user.user_id, user.username, recipient.message_id)
        message = Message(
            message_id=recipient.message_id,
            room_id=room.room_id,
            author_id=event.creator_id,
            author=event.creator,
            text=event.text,
        )
        return MessageEvent(kind=EventKind.CREATED, event_id=recipient.message_id, message=message, private=True)

    async def _dm_room(self, event: BroadcastEvent, user_id: int, username: str, message_id: int) -> Room:
        """The creator's direct-message room with the recipient, made (and both made members) when missing, as
        `gateway.direct.open_dm` makes it."""
        room_id = dm_room_id(event.creator_id, user_id)
        room = await self.store.get_room(room_id)
        if room is None:
            low, high = sorted((event.creator, username), key=str.lower)
            room = Room(
                room_id=room_id,
                kind=RoomKind.DIRECT,
                name=f"{low} & {high}",
                created_by=event.creator_id,
                created_at=datetime.now(UTC),
            )
            await self.store.create_room(room)
            room = await self.store.get_room(room_id) or room
        for member_id, name in ((event.creator_id, event.creator), (user_id, username)):
            if await self.store.add_member(room_id, member_id, DM_MEMBERS) is JoinResult.JOINED:
                if member_id == event.creator_id:  # the creator has read their own broadcast; the recipient has not
                    await self.store.advance_read_marker(member_id, room_id, message_id)
                await self._announce_join(room, member_id, name)
        return room

    async def _announce_join(self, room: Room, user_id: int, username: str) -> None:
        notice = {"op": "join", "room": json.loads(room.model_dump_json())}
        await self.nc.publish(membership_subject(user_id), json.dumps(notice).encode())
        joined = MembershipEvent(
            event_id=self.ids.next_id(),
            room_id=room.room_id,
            user_id=user_id,
            username=username,
            op=MembershipOp.JOINED,
        )
        await publish_event(self.js, joined, f"member:{joined.event_id}")


async def run_fanout(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    nc = await connect(settings, name="broadcast-fanout")
    js = nc.jetstream(timeout=5)
    await ensure_streams(js, settings)
    await ensure_broadcast_stream(js, settings)
    fanout = Fanout(store, nc, js, SnowflakeGenerator(settings.worker_id))
    spec = ConsumerSpec(
        durable=DURABLE,
        stream=BROADCAST_STREAM,
        filter_subject=f"{BROADCAST_SUBJECT_PREFIX}>",
        decode=decode,
        handle=fanout.handle,
        message_id=lambda e: e.broadcast_id,
    )
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        await nc.close()
        await store.close()
