"""The consumer loop's policy for what it could not handle, without a NATS server.

tests/integration/test_dead_letters.py proves the loop carries it out on a real JetStream.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from chatcluster.errors import BusUnavailable, Unavailable
from chatcluster.redelivery import (
    MAX_BACKOFF_SECONDS,
    MAX_ERROR_CHARS,
    REDELIVERY_DELAY_SECONDS,
    Action,
    dead_letter_msg_id,
    dead_letter_of,
    holds_batch,
    next_backoff,
    undecodable,
    verdict,
)
from chatcluster.store import StoreUnavailable


def test_a_batch_the_store_cannot_take_is_held_while_the_loop_runs() -> None:
    assert holds_batch(StoreUnavailable("connection refused"), stopping=False)
    assert holds_batch(BusUnavailable("no responders"), stopping=False)


def test_a_stopping_loop_holds_nothing_so_it_can_stop() -> None:
    assert not holds_batch(StoreUnavailable("connection refused"), stopping=True)


def test_a_batch_that_fails_for_any_other_reason_is_not_held_but_taken_apart() -> None:
    assert not holds_batch(ValueError("poison"), stopping=False)
    assert not holds_batch(KeyError("text"), stopping=False)


def test_the_wait_before_retrying_a_held_batch_doubles_up_to_ten_seconds() -> None:
    waits = [0.2]
    for _ in range(8):
        waits.append(next_backoff(waits[-1]))

    assert waits[:4] == [0.2, 0.4, 0.8, 1.6]
    assert waits[-1] == MAX_BACKOFF_SECONDS == 10.0
    assert all(later >= earlier for earlier, later in pairwise(waits))


def test_a_message_handled_alone_without_error_is_acked() -> None:
    assert verdict(None, deliveries=7, max_deliver=5).action is Action.ACK


def test_a_message_that_fails_on_its_own_is_redelivered_a_second_later_until_its_last_delivery() -> None:
    for deliveries in range(1, 5):
        decided = verdict(ValueError("bad"), deliveries=deliveries, max_deliver=5)
        assert decided.action is Action.REDELIVER, deliveries
        assert decided.delay == REDELIVERY_DELAY_SECONDS == 1.0


def test_a_message_whose_last_delivery_fails_is_dead_lettered_with_the_error() -> None:
    decided = verdict(ValueError("text is not a string"), deliveries=5, max_deliver=5)

    assert decided.action is Action.DEAD_LETTER
    assert decided.error == "ValueError: text is not a string"
    assert verdict(KeyError("x"), deliveries=9, max_deliver=5).action is Action.DEAD_LETTER


def test_a_message_that_meets_an_outage_is_redelivered_however_often_it_came() -> None:
    for error in (StoreUnavailable("down"), BusUnavailable("down"), Unavailable("down")):
        assert verdict(error, deliveries=50, max_deliver=5).action is Action.REDELIVER


def test_a_payload_that_does_not_decode_is_dead_lettered_at_once() -> None:
    decided = undecodable(ValueError("Invalid JSON: expected value at line 1 column 1"))

    assert decided.action is Action.DEAD_LETTER
    assert decided.error == "undecodable payload: Invalid JSON: expected value at line 1 column 1"


def test_a_dead_letter_keeps_the_payload_readable_and_the_error_short() -> None:
    failed_at = datetime(2025, 4, 11, 12, 0, tzinfo=UTC)
    letter = dead_letter_of("persister", "chat.msg.general", 42, 5, "x" * 5000, b"caf\xc3\xa9 \xff", failed_at)

    assert (letter.consumer, letter.subject, letter.stream_sequence, letter.deliveries) == (
        "persister",
        "chat.msg.general",
        42,
        5,
    )
    assert letter.error == "x" * MAX_ERROR_CHARS
    assert letter.payload == "café \ufffd"
    assert letter.failed_at == failed_at


def test_a_message_dead_lettered_twice_by_one_consumer_carries_one_dedup_key() -> None:
    assert dead_letter_msg_id("scorer", 42) == dead_letter_msg_id("scorer", 42) == "scorer:42"
    assert dead_letter_msg_id("persister", 42) != dead_letter_msg_id("scorer", 42)
