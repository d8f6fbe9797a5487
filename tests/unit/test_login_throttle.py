"""Failed-login throttling per username and per address, driven by a clock the test moves by hand."""

from __future__ import annotations

import pytest

from chatcluster.gateway.throttle import Allowance, LoginThrottle
from tests.helpers import ManualClock

ADDRESS = "203.0.113.7"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def throttle(clock: ManualClock) -> LoginThrottle:
    return LoginThrottle(
        per_username=Allowance(failures=3, recovery_seconds=60),
        per_address=Allowance(failures=5, recovery_seconds=6),
        clock=clock,
    )


def fail(throttle: LoginThrottle, times: int, username: str = "alice", address: str = ADDRESS) -> None:
    for _ in range(times):
        assert throttle.retry_after(username, address) == 0
        throttle.failed(username, address)


def test_a_username_may_fail_its_allowance_and_is_then_told_how_long_to_wait(throttle: LoginThrottle) -> None:
    fail(throttle, 3)

    assert throttle.retry_after("alice", "198.51.100.1") == 60


def test_the_username_is_throttled_whatever_its_case(throttle: LoginThrottle) -> None:
    fail(throttle, 3, username="Alice")

    assert throttle.retry_after("ALICE", "198.51.100.1") == 60


def test_a_throttled_username_gets_one_more_attempt_per_recovery_period(
    throttle: LoginThrottle, clock: ManualClock
) -> None:
    fail(throttle, 3)

    clock.advance(59)
    assert throttle.retry_after("alice", "198.51.100.1") == 1
    clock.advance(1)
    fail(throttle, 1, address="198.51.100.1")
    assert throttle.retry_after("alice", "198.51.100.2") == 60


def test_a_username_left_alone_long_enough_gets_its_whole_allowance_back(
    throttle: LoginThrottle, clock: ManualClock
) -> None:
    fail(throttle, 3)

    clock.advance(3 * 60)

    fail(throttle, 3)
    assert throttle.retry_after("alice", "198.51.100.1") > 0


def test_a_success_forgives_the_usernames_earlier_failures(throttle: LoginThrottle) -> None:
    fail(throttle, 2)

    throttle.succeeded("alice")

    fail(throttle, 2)
    assert throttle.retry_after("alice", "198.51.100.1") == 0


def test_one_address_trying_many_usernames_is_throttled_and_other_addresses_are_not(
    throttle: LoginThrottle,
) -> None:
    for n in range(5):
        fail(throttle, 1, username=f"user{n}")

    assert throttle.retry_after("someone_new", ADDRESS) == 6
    assert throttle.retry_after("someone_new", "198.51.100.1") == 0


def test_a_success_does_not_reset_the_address_so_an_own_account_cannot_launder_guesses(
    throttle: LoginThrottle,
) -> None:
    for n in range(5):
        fail(throttle, 1, username=f"victim{n}")

    throttle.succeeded("attacker")

    assert throttle.retry_after("victim9", ADDRESS) > 0


def test_failures_of_one_username_do_not_throttle_another(throttle: LoginThrottle) -> None:
    fail(throttle, 3)

    assert throttle.retry_after("bob", "198.51.100.1") == 0


def test_memory_stays_bounded_by_forgetting_the_keys_that_failed_longest_ago(clock: ManualClock) -> None:
    throttle = LoginThrottle(Allowance(1, 60), Allowance(1_000, 1), clock=clock, max_keys=2)
    fail(throttle, 1, username="first")
    fail(throttle, 1, username="second")
    fail(throttle, 1, username="third")

    assert throttle.retry_after("first", "198.51.100.1") == 0
    assert throttle.retry_after("third", "198.51.100.1") == 60
