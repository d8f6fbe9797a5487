"""The `Messages` role's history: pages of a room in id order, walked both ways across ten-day buckets."""

from __future__ import annotations

from chatcluster.ids import BUCKET_MS, EPOCH_MS, SnowflakeGenerator, bucket_of, lowest_id_at
from chatcluster.store.base import Messages
from tests.contract.builders import (
    DAY_MS,
    ORIGIN_MS,
    ContractCase,
    created,
    deleted,
    edited,
    ids_of,
    walk_back,
    walk_forward,
)


class HistoryContract(ContractCase):
    """Pages of a room's messages before or after a cursor, without gaps or strays."""

    async def test_history_returns_the_newest_page_oldest_first_by_default(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(60)]
        await store.apply_events(events)

        page = await store.history("general")

        assert ids_of(page) == [e.message.message_id for e in events[-50:]]
        assert [m.text for m in page[:2]] == ["message 10", "message 11"]

    async def test_history_returns_at_most_its_limit(self, store: Messages, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(20)]
        await store.apply_events(events)

        assert ids_of(await store.history("general", limit=7)) == [e.message.message_id for e in events[-7:]]
        assert len(await store.history("general", limit=1)) == 1
        assert len(await store.history("general", limit=500)) == 20

    async def test_history_before_a_message_returns_the_newest_older_ones(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(30)]
        await store.apply_events(events)

        page = await store.history("general", before=events[20].message.message_id, limit=5)

        assert ids_of(page) == [e.message.message_id for e in events[15:20]]

    async def test_history_after_a_message_returns_the_oldest_newer_ones(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(30)]
        await store.apply_events(events)

        page = await store.history("general", after=events[10].message.message_id, limit=5)

        assert ids_of(page) == [e.message.message_id for e in events[11:16]]

    async def test_paging_back_with_before_visits_all_250_messages_once_without_gaps(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(250)]
        for start in range(0, 250, 50):
            await store.apply_events(events[start : start + 50])

        seen = await walk_back(store, "general", page=40)

        assert seen == [e.message.message_id for e in events]

    async def test_paging_forward_with_after_visits_all_250_messages_once_without_gaps(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(250)]
        await store.apply_events(events)

        seen = await walk_forward(store, "general", page=33)

        assert seen == [e.message.message_id for e in events]

    async def test_history_beyond_either_end_of_a_room_is_empty(self, store: Messages, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(5)]
        await store.apply_events(events)

        assert await store.history("general", before=events[0].message.message_id) == []
        assert await store.history("general", after=events[-1].message.message_id) == []
        assert await store.history("empty-room") == []

    async def test_history_pages_walk_across_time_buckets(self, store: Messages, ids: SnowflakeGenerator) -> None:
        # Four clusters of messages 30 days apart: each cluster in its own bucket, empty buckets between.
        events = [
            created(ids, "general", f"day {day} #{n}", at_ms=ORIGIN_MS + day * DAY_MS + n * 1_000)
            for day in (0, 30, 60, 90)
            for n in range(7)
        ]
        await store.apply_events(events)
        expected = [e.message.message_id for e in events]
        assert len({bucket_of(i) for i in expected}) == 4

        assert await walk_back(store, "general", page=5) == expected
        assert await walk_forward(store, "general", page=5) == expected
        assert await walk_back(store, "general", page=1) == expected
        assert ids_of(await store.history("general", limit=100)) == expected

    async def test_a_page_straddling_a_bucket_boundary_has_no_gap(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        boundary_ms = EPOCH_MS + ((ORIGIN_MS - EPOCH_MS) // BUCKET_MS + 1) * BUCKET_MS
        offsets = (-3, -2, -1, 0, 1, 2)
        events = [created(ids, "general", f"t{o}", at_ms=boundary_ms + o) for o in offsets]
        await store.apply_events(events)
        expected = [e.message.message_id for e in events]
        assert bucket_of(expected[2]) + 1 == bucket_of(expected[3])

        middle = await store.history("general", before=expected[5], limit=4)
        later = await store.history("general", after=expected[0], limit=4)

        assert ids_of(middle) == expected[1:5]
        assert ids_of(later) == expected[1:5]

    async def test_cursors_inside_an_empty_bucket_find_messages_in_other_buckets(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        old = [created(ids, "general", f"old {n}", at_ms=ORIGIN_MS + n) for n in range(3)]
        new = [created(ids, "general", f"new {n}", at_ms=ORIGIN_MS + 90 * DAY_MS + n) for n in range(3)]
        await store.apply_events(old + new)
        quiet = lowest_id_at(ORIGIN_MS + 45 * DAY_MS)  # a month and a half with no messages
        assert bucket_of(quiet) not in {bucket_of(e.message.message_id) for e in old + new}

        older = await store.history("general", before=quiet, limit=10)
        newer = await store.history("general", after=quiet, limit=10)

        assert ids_of(older) == [e.message.message_id for e in old]
        assert ids_of(newer) == [e.message.message_id for e in new]

    async def test_one_rooms_history_never_shows_another_rooms_messages(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "room-a" if n % 3 else "room-b", f"message {n}") for n in range(90)]
        await store.apply_events(events)
        in_a = [e.message.message_id for e in events if e.message.room_id == "room-a"]
        in_b = [e.message.message_id for e in events if e.message.room_id == "room-b"]

        assert await walk_back(store, "room-a", page=7) == in_a
        assert await walk_forward(store, "room-b", page=7) == in_b
        assert {m.room_id for m in await store.history("room-a", before=in_b[-1], limit=100)} == {"room-a"}
        assert {m.room_id for m in await store.history("room-b", after=in_a[0], limit=100)} == {"room-b"}
        assert await store.history("room-c") == []

    # --- replies --------------------------------------------------------------------------------------

    async def test_replies_to_a_message_page_like_history_in_both_directions(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        parent = created(ids, "general", "what do we eat?")
        replies, chatter = [], []
        for n in range(7):
            replies.append(created(ids, "general", f"reply {n}", reply_to=parent.message.message_id))
            chatter.append(created(ids, "general", f"chatter {n}"))
        await store.apply_events([parent, *replies, *chatter])
        expected = [e.message.message_id for e in replies]
        parent_id = parent.message.message_id

        assert ids_of(await store.replies("general", parent_id)) == expected
        assert ids_of(await store.replies("general", parent_id, limit=3)) == expected[-3:]
        assert ids_of(await store.replies("general", parent_id, before=expected[3], limit=2)) == expected[1:3]
        assert ids_of(await store.replies("general", parent_id, after=expected[3], limit=2)) == expected[4:6]
        assert ids_of(await store.replies("general", parent_id, after=0, limit=100)) == expected
        assert await store.replies("general", expected[0]) == []

    async def test_replies_span_time_buckets_and_never_show_another_rooms_messages(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        parent = created(ids, "general", "a long thread", at_ms=ORIGIN_MS)
        later = [
            created(ids, "general", f"day {day}", at_ms=ORIGIN_MS + day * DAY_MS, reply_to=parent.message.message_id)
            for day in (1, 40, 80)
        ]
        stray = created(ids, "random", "not here", reply_to=parent.message.message_id)
        await store.apply_events([parent, *later, stray])

        found = await store.replies("general", parent.message.message_id, limit=100)

        assert ids_of(found) == [e.message.message_id for e in later]

    async def test_a_deleted_reply_leaves_the_thread_and_its_count_whatever_order_events_land_in(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        parent = created(ids, "general", "question")
        kept, gone, early_gone = (
            created(ids, "general", text, reply_to=parent.message.message_id) for text in ("yes", "no", "maybe")
        )
        await store.apply_events([parent, kept, gone])
        await store.apply_events([deleted(gone, ids.next_id())])
        await store.apply_events([deleted(early_gone, ids.next_id())])  # its delete lands before its create
        await store.apply_events([early_gone, gone])

        assert ids_of(await store.replies("general", parent.message.message_id)) == [kept.message.message_id]
        assert await store.reply_counts([parent.message.message_id]) == {parent.message.message_id: 1}

    async def test_reply_counts_count_each_live_reply_once_and_leave_out_messages_without_replies(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        first, second, quiet = (created(ids, "general", text) for text in ("one", "two", "three"))
        to_first = [created(ids, "general", f"re {n}", reply_to=first.message.message_id) for n in range(3)]
        to_second = created(ids, "general", "re", reply_to=second.message.message_id)
        await store.apply_events([first, second, quiet, *to_first, to_second])
        await store.apply_events([*to_first, edited(to_second, ids.next_id(), "re, edited")])  # redelivered, edited

        counts = await store.reply_counts([m.message.message_id for m in (first, second, quiet, first)])

        assert counts == {first.message.message_id: 3, second.message.message_id: 1}
        assert await store.reply_counts([]) == {}
