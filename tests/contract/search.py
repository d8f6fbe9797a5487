"""The `Messages` role's word search: live messages of the rooms asked about, holding every topic word of the
query, newest first across rooms and ten-day buckets, narrowed by author, by blocked authors and by id bounds."""

from __future__ import annotations

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import Messages
from tests.contract.builders import DAY_MS, ORIGIN_MS, ContractCase, created, deleted, edited, ids_of


class SearchContract(ContractCase):
    """Messages found by their words, within the rooms named and nowhere else."""

    async def test_search_finds_live_messages_of_one_room_by_their_words_newest_first(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        first = created(ids, "general", "The pizza is ready")
        other_room = created(ids, "random", "pizza here too")
        unrelated = created(ids, "general", "coffee time")
        second = created(ids, "general", "More PIZZA, and coffee")
        gone = created(ids, "general", "secret pizza")
        await store.apply_events([first, other_room, unrelated, second, gone])
        await store.apply_events([deleted(gone, ids.next_id())])

        assert ids_of(await store.search(["general"], "pizza")) == [
            second.message.message_id,
            first.message.message_id,
        ]
        assert ids_of(await store.search(["general"], "pizza coffee")) == [second.message.message_id]
        assert await store.search(["general"], "the") == []

    async def test_search_follows_edits(self, store: Messages, ids: SnowflakeGenerator) -> None:
        original = created(ids, "general", "see you at lunch")
        await store.apply_events([original, edited(original, ids.next_id(), "see you at dinner")])

        assert await store.search(["general"], "lunch") == []
        found = await store.search(["general"], "dinner")
        assert ids_of(found) == [original.message.message_id]
        assert found[0].text == "see you at dinner"

    async def test_a_deleted_message_is_not_found_even_when_an_older_edit_arrives_after_the_delete(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "the launch codes")
        late_edit = edited(original, ids.next_id(), "the launch codes, again")
        await store.apply_events([original, deleted(original, ids.next_id())])
        await store.apply_events([late_edit])

        assert await store.search(["general"], "launch") == []

    async def test_search_over_several_rooms_merges_them_newest_first_and_never_reads_another_room(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, room, f"banana number {n}") for n, room in enumerate(["a", "b", "c", "a", "b", "c"])]
        await store.apply_events(events)

        found = await store.search(["a", "b"], "banana")

        assert ids_of(found) == [e.message.message_id for e in reversed(events) if e.message.room_id != "c"]
        assert await store.search(["a", "b"], "banana", limit=3) == found[:3]
        assert await store.search(["nowhere"], "banana") == []
        assert await store.search([], "banana") == []

    async def test_search_walks_back_across_ten_day_buckets_and_rooms_newest_first(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        # Two rooms, each speaking every 25 days for a year: matches lie in many buckets, interleaved by room.
        events = [
            created(ids, room, f"quarterly report {n}", at_ms=ORIGIN_MS + n * 25 * DAY_MS + offset)
            for n in range(15)
            for offset, room in ((0, "finance"), (DAY_MS, "board"))
        ]
        await store.apply_events([*events, created(ids, "finance", "lunch", at_ms=ORIGIN_MS + 200 * DAY_MS)])
        newest_first = [e.message.message_id for e in sorted(events, key=lambda e: -e.message.message_id)]

        assert ids_of(await store.search(["finance", "board"], "report", limit=100)) == newest_first
        assert ids_of(await store.search(["finance", "board"], "report", limit=4)) == newest_first[:4]

    async def test_paging_back_with_before_sees_every_match_once(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [
            created(ids, room, f"needle {n}", at_ms=ORIGIN_MS + n * 3 * DAY_MS)
            for n in range(20)
            for room in ("x", "y")
        ]
        await store.apply_events(events)
        seen: list[int] = []
        cursor: int | None = None
        while page := await store.search(["x", "y"], "needle", before=cursor, limit=7):
            assert len(page) <= 7
            seen += ids_of(page)
            cursor = page[-1].message_id

        assert seen == sorted((e.message.message_id for e in events), reverse=True)

    async def test_before_and_after_bound_the_matches(self, store: Messages, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"apple {n}", at_ms=ORIGIN_MS + n * 4 * DAY_MS) for n in range(10)]
        await store.apply_events(events)
        message_ids = [e.message.message_id for e in events]

        found = await store.search(["general"], "apple", before=message_ids[7], after=message_ids[2])

        assert ids_of(found) == list(reversed(message_ids[3:7]))
        assert ids_of(await store.search(["general"], "apple", after=message_ids[8])) == [message_ids[9]]
        assert ids_of(await store.search(["general"], "apple", before=message_ids[1])) == [message_ids[0]]

    async def test_search_by_author_finds_only_their_messages(self, store: Messages, ids: SnowflakeGenerator) -> None:
        mine = created(ids, "general", "a cat picture", author_id=7, author="carol")
        theirs = created(ids, "general", "another cat picture", author_id=8, author="dave")
        await store.apply_events([mine, theirs, created(ids, "general", "no animals", author_id=7, author="carol")])

        assert ids_of(await store.search(["general"], "cat", author_id=7)) == [mine.message.message_id]
        assert ids_of(await store.search(["general"], "cat", author_id=8)) == [theirs.message.message_id]
        assert await store.search(["general"], "cat", author_id=9) == []

    async def test_messages_of_authors_left_out_are_not_found_and_do_not_shorten_a_page(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        kept = [created(ids, "general", f"howdy {n}", author_id=7, author="carol") for n in range(3)]
        hidden = [created(ids, "general", f"howdy {n}", author_id=8, author="dave") for n in range(5)]
        await store.apply_events([*kept, *hidden])

        found = await store.search(["general"], "howdy", not_by={8, 99}, limit=3)

        assert ids_of(found) == [e.message.message_id for e in reversed(kept)]
