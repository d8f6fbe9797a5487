"""The short-lived cache of resolved sessions, driven by a clock the test moves by hand."""

from __future__ import annotations

import pytest

from chatcluster.gateway.identities import IdentityCache
from chatcluster.gateway.security import Identity
from tests.helpers import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def identity(session_id: int, user_id: int = 1) -> Identity:
    return Identity(user_id=user_id, username=f"user{user_id}", is_admin=False, session_id=session_id)


def test_a_resolved_session_is_served_from_the_cache_until_it_is_a_few_seconds_old(clock: ManualClock) -> None:
    cache = IdentityCache(ttl_seconds=5, clock=clock)
    cache.put(identity(10))

    clock.advance(4.9)
    assert cache.get(10) == identity(10)
    clock.advance(0.1)
    assert cache.get(10) is None


def test_a_revoked_session_leaves_the_cache_at_once(clock: ManualClock) -> None:
    cache = IdentityCache(ttl_seconds=5, clock=clock)
    cache.put(identity(10))
    cache.put(identity(11))

    cache.forget({10})

    assert (cache.get(10), cache.get(11)) == (None, identity(11))


def test_a_resolution_that_raced_a_revocation_cannot_put_the_session_back(clock: ManualClock) -> None:
    cache = IdentityCache(ttl_seconds=5, clock=clock)
    cache.forget({10})

    clock.advance(30)
    cache.put(identity(10))

    assert cache.get(10) is None
    assert cache.was_revoked(10) is True


def test_revocations_are_remembered_for_a_bounded_time(clock: ManualClock) -> None:
    cache = IdentityCache(ttl_seconds=5, clock=clock, revoked_memory_seconds=60)
    cache.forget({10})

    clock.advance(60)
    cache.put(identity(11))

    assert cache.was_revoked(10) is False


def test_the_cache_holds_at_most_its_size_dropping_the_least_recently_used(clock: ManualClock) -> None:
    cache = IdentityCache(ttl_seconds=5, max_entries=2, clock=clock)
    cache.put(identity(1))
    cache.put(identity(2))
    cache.get(1)

    cache.put(identity(3))

    assert [cache.get(s) is not None for s in (1, 2, 3)] == [True, False, True]
