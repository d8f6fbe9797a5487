"""The persister: a durable consumer that upserts every message event into the store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from chatcluster.bus import CHAT_STREAM
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.models import MESSAGE_SUBJECT_PREFIX, MessageEvent, event_id_of
from chatcluster.store import Messages, open_store
from chatcluster.telemetry.instruments import instruments

DURABLE = "persister"


def persist_into(messages: Messages) -> Callable[[Sequence[Delivery[MessageEvent]]], Awaitable[None]]:
    """The consumer's handler: each batch stored in one call."""
    persisted = instruments().persisted

    async def persist(batch: Sequence[Delivery[MessageEvent]]) -> None:
        await messages.apply_events([d.value for d in batch])
        persisted.add(len(batch))

    return persist


async def run_persister(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    spec = ConsumerSpec(
        durable=DURABLE,
        stream=CHAT_STREAM,
        filter_subject=f"{MESSAGE_SUBJECT_PREFIX}>",
        decode=MessageEvent.model_validate_json,
        handle=persist_into(store),
        message_id=event_id_of,
    )
    try:
        await ConsumerLoop(settings, spec).run(stop)
    finally:
        await store.close()
