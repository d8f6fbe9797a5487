"""Presence and typing rules, decided without a NATS server (chatcluster.presence)."""

from __future__ import annotations

import json

from chatcluster.presence import (
    PresenceBoard,
    Status,
    TypingThrottle,
    combined,
    parse_presence_key,
    presence_key,
    presence_value,
    sockets_status,
)
from tests.helpers import ManualClock

TTL_MS = 30_000


def test_a_user_is_online_if_any_key_is_online_away_if_all_are_away_and_offline_with_none() -> None:
    assert combined([Status.AWAY, Status.ONLINE]) is Status.ONLINE
    assert combined([Status.AWAY, Status.AWAY]) is Status.AWAY
    assert combined([]) is Status.OFFLINE


def test_a_user_is_away_on_a_gateway_only_when_every_socket_there_says_away() -> None:
    assert sockets_status([True, False]) is Status.ONLINE
    assert sockets_status([True, True]) is Status.AWAY
    assert sockets_status([]) is Status.OFFLINE


def test_a_key_names_the_user_and_the_gateway_worker_and_foreign_keys_are_not_read() -> None:
    assert presence_key(42, 7) == "42.7"
    assert parse_presence_key("42.7") == (42, 7)
    for key in ("42", "42.", "x.7", "42.7.1", "².7", ""):
        assert parse_presence_key(key) is None, key


def test_the_board_combines_the_keys_of_every_gateway_holding_the_user() -> None:
    board = PresenceBoard(TTL_MS)
    board.apply("42.1", presence_value(Status.AWAY, 1_000))
    assert board.status(42, 2_000) is Status.AWAY

    board.apply("42.2", presence_value(Status.ONLINE, 1_500))
    assert board.status(42, 2_000) is Status.ONLINE

    board.apply("42.2", None)  # the user closed the page on gateway 2
    assert board.status(42, 2_000) is Status.AWAY
    assert board.status(43, 2_000) is Status.OFFLINE


def test_a_key_its_gateway_stopped_refreshing_counts_as_offline_once_its_ttl_has_passed() -> None:
    board = PresenceBoard(TTL_MS)
    board.apply("42.1", presence_value(Status.ONLINE, 1_000))

    assert board.status(42, 1_000 + TTL_MS - 1) is Status.ONLINE
    assert board.status(42, 1_000 + TTL_MS) is Status.OFFLINE


def test_pruning_forgets_only_the_entries_past_their_ttl() -> None:
    board = PresenceBoard(TTL_MS)
    board.apply("42.1", presence_value(Status.ONLINE, 1_000))
    board.apply("43.1", presence_value(Status.ONLINE, 20_000))

    board.prune(1_000 + TTL_MS)

    assert len(board) == 1
    assert board.statuses([42, 43], 1_000 + TTL_MS) == {42: Status.OFFLINE, 43: Status.ONLINE}


def test_values_of_another_shape_are_ignored() -> None:
    board = PresenceBoard(TTL_MS)
    for value in (
        b"not json",
        b"[]",
        json.dumps({"status": "busy", "at": 1}).encode(),
        json.dumps({"status": "offline", "at": 1}).encode(),
        json.dumps({"status": "online", "at": "1"}).encode(),
        json.dumps({"status": "online"}).encode(),
    ):
        board.apply("42.1", value)
        assert board.status(42, 2) is Status.OFFLINE, value
    board.apply("not-a-user.1", presence_value(Status.ONLINE, 1))
    assert len(board) == 0


def test_ten_typing_notices_in_a_second_let_one_through_and_another_after_three_seconds() -> None:
    clock = ManualClock()
    throttle = TypingThrottle(interval=3.0, clock=clock)

    allowed = []
    for _ in range(10):
        allowed.append(throttle.allow(42, "lunch"))
        clock.advance(0.1)
    assert allowed == [True] + [False] * 9

    clock.advance(2.0)  # 3 s after the first
    assert throttle.allow(42, "lunch")


def test_typing_is_throttled_per_user_and_room() -> None:
    throttle = TypingThrottle(interval=3.0, clock=ManualClock())

    assert throttle.allow(42, "lunch")
    assert throttle.allow(42, "work")
    assert throttle.allow(43, "lunch")
    assert not throttle.allow(42, "lunch")


def test_the_typing_throttle_forgets_who_typed_long_ago() -> None:
    clock = ManualClock()
    throttle = TypingThrottle(interval=3.0, clock=clock)
    for user_id in range(5_000):
        throttle.allow(user_id, "lunch")
        clock.advance(0.01)

    assert len(throttle) <= 1_024  # the last three seconds' typists, and at most one sweep's growth
