"""Read state decided without servers: capped counts, previews, room order, who sees receipts, how read markers
are coalesced before they are announced, and the `read` frame."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from chatcluster.gateway.hub import read_fields, read_notice
from chatcluster.gateway.receipts import ReadPublisher
from chatcluster.gateway.replay import replay_frame
from chatcluster.ids import SnowflakeGenerator, id_datetime
from chatcluster.models import ReadEvent, RoomKind, read_subject
from chatcluster.unread import (
    COUNT_CAP,
    PREVIEW_CHARS,
    Announce,
    Later,
    ReadCoalescer,
    activity_id,
    preview,
    shares_receipts,
    unread_figure,
)
from tests.helpers import ManualClock

KEY = (7, "lunch")


def test_a_count_below_the_cap_is_shown_as_it_is() -> None:
    assert unread_figure(0) == (0, False)
    assert unread_figure(9_999) == (9_999, False)


def test_a_count_that_reached_the_cap_shows_9999_plus() -> None:
    assert unread_figure(COUNT_CAP) == (9_999, True)


def test_a_preview_keeps_a_short_text_and_cuts_a_long_one_to_100_characters() -> None:
    assert preview("hello") == "hello"
    assert preview("x" * PREVIEW_CHARS) == "x" * PREVIEW_CHARS
    cut = preview("é" * 500)
    assert len(cut) == PREVIEW_CHARS
    assert cut.endswith("…")


def test_rooms_order_by_their_last_message_or_else_by_when_they_were_made() -> None:
    ids = SnowflakeGenerator(worker_id=3)
    old_message, new_room_ms, new_message = (
        ids.next_id(at_ms=1_800_000_000_000),
        1_800_000_100_000,
        ids.next_id(at_ms=1_800_000_200_000),
    )
    created_long_ago = datetime(2025, 2, 1, tzinfo=UTC)
    quiet_new_room = datetime.fromtimestamp(new_room_ms / 1000, tz=UTC)

    keys = {
        "busy": activity_id(new_message, created_long_ago),
        "quiet new room": activity_id(None, quiet_new_room),
        "stale": activity_id(old_message, created_long_ago),
    }

    assert sorted(keys, key=keys.__getitem__, reverse=True) == ["busy", "quiet new room", "stale"]
    assert id_datetime(keys["quiet new room"]) == quiet_new_room


def test_receipts_are_shared_in_direct_messages_and_small_rooms_only() -> None:
    assert shares_receipts(RoomKind.DIRECT, 2, max_members=0)
    assert shares_receipts(RoomKind.GROUP, 50, max_members=50)
    assert not shares_receipts(RoomKind.GROUP, 51, max_members=50)


def test_the_first_marker_is_announced_at_once() -> None:
    coalescer = ReadCoalescer(interval=1.0, clock=ManualClock())

    assert coalescer.offer(KEY, 10) == Announce(10)


def test_markers_within_the_interval_wait_and_only_the_latest_is_announced_at_its_end() -> None:
    clock = ManualClock()
    coalescer = ReadCoalescer(interval=1.0, clock=clock)
    coalescer.offer(KEY, 10)
    clock.advance(0.25)

    assert coalescer.offer(KEY, 11) == Later(delay=0.75, start_timer=True)
    clock.advance(0.25)
    assert coalescer.offer(KEY, 12) == Later(delay=0.5, start_timer=False)
    clock.advance(0.5)

    assert coalescer.due(KEY) == 12
    assert coalescer.due(KEY) is None


def test_a_marker_not_past_the_one_announced_or_waiting_is_dropped() -> None:
    clock = ManualClock()
    coalescer = ReadCoalescer(interval=1.0, clock=clock)
    coalescer.offer(KEY, 10)

    assert coalescer.offer(KEY, 10) is None
    assert coalescer.offer(KEY, 9) is None
    coalescer.offer(KEY, 15)
    assert coalescer.offer(KEY, 14) is None
    assert coalescer.due(KEY) == 15


def test_a_marker_after_a_quiet_interval_is_announced_at_once_and_quiet_pairs_are_forgotten() -> None:
    clock = ManualClock()
    coalescer = ReadCoalescer(interval=1.0, clock=clock)
    coalescer.offer(KEY, 10)
    coalescer.offer((8, "lunch"), 3)
    clock.advance(1.0)

    assert coalescer.offer(KEY, 11) == Announce(11)
    assert coalescer.remembered == 1  # user 8's pair was quiet for the whole interval
    assert coalescer.offer((8, "lunch"), 3) == Announce(3)  # forgotten, so nothing holds it back


def test_pairs_are_coalesced_apart() -> None:
    coalescer = ReadCoalescer(interval=1.0, clock=ManualClock())
    coalescer.offer(KEY, 10)

    assert coalescer.offer((7, "dinner"), 10) == Announce(10)
    assert coalescer.offer((8, "lunch"), 10) == Announce(10)


async def test_the_publisher_announces_the_first_at_once_and_the_latest_of_a_burst_once_after_the_interval() -> None:
    announced: list[int] = []

    async def announce(marker: int) -> None:
        announced.append(marker)

    publisher = ReadPublisher(ReadCoalescer(interval=0.2))
    for marker in range(1, 6):
        await publisher.offer(KEY, marker, announce)
    assert announced == [1]

    await asyncio.sleep(0.4)

    assert announced == [1, 5]


async def test_stopping_the_publisher_announces_what_waits_at_once() -> None:
    announced: list[int] = []

    async def announce(marker: int) -> None:
        announced.append(marker)

    publisher = ReadPublisher(ReadCoalescer(interval=60.0))
    await publisher.offer(KEY, 1, announce)
    await publisher.offer(KEY, 2, announce)

    await publisher.flush()

    assert announced == [1, 2]


async def test_an_announcement_the_bus_refuses_is_dropped_without_failing_the_caller() -> None:
    async def bus_down(_marker: int) -> None:
        raise TimeoutError

    await ReadPublisher(ReadCoalescer(interval=1.0)).offer(KEY, 1, bus_down)


def _read_event(room_id: str = "lunch") -> ReadEvent:
    return ReadEvent(event_id=555, room_id=room_id, user_id=7, message_id=444, read_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_a_read_event_becomes_a_read_frame_with_its_event_id() -> None:
    notice = read_notice(_read_event().model_dump_json().encode())

    assert notice is not None
    assert (notice.room_id, notice.user_id, notice.frame.event_id) == ("lunch", 7, 555)
    assert json.loads(notice.frame.frame) == {
        "type": "read",
        "room_id": "lunch",
        "user_id": "7",
        "message_id": "444",
        "event_id": "555",
    }
    assert json.loads(notice.frame.frame) == read_fields(_read_event())


def test_a_malformed_read_event_gives_no_frame() -> None:
    for payload in (b"nope", b"{}", _read_event().model_dump_json().encode().replace(b'"444"', b'"x"')):
        assert read_notice(payload) is None, payload


def test_a_replayed_read_event_becomes_a_read_frame_for_every_member_the_reader_too() -> None:
    payload = _read_event().model_dump_json().encode()

    for user_id in (7, 8):
        item = replay_frame(read_subject("lunch"), payload, user_id)
        assert item is not None
        assert json.loads(item.frame)["type"] == "read"
