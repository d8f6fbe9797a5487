"""The `Aggregates` and `Stats` roles: every message counted exactly once, kept apart by audience, and a
recount after a reset giving the same figures."""

from __future__ import annotations

import time
from typing import Protocol

from chatcluster.counting import TopKind
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import dm_room_id
from chatcluster.privacy import Audience
from chatcluster.store.base import Aggregates, Stats
from tests.contract.builders import DAY_MS, ORIGIN_MS, ContractCase, created, scored


class Statistics(Aggregates, Stats, Protocol):
    """What is counted is read back through the statistics."""


class AggregatesContract(ContractCase):
    """Exactly once, and kept apart by audience."""

    async def test_a_message_recorded_again_is_not_counted_again(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        batch = [scored(created(ids, "general", f"pizza {i}")) for i in range(3)]

        assert await store.record_aggregates(batch) == 3
        assert await store.record_aggregates([*batch, batch[0]]) == 0
        rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
        assert [r.count for r in rows] == [3]

    async def test_a_word_said_only_in_a_direct_message_is_in_no_public_top_list_but_in_the_admins(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        now_ms = int(time.time() * 1000)
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "pizza tonight", at_ms=now_ms - 90_000)),
                scored(created(ids, dm, "pizza and the surprise party", at_ms=now_ms - 60_000, author="dora")),
            ]
        )

        for since_ms in (None, now_ms - 3_600_000):
            public = {e.key: e.count for e in await store.stats_top(TopKind.WORDS, since_ms=since_ms, limit=10)}
            everything = {
                e.key: e.count
                for e in await store.stats_top(TopKind.WORDS, since_ms=since_ms, limit=10, audience=Audience.ALL)
            }
            assert public == {"pizza": 1, "tonight": 1}, since_ms
            assert everything == {"pizza": 2, "tonight": 1, "surprise": 1, "party": 1}, since_ms
            users = await store.stats_top(TopKind.USERS, since_ms=since_ms, limit=10)
            assert [(e.key, e.count) for e in users] == [("alice", 1)], since_ms
            rooms = await store.stats_top(TopKind.ROOMS, since_ms=since_ms, limit=10)
            assert [(e.key, e.count) for e in rooms] == [("general", 1)], since_ms
            all_rooms = await store.stats_top(TopKind.ROOMS, since_ms=since_ms, limit=10, audience=Audience.ALL)
            assert {e.key for e in all_rooms} == {"general", dm}, since_ms

    async def test_per_user_counts_of_the_public_audience_leave_out_direct_messages(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        day_ms = ORIGIN_MS + 3_600_000
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "hello all", at_ms=day_ms)),
                scored(created(ids, dm, "hello you", at_ms=day_ms + 1)),
                scored(created(ids, dm, "hi back", at_ms=day_ms + 2, author_id=43, author="dora")),
            ]
        )

        async def per_user(audience: Audience, room_id: str | None = None) -> dict[tuple[str | None, int | None], int]:
            rows = await store.stats_messages(
                by_user=True, by_day=True, from_day=None, to_day=None, room_id=room_id, audience=audience
            )
            return {(r.day, r.user_id): r.count for r in rows}

        day = "2025-04-11"
        assert await per_user(Audience.PUBLIC) == {(day, 42): 1}
        assert await per_user(Audience.ALL) == {(day, 42): 2, (day, 43): 1}
        assert await per_user(Audience.PUBLIC, dm) == {}, "a private room never shows to the public audience"
        assert await per_user(Audience.ALL, dm) == {(day, 42): 1, (day, 43): 1}

    async def test_the_all_rooms_sentiment_of_the_public_audience_leaves_out_direct_messages(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        minute_ms = ORIGIN_MS + 7 * 60_000
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "great", at_ms=minute_ms), label=1),
                scored(created(ids, dm, "awful", at_ms=minute_ms + 1), label=-1),
                scored(created(ids, dm, "awful again", at_ms=minute_ms + 2), label=-1),
            ]
        )

        async def series(audience: Audience, room_id: str | None = None) -> list[tuple[int, int, int]]:
            points = await store.stats_sentiment(
                room_id=room_id, from_ms=ORIGIN_MS, to_ms=ORIGIN_MS + DAY_MS, step_ms=DAY_MS, audience=audience
            )
            return [(p.positive, p.neutral, p.negative) for p in points]

        assert await series(Audience.PUBLIC) == [(1, 0, 0)]
        assert await series(Audience.ALL) == [(1, 0, 2)]
        assert await series(Audience.PUBLIC, dm) == []
        assert await series(Audience.ALL, dm) == [(0, 0, 2)]
        assert await series(Audience.PUBLIC, "general") == [(1, 0, 0)]

    async def test_a_reset_leaves_a_recount_pending_until_it_is_done(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        await store.record_aggregates([scored(created(ids, "general", "pizza"))])
        await store.reset_aggregates()

        assert await store.recount_pending() is True
        assert await store.stats_top(TopKind.WORDS, since_ms=None, limit=10, audience=Audience.ALL) == []
        await store.recount_done()
        assert await store.recount_pending() is False

    async def test_counting_everything_again_after_a_reset_gives_the_same_figures_for_both_audiences(
        self, store: Statistics, ids: SnowflakeGenerator
    ) -> None:
        now_ms = int(time.time() * 1000)
        events = [
            scored(created(ids, room, text, at_ms=now_ms - 120_000 + i * 7_000), label=i % 3 - 1)
            for i, (room, text) in enumerate(
                [("general", "pizza party"), (dm_room_id(42, 43), "secret pizza"), ("random", "deploy friday")] * 4
            )
        ]
        await store.record_aggregates(events[:7])
        await store.record_aggregates(events[5:])

        async def snapshot() -> list[object]:
            figures: list[object] = []
            for audience in Audience:
                figures.append(
                    await store.stats_messages(
                        by_user=True, by_day=True, from_day=None, to_day=None, room_id=None, audience=audience
                    )
                )
                figures.append(
                    await store.stats_sentiment(
                        room_id=None, from_ms=now_ms - 3_600_000, to_ms=now_ms, step_ms=60_000, audience=audience
                    )
                )
                for kind in TopKind:
                    for since_ms in (None, now_ms - 3_600_000):
                        figures.append(await store.stats_top(kind, since_ms=since_ms, limit=20, audience=audience))
            figures.append(await store.stats_rate(from_ms=now_ms - 3_600_000, to_ms=now_ms))
            return figures

        live = await snapshot()
        await store.reset_aggregates()
        assert await store.record_aggregates(list(reversed(events))) == len(events)
        assert await snapshot() == live
