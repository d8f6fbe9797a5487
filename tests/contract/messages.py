"""The `Messages` role, its writes and reads by id and by word: every event is an upsert where the highest
event id wins, whatever order or how often events arrive, and a delete is final."""

from __future__ import annotations

import asyncio

from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import EventKind, MessageEvent
from chatcluster.store.base import Messages
from tests.contract.builders import ContractCase, created, deleted, edited, ids_of


class MessagesContract(ContractCase):
    """Message events applied, messages read back by id and found by their words."""

    async def test_a_stored_message_reads_back_with_every_field(self, store: Messages, ids: SnowflakeGenerator) -> None:
        parent = created(ids, "general", "first")
        reply = created(ids, "general", "a reply", reply_to=parent.message.message_id, client_id="c-7")
        await store.apply_events([parent, reply])

        assert await store.get_message(reply.message.message_id) == reply.message
        assert await store.get_message(parent.message.message_id) == parent.message

    async def test_an_unknown_message_is_not_found(self, store: Messages, ids: SnowflakeGenerator) -> None:
        await store.apply_events([created(ids, "general", "hello")])

        assert await store.get_message(ids.next_id()) is None

    async def test_a_redelivered_batch_stores_each_message_once(self, store: Messages, ids: SnowflakeGenerator) -> None:
        batch = [created(ids, "general", f"message {n}") for n in range(10)]

        await store.apply_events(batch)
        await store.apply_events(batch)

        assert ids_of(await store.history("general", limit=100)) == [e.message.message_id for e in batch]

    async def test_the_same_event_twice_in_one_batch_stores_the_message_once(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "hello")

        await store.apply_events([event, event, event])

        assert [m.text for m in await store.history("general")] == ["hello"]

    async def test_an_empty_batch_changes_nothing(self, store: Messages, ids: SnowflakeGenerator) -> None:
        event = created(ids, "general", "hello")
        await store.apply_events([event])

        await store.apply_events([])

        assert await store.history("general") == [event.message]

    async def test_an_edit_with_a_higher_event_id_replaces_the_text(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "helo")
        edit = edited(original, ids.next_id(), "hello")

        await store.apply_events([original])
        await store.apply_events([edit])

        stored = await store.get_message(original.message.message_id)
        assert stored == edit.message
        assert stored is not None
        assert stored.edited_at is not None

    async def test_an_edit_arriving_before_its_create_is_not_undone_by_the_create(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "helo")
        edit = edited(original, ids.next_id(), "hello")

        await store.apply_events([edit])
        await store.apply_events([original])

        assert await store.get_message(original.message.message_id) == edit.message

    async def test_an_older_edit_arriving_after_a_newer_one_is_ignored(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        older, newer = edited(original, ids.next_id(), "v2"), edited(original, ids.next_id(), "v3")
        await store.apply_events([original])

        await store.apply_events([newer])
        await store.apply_events([older])

        assert await store.get_message(original.message.message_id) == newer.message

    async def test_the_order_of_events_within_one_batch_does_not_matter(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        first, second = edited(original, ids.next_id(), "v2"), edited(original, ids.next_id(), "v3")

        await store.apply_events([second, original, first])

        assert await store.get_message(original.message.message_id) == second.message

    async def test_a_deleted_message_keeps_its_place_as_an_empty_tombstone(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        before, doomed, after = (created(ids, "general", text) for text in ("one", "two", "three"))
        await store.apply_events([before, doomed, after])

        await store.apply_events([deleted(doomed, ids.next_id())])

        history = await store.history("general")
        assert ids_of(history) == [e.message.message_id for e in (before, doomed, after)]
        assert (history[1].deleted, history[1].text) == (True, "")
        assert [m.deleted for m in (history[0], history[2])] == [False, False]

    async def test_a_delete_carrying_text_still_stores_an_empty_tombstone(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "secret")
        careless = MessageEvent(
            kind=EventKind.DELETED,
            event_id=ids.next_id(),
            message=original.message.model_copy(update={"deleted": True}),
        )

        await store.apply_events([original, careless])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_an_older_edit_arriving_after_a_delete_does_not_resurrect_the_text(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        late_edit = edited(original, ids.next_id(), "v2")
        tombstone = deleted(original, ids.next_id())
        await store.apply_events([original, tombstone])

        await store.apply_events([late_edit])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_a_newer_edit_after_a_delete_does_not_resurrect_the_text_either(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        tombstone = deleted(original, ids.next_id())
        await store.apply_events([original, tombstone])

        await store.apply_events([edited(original, ids.next_id(), "back from the dead")])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_a_delete_arriving_before_its_create_leaves_a_tombstone(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")

        await store.apply_events([deleted(original, ids.next_id())])
        await store.apply_events([original])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_concurrent_batches_from_several_tasks_all_land(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        batches = [[created(ids, f"room-{task % 3}", f"{task}/{n}") for n in range(5)] for task in range(12)]

        await asyncio.gather(*(store.apply_events(batch) for batch in batches))

        stored = [m for r in range(3) for m in await store.history(f"room-{r}", limit=1_000)]
        assert sorted(ids_of(stored)) == sorted(e.message.message_id for b in batches for e in b)

    # --- edit history -----------------------------------------------------------------------------

    async def test_every_text_a_message_has_had_reads_back_oldest_first_whatever_order_events_land_in(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        first, second = edited(original, ids.next_id(), "v2"), edited(original, ids.next_id(), "v3")

        await store.apply_events([second, original])
        await store.apply_events([first, second, original])

        versions = await store.message_versions(original.message.message_id)
        assert [(v.event_id, v.text) for v in versions] == [
            (original.event_id, "v1"),
            (first.event_id, "v2"),
            (second.event_id, "v3"),
        ]
        assert [v.edited_at for v in versions] == [None, first.message.edited_at, second.message.edited_at]

    async def test_a_deleted_message_keeps_every_earlier_text_in_its_edit_history(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        edit = edited(original, ids.next_id(), "v2")

        await store.apply_events([original, edit, deleted(edit, ids.next_id())])

        assert [v.text for v in await store.message_versions(original.message.message_id)] == ["v1", "v2"]

    async def test_an_unknown_message_has_no_edit_history(self, store: Messages, ids: SnowflakeGenerator) -> None:
        await store.apply_events([created(ids, "general", "hello")])

        assert await store.message_versions(ids.next_id()) == []
