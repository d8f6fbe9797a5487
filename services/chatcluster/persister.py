"""The persister: durable consumers that upsert every message event and every reaction event into the store.

Messages and reactions are two durable consumers in this one process (`persister` on `chat.msg.>`,
`persister-reactions` on `chat.reaction.>`), each with the `ConsumerLoop`'s discipline: a batch is acked only
after the store committed it. Two consumers rather than one filtering both subjects: each decodes one event type,
so a malformed event of one kind never reaches the other's dead-letter path, each has its own backlog gauge, and
the `persister` consumer that existing deployments already hold keeps its configuration unchanged. If either loop
fails the process ends, so the supervisor (or Kubernetes) restarts both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from chatcluster.bus import CHAT_STREAM
from chatcluster.config import Settings
from chatcluster.consumer import ConsumerLoop, ConsumerSpec, Delivery
from chatcluster.models import MESSAGE_SUBJECT_PREFIX, REACTION_SUBJECT_PREFIX, MessageEvent, ReactionEvent, event_id_of
from chatcluster.store import Messages, Reactions, open_store
from chatcluster.telemetry.instruments import instruments

DURABLE = "persister"
REACTIONS_DURABLE = "persister-reactions"


def persist_into(messages: Messages) -> Callable[[Sequence[Delivery[MessageEvent]]], Awaitable[None]]:
    """The consumer's handler: each batch stored in one call."""
    persisted = instruments().persisted

    async def persist(batch: Sequence[Delivery[MessageEvent]]) -> None:
        await messages.apply_events([d.value for d in batch])
        persisted.add(len(batch))

    return persist


def reactions_into(reactions: Reactions) -> Callable[[Sequence[Delivery[ReactionEvent]]], Awaitable[None]]:
    """The reactions consumer's handler: each batch stored in one call."""

    async def persist(batch: Sequence[Delivery[ReactionEvent]]) -> None:
        await reactions.apply_reactions([d.value for d in batch])

    return persist


def reaction_id(event: ReactionEvent) -> int:
    return event.event_id


async def run_persister(settings: Settings, stop: asyncio.Event) -> None:
    store = await open_store(settings)
    messages = ConsumerSpec(
        durable=DURABLE,
        stream=CHAT_STREAM,
        filter_subject=f"{MESSAGE_SUBJECT_PREFIX}>",
        decode=MessageEvent.model_validate_json,
        handle=persist_into(store),
        message_id=event_id_of,
    )
    reactions = ConsumerSpec(
        durable=REACTIONS_DURABLE,
        stream=CHAT_STREAM,
        filter_subject=f"{REACTION_SUBJECT_PREFIX}>",
        decode=ReactionEvent.model_validate_json,
        handle=reactions_into(store),
        message_id=reaction_id,
    )
    try:
        async with asyncio.TaskGroup() as loops:  # one failing cancels the other, and the process ends
            loops.create_task(ConsumerLoop(settings, messages).run(stop))
            loops.create_task(ConsumerLoop(settings, reactions).run(stop))
    finally:
        await store.close()
