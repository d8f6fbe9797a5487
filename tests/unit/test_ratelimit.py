"""The per-user token bucket, driven by a clock the test moves by hand."""

from __future__ import annotations

import pytest

from chatcluster.gateway.ratelimit import RateLimiter
from tests.helpers import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def test_a_full_burst_is_allowed_at_once_and_the_next_send_is_refused(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=2.0, burst=5, clock=clock)

    waits = [limiter.acquire(1) for _ in range(6)]

    assert waits[:5] == [0.0] * 5
    assert waits[5] > 0


def test_a_refused_send_is_told_how_long_until_the_next_token(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=4.0, burst=2, clock=clock)
    limiter.acquire(1)
    limiter.acquire(1)

    assert limiter.acquire(1) == pytest.approx(0.25)
    clock.advance(0.125)
    assert limiter.acquire(1) == pytest.approx(0.125)


def test_waiting_the_advised_time_is_enough_to_send_again(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=3.0, burst=1, clock=clock)
    limiter.acquire(1)

    wait = limiter.acquire(1)
    clock.advance(wait)

    assert limiter.acquire(1) == 0.0


def test_a_refused_send_does_not_use_up_a_token(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=2.0, burst=1, clock=clock)
    limiter.acquire(1)
    for _ in range(10):
        assert limiter.acquire(1) == pytest.approx(0.5)

    clock.advance(0.5)

    assert limiter.acquire(1) == 0.0


def test_tokens_refill_at_the_configured_rate(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=2.0, burst=10, clock=clock)
    for _ in range(10):
        limiter.acquire(1)

    clock.advance(1.5)  # three tokens
    waits = [limiter.acquire(1) for _ in range(4)]

    assert waits[:3] == [0.0] * 3
    assert waits[3] == pytest.approx(0.5)


def test_an_idle_user_never_saves_up_more_than_one_burst(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=5.0, burst=3, clock=clock)
    limiter.acquire(1)

    clock.advance(3_600)
    waits = [limiter.acquire(1) for _ in range(4)]

    assert waits == [0.0, 0.0, 0.0, pytest.approx(0.2)]


def test_one_users_sending_does_not_limit_another(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=1.0, burst=2, clock=clock)
    for _ in range(5):
        limiter.acquire(1)

    assert limiter.acquire(2) == 0.0
    assert limiter.acquire(2) == 0.0
    assert limiter.acquire(1) > 0


def test_memory_is_bounded_by_max_keys(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=clock, max_keys=100)

    for key in range(10_000):
        limiter.acquire(key)

    assert len(limiter._buckets) == 100  # the only way to observe the bound


def test_the_least_recently_active_user_is_forgotten_first(clock: ManualClock) -> None:
    limiter = RateLimiter(rate_per_second=1.0, burst=1, clock=clock, max_keys=3)
    limiter.acquire(1)  # user 1 has used its only token
    limiter.acquire(2)  # user 2 too
    limiter.acquire(3)
    assert limiter.acquire(2) > 0  # user 2 is now the most recently active
    limiter.acquire(4)  # evicts user 1, the least recently active

    assert limiter.acquire(1) == 0.0  # forgotten, so starts afresh with a full burst
    assert limiter.acquire(4) > 0
    assert limiter.acquire(2) > 0  # recently active users are remembered, still limited
