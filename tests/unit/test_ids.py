"""The Snowflake generator: ordering, uniqueness, time round trips and bucket boundaries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from chatcluster import ids
from chatcluster.ids import (
    BUCKET_MS,
    EPOCH_MS,
    MAX_SEQUENCE,
    MAX_WORKER,
    SEQUENCE_BITS,
    SnowflakeGenerator,
    bucket_of,
    id_datetime,
    id_timestamp_ms,
    lowest_id_at,
)

# 2025-06-01T12:34:56.789Z, well after EPOCH_MS.
T = 1_748_781_296_789


class FakeClock:
    """A millisecond clock that only moves when told to, or when the generator sleeps on it."""

    def __init__(self, start_ms: float) -> None:
        self.now_ms = float(start_ms)
        self.slept_s = 0.0

    def __call__(self) -> int:
        return int(self.now_ms)

    def sleep(self, seconds: float) -> None:
        self.slept_s += seconds
        self.now_ms += seconds * 1000


class ScriptedClock:
    """Returns the given readings in turn, then keeps returning the last one."""

    def __init__(self, readings: list[int]) -> None:
        self._readings: Iterator[int] = iter(readings)
        self._last = readings[0]

    def __call__(self) -> int:
        self._last = next(self._readings, self._last)
        return self._last


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A clock stuck at T; the generator's waits advance it instead of blocking the test."""
    clock = FakeClock(T)
    monkeypatch.setattr(ids.time, "sleep", clock.sleep)
    return clock


def worker_of(snowflake: int) -> int:
    return (snowflake >> SEQUENCE_BITS) & MAX_WORKER


def assert_strictly_increasing(values: list[int]) -> None:
    assert all(a < b for a, b in pairwise(values)), "ids went backwards or repeated"


def test_ids_from_one_worker_strictly_increase() -> None:
    generator = SnowflakeGenerator(worker_id=3)

    minted = [generator.next_id() for _ in range(20_000)]

    assert_strictly_increasing(minted)


def test_an_id_carries_the_millisecond_it_was_minted_in() -> None:
    generator = SnowflakeGenerator(worker_id=5, clock_ms=lambda: T)

    snowflake = generator.next_id()

    assert id_timestamp_ms(snowflake) == T
    assert id_datetime(snowflake) == datetime(2025, 6, 1, 12, 34, 56, 789_000, tzinfo=UTC)
    assert id_datetime(snowflake).tzinfo is UTC


def test_an_id_carries_its_worker_id() -> None:
    for worker in (0, 1, 512, MAX_WORKER):
        assert worker_of(SnowflakeGenerator(worker, clock_ms=lambda: T).next_id()) == worker


def test_two_workers_minting_in_the_same_millisecond_never_collide() -> None:
    left = SnowflakeGenerator(worker_id=1, clock_ms=lambda: T)
    right = SnowflakeGenerator(worker_id=2, clock_ms=lambda: T)

    minted = [left.next_id() for _ in range(100)] + [right.next_id() for _ in range(100)]

    assert len(set(minted)) == 200


@pytest.mark.parametrize("worker_id", [-1, MAX_WORKER + 1, 10_000])
def test_a_worker_id_outside_ten_bits_is_refused(worker_id: int) -> None:
    with pytest.raises(ValueError, match="worker_id"):
        SnowflakeGenerator(worker_id)


@pytest.mark.parametrize("worker_id", [0, MAX_WORKER])
def test_the_smallest_and_largest_worker_ids_are_accepted(worker_id: int) -> None:
    assert SnowflakeGenerator(worker_id).next_id() > 0


def test_more_than_4096_ids_in_one_frozen_millisecond_stay_unique_and_increasing(
    frozen_clock: FakeClock,
) -> None:
    generator = SnowflakeGenerator(worker_id=9, clock_ms=frozen_clock)
    per_ms = MAX_SEQUENCE + 1

    minted = [generator.next_id() for _ in range(3 * per_ms + 10)]

    assert_strictly_increasing(minted)
    assert {id_timestamp_ms(i) for i in minted[:per_ms]} == {T}
    # The 4,097th id borrows the next millisecond, and only once the clock has reached it.
    assert id_timestamp_ms(minted[per_ms]) == T + 1
    assert id_timestamp_ms(minted[-1]) == T + 3
    assert frozen_clock() >= T + 3
    assert frozen_clock.slept_s > 0


def test_a_clock_going_backwards_never_produces_a_smaller_id() -> None:
    clock = ScriptedClock([T, T + 5, T - 1_000, T - 999, T + 2, T + 5, T + 6])
    generator = SnowflakeGenerator(worker_id=4, clock_ms=clock)

    minted = [generator.next_id() for _ in range(7)]

    assert_strictly_increasing(minted)
    assert min(id_timestamp_ms(i) for i in minted[1:]) == T + 5
    assert id_timestamp_ms(minted[-1]) == T + 6


def test_a_backwards_clock_that_exhausts_a_millisecond_still_yields_increasing_ids(
    frozen_clock: FakeClock,
) -> None:
    generator = SnowflakeGenerator(worker_id=4, clock_ms=frozen_clock)
    first = generator.next_id()
    frozen_clock.now_ms = T - 50  # an NTP step backwards

    minted = [first] + [generator.next_id() for _ in range(MAX_SEQUENCE + 100)]

    assert_strictly_increasing(minted)
    assert id_timestamp_ms(minted[-1]) == T + 1


def test_ids_pinned_to_one_millisecond_are_unique_and_carry_that_time() -> None:
    generator = SnowflakeGenerator(worker_id=6, clock_ms=lambda: T)
    pinned_at = T - 30 * 24 * 3600 * 1000

    minted = [generator.next_id(at_ms=pinned_at) for _ in range(MAX_SEQUENCE + 1)]

    assert len(set(minted)) == len(minted)
    assert {id_timestamp_ms(i) for i in minted} == {pinned_at}
    assert {worker_of(i) for i in minted} == {6}


def test_pinned_times_may_go_backwards_and_each_id_keeps_its_own_time() -> None:
    generator = SnowflakeGenerator(worker_id=6, clock_ms=lambda: T)
    times = [T + 10_000, T - 10_000, T, T - 10_000, T + 10_000]

    minted = [generator.next_id(at_ms=ms) for ms in times]

    assert [id_timestamp_ms(i) for i in minted] == times
    assert len(set(minted)) == len(minted)


def test_a_pinned_time_before_the_epoch_is_clamped_to_the_epoch() -> None:
    generator = SnowflakeGenerator(worker_id=1)

    assert id_timestamp_ms(generator.next_id(at_ms=EPOCH_MS - 86_400_000)) == EPOCH_MS


def test_a_pinned_id_never_equals_a_live_id_minted_in_the_same_millisecond() -> None:
    generator = SnowflakeGenerator(worker_id=2, clock_ms=lambda: T)

    minted = [generator.next_id(), generator.next_id(at_ms=T), generator.next_id()]

    assert len(set(minted)) == 3


@pytest.mark.parametrize("worker_id", [0, 1, MAX_WORKER])
def test_lowest_id_at_is_no_larger_than_any_id_minted_in_that_millisecond(worker_id: int) -> None:
    live = SnowflakeGenerator(worker_id, clock_ms=lambda: T)
    pinned = SnowflakeGenerator(worker_id)

    minted = [live.next_id() for _ in range(50)] + [pinned.next_id(at_ms=T) for _ in range(50)]

    assert all(lowest_id_at(T) <= i for i in minted)
    assert id_timestamp_ms(lowest_id_at(T)) == T


def test_every_id_minted_a_millisecond_earlier_is_below_lowest_id_at() -> None:
    earlier = SnowflakeGenerator(MAX_WORKER, clock_ms=lambda: T - 1)

    minted = [earlier.next_id() for _ in range(MAX_SEQUENCE + 1)]

    assert max(minted) < lowest_id_at(T)


def test_lowest_id_at_before_the_epoch_is_zero() -> None:
    assert lowest_id_at(EPOCH_MS - 1) == 0
    assert lowest_id_at(EPOCH_MS) == 0


@pytest.mark.parametrize("boundary", [1, 2, 37])
def test_the_bucket_changes_exactly_at_a_bucket_boundary(boundary: int) -> None:
    generator = SnowflakeGenerator(MAX_WORKER)
    edge_ms = EPOCH_MS + boundary * BUCKET_MS

    last_before = generator.next_id(at_ms=edge_ms - 1) | MAX_SEQUENCE
    first_after = lowest_id_at(edge_ms)

    assert bucket_of(last_before) == boundary - 1
    assert bucket_of(first_after) == boundary
    assert first_after == last_before + 1


def test_ids_within_one_bucket_share_it() -> None:
    generator = SnowflakeGenerator(1)

    start = generator.next_id(at_ms=EPOCH_MS + BUCKET_MS)
    end = generator.next_id(at_ms=EPOCH_MS + 2 * BUCKET_MS - 1)

    assert bucket_of(start) == bucket_of(end) == 1
    assert bucket_of(lowest_id_at(EPOCH_MS)) == 0
