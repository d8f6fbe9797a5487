"""The `Sentiments` role: a score read back with its message, even when it was written first."""

from __future__ import annotations

from typing import Protocol

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import Messages, Sentiments
from tests.contract.builders import ContractCase, created, ids_of, scored


class ScoredMessages(Messages, Sentiments, Protocol):
    """A score is read back through the message it scores."""


class SentimentsContract(ContractCase):
    """Scores of messages, whichever of the scorer and the persister writes first."""

    async def test_a_score_is_read_back_with_its_message(self, store: ScoredMessages, ids: SnowflakeGenerator) -> None:
        event = created(ids, "general", "lovely")
        await store.apply_events([event])
        await store.set_sentiments([scored(event, label=1)])

        stored = await store.get_message(event.message.message_id)
        assert stored is not None and stored.sentiment is not None
        assert (stored.sentiment.label, stored.sentiment.model_version) == (1, "contract")

    async def test_a_score_that_lands_before_its_message_waits_for_it(
        self, store: ScoredMessages, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "early score")
        await store.set_sentiments([scored(event, label=-1)])
        assert await store.get_message(event.message.message_id) is None

        await store.apply_events([event])
        stored = await store.get_message(event.message.message_id)
        assert stored is not None and stored.sentiment is not None and stored.sentiment.label == -1

    async def test_scores_of_messages_not_yet_stored_never_shorten_a_history_page(
        self, store: ScoredMessages, ids: SnowflakeGenerator
    ) -> None:
        older = [created(ids, "general", f"older {i}") for i in range(5)]
        await store.apply_events(older)
        not_yet_stored = [created(ids, "general", f"in flight {i}") for i in range(3)]
        await store.set_sentiments([scored(e) for e in not_yet_stored])

        page = await store.history("general", limit=5)
        assert ids_of(page) == [e.message.message_id for e in older]
