"""A socket's budget of undelivered frames and bytes, and what the WebSocket accepts from a client."""

from __future__ import annotations

import pytest

from chatcluster.gateway.hub import SLOW_CLIENT_CLOSE_CODE, Connection, Outbound
from chatcluster.gateway.routes.ws import is_ref, parse_since


def _frame(size: int) -> Outbound:
    return Outbound("x" * size)


def test_a_frame_is_sized_in_utf8_bytes() -> None:
    assert (_frame(10).size, Outbound("é€😀").size) == (10, 2 + 3 + 4)


def test_one_frame_past_the_frame_budget_asks_the_socket_to_close_with_4008() -> None:
    conn = Connection(1, max_frames=3, max_bytes=1 << 20)
    for _ in range(3):
        conn.offer(_frame(10))
    assert conn.close_request is None
    conn.offer(_frame(10))
    assert conn.close_request == (SLOW_CLIENT_CLOSE_CODE, "slow consumer: more than 3 undelivered frames")
    assert conn.closing.is_set() and conn.pending_bytes == 0


async def test_a_frame_being_written_counts_against_the_byte_budget_until_it_is_sent() -> None:
    conn = Connection(1, max_frames=100, max_bytes=100)
    conn.offer(_frame(60))
    taken = await conn.take()  # the sender waits for the client to read it
    conn.offer(_frame(30))
    assert conn.close_request is None and conn.pending_bytes == 90
    conn.offer(_frame(30))
    assert conn.close_request == (SLOW_CLIENT_CLOSE_CODE, "slow consumer: more than 100 undelivered bytes")
    conn.sent(taken)
    assert conn.pending_bytes == 0


async def test_a_written_frame_frees_its_bytes() -> None:
    conn = Connection(1, max_frames=100, max_bytes=100)
    for _ in range(5):
        conn.offer(_frame(60))
        conn.sent(await conn.take())
    assert (conn.close_request, conn.pending_bytes) == (None, 0)


def test_a_frame_larger_than_the_budget_is_sent_when_nothing_else_waits() -> None:
    conn = Connection(1, max_frames=100, max_bytes=100)
    conn.offer(_frame(150))
    assert (conn.close_request, conn.pending_bytes) == (None, 150)


def test_a_replay_held_outside_the_queue_counts_too() -> None:
    conn = Connection(1, max_frames=100, max_bytes=100)
    replay = [_frame(40), _frame(40)]
    conn.hold(replay)
    conn.offer(_frame(30))
    assert conn.close_request is not None and "100 undelivered bytes" in conn.close_request[1]


def test_the_first_close_wins_and_later_frames_are_ignored() -> None:
    conn = Connection(1, max_frames=100, max_bytes=100)
    conn.close(4401, "session revoked")
    conn.close(SLOW_CLIENT_CLOSE_CODE, "slow consumer")
    conn.offer(_frame(10))
    assert (conn.close_request, conn.pending_bytes) == ((4401, "session revoked"), 0)


@pytest.mark.parametrize("ref", [None, "", "m12", "x" * 64, 0, -(2**63), 2**63 - 1])
def test_short_strings_and_64_bit_integers_are_refs(ref: object) -> None:
    assert is_ref(ref)


@pytest.mark.parametrize("ref", ["x" * 65, 2**63, -(2**63) - 1, True, 1.5, [], {"a": 1}])
def test_anything_else_is_not_a_ref(ref: object) -> None:
    assert not is_ref(ref)


@pytest.mark.parametrize(
    ("since", "parsed"),
    [
        ("0", 0),
        ("123", 123),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("²", None),
        ("9" * 5000, None),
        ("", None),
        ("-1", None),
        ("1e3", None),
        ("12abc", None),
    ],
)
def test_since_is_an_event_id_below_2_to_the_63(since: str, parsed: int | None) -> None:
    assert parse_since(since) == parsed
