"""The `ReadMarkers` role: a marker per user and room that only moves forward, and bounded unread counts."""

from __future__ import annotations

import itertools
from typing import Protocol

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import Messages, ReadMarkers, Sentiments
from tests.contract.builders import DAY_MS, ORIGIN_MS, ContractCase, created, deleted, edited, scored


class Counted(ReadMarkers, Messages, Sentiments, Protocol):
    """Counts read the messages the `Messages` role stores."""


ALICE, BOB = 101, 202


class ReadMarkersContract(ContractCase):
    """Markers never move back, whatever order writes arrive in; counts stop at their cap."""

    async def test_a_user_without_markers_has_none(self, store: ReadMarkers) -> None:
        assert await store.read_markers_of(ALICE) == {}
        assert await store.read_markers_in("general") == {}

    async def test_an_advanced_marker_is_read_back_by_user_and_by_room(
        self, store: ReadMarkers, ids: SnowflakeGenerator
    ) -> None:
        message_id = ids.next_id()

        assert await store.advance_read_marker(ALICE, "general", message_id) == message_id

        assert await store.read_markers_of(ALICE) == {"general": message_id}
        assert await store.read_markers_in("general") == {ALICE: message_id}

    async def test_a_marker_never_moves_back(self, store: ReadMarkers, ids: SnowflakeGenerator) -> None:
        older, newer = ids.next_id(), ids.next_id()
        await store.advance_read_marker(ALICE, "general", newer)

        assert await store.advance_read_marker(ALICE, "general", older) == newer

        assert await store.read_markers_of(ALICE) == {"general": newer}
        assert await store.read_markers_in("general") == {ALICE: newer}

    async def test_the_same_advance_twice_changes_nothing(self, store: ReadMarkers, ids: SnowflakeGenerator) -> None:
        message_id = ids.next_id()
        await store.advance_read_marker(ALICE, "general", message_id)

        assert await store.advance_read_marker(ALICE, "general", message_id) == message_id
        assert await store.read_markers_of(ALICE) == {"general": message_id}

    async def test_the_highest_id_wins_in_every_order_even_within_one_millisecond(self, store: ReadMarkers) -> None:
        # Ids of one millisecond: two of one worker (a microsecond write timestamp cannot tell them apart),
        # and others from workers that sort above them.
        ms = ORIGIN_MS + 7
        first = SnowflakeGenerator(worker_id=1)
        candidates = [
            first.next_id(at_ms=ms),
            first.next_id(at_ms=ms),
            SnowflakeGenerator(worker_id=2).next_id(at_ms=ms),
            SnowflakeGenerator(worker_id=1023).next_id(at_ms=ms),
        ]
        highest = max(candidates)
        orders = [*list(itertools.permutations(candidates))[::5], candidates[:2], candidates[1::-1]]
        for n, order in enumerate(orders):
            room = f"room-{n}"
            for message_id in order:
                await store.advance_read_marker(ALICE, room, message_id)

        expected = {f"room-{n}": max(order) for n, order in enumerate(orders)}
        assert await store.read_markers_of(ALICE) == expected
        assert expected["room-0"] == highest and expected[f"room-{len(orders) - 1}"] == candidates[1]
        for n, order in enumerate(orders):
            assert await store.read_markers_in(f"room-{n}") == {ALICE: max(order)}

    async def test_markers_are_kept_per_user_and_room(self, store: ReadMarkers, ids: SnowflakeGenerator) -> None:
        a, b, c = ids.next_id(), ids.next_id(), ids.next_id()
        await store.advance_read_marker(ALICE, "general", a)
        await store.advance_read_marker(ALICE, "random", c)
        await store.advance_read_marker(BOB, "general", b)

        assert await store.read_markers_of(ALICE) == {"general": a, "random": c}
        assert await store.read_markers_of(BOB) == {"general": b}
        assert await store.read_markers_in("general") == {ALICE: a, BOB: b}
        assert await store.read_markers_in("random") == {ALICE: c}

    async def test_the_count_after_a_marker_is_the_live_messages_of_that_room_after_it(
        self, store: Counted, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(10)]
        elsewhere = [created(ids, "random", f"elsewhere {n}") for n in range(4)]
        await store.apply_events([*events, *elsewhere])
        await store.apply_events([deleted(events[7], ids.next_id()), edited(events[8], ids.next_id(), "changed")])
        marker = events[3].message.message_id

        assert await store.count_after("general", marker, cap=100) == 5  # 4..9 without the deleted 7
        assert await store.count_after("general", 0, cap=100) == 9
        assert await store.count_after("general", events[-1].message.message_id, cap=100) == 0
        assert await store.count_after("random", marker, cap=100) == 4
        assert await store.count_after("empty", 0, cap=100) == 0

    async def test_a_readers_own_messages_are_not_counted_but_still_read_toward_the_cap(
        self, store: Counted, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}", author_id=ALICE if n % 2 else BOB) for n in range(6)]
        await store.apply_events(events)

        assert await store.count_after("general", 0, cap=100, not_by=ALICE) == 3
        assert await store.count_after("general", 0, cap=100, not_by=BOB) == 3
        assert await store.count_after("general", 0, cap=100) == 6
        assert await store.count_after("general", 0, cap=6, not_by=ALICE) == 6

    async def test_a_redelivered_message_is_counted_once(self, store: Counted, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(5)]
        await store.apply_events(events)
        await store.apply_events(events)
        await store.apply_events(events[2:])

        assert await store.count_after("general", 0, cap=100) == 5

    async def test_the_count_reads_at_most_its_cap_and_then_answers_the_cap(
        self, store: Counted, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(8)]
        await store.apply_events(events)

        assert await store.count_after("general", 0, cap=5) == 5
        assert await store.count_after("general", 0, cap=8) == 8
        assert await store.count_after("general", 0, cap=9) == 8
        assert await store.count_after("general", events[4].message.message_id, cap=3) == 3

    async def test_a_capped_count_means_at_least_the_cap_followed_deleted_messages_included(
        self, store: Counted, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(6)]
        await store.apply_events(events)
        await store.apply_events([deleted(events[0], ids.next_id())])

        assert await store.count_after("general", 0, cap=6) == 6
        assert await store.count_after("general", 0, cap=7) == 5

    async def test_the_count_spans_the_rooms_time_buckets(self, store: Counted, ids: SnowflakeGenerator) -> None:
        # Forty days: four ten-day buckets, the marker in the second.
        events = [created(ids, "general", f"day {d}", at_ms=ORIGIN_MS + d * DAY_MS) for d in range(0, 40, 3)]
        await store.apply_events(events)
        marker = events[5].message.message_id  # day 15

        assert await store.count_after("general", marker, cap=100) == len(events) - 6
        assert await store.count_after("general", marker, cap=4) == 4

    async def test_a_score_that_lands_before_its_message_is_not_counted(
        self, store: Counted, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "scored first")
        await store.set_sentiments([scored(event)])

        assert await store.count_after("general", 0, cap=100) == 0

        await store.apply_events([event])
        assert await store.count_after("general", 0, cap=100) == 1
