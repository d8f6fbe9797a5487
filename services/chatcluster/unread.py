"""Read state rules: how unread counts are capped and shown, how a room list is ordered, who sees receipts,
and how often a moving read marker is announced.

Pure: the gateway reads the store and publishes on the bus around these decisions.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chatcluster.ids import lowest_id_at
from chatcluster.models import RoomKind
from chatcluster.times import epoch_ms

# A count reads at most this many messages after the marker (the store's `count_after` cap): reading one
# more than the largest figure shown tells "9,999" from "more than 9,999".
COUNT_CAP = 10_000
SHOWN_CAP = COUNT_CAP - 1
PREVIEW_CHARS = 100
# A member's receipt is announced to the room's members at most once per this many seconds (the latest
# marker always goes out, at the end of the interval at the latest).
READ_EVENT_INTERVAL_SECONDS = 1.0


def unread_figure(count: int) -> tuple[int, bool]:
    """What a room list shows for a count from `count_after(cap=COUNT_CAP)`: the number, capped at 9,999,
    and whether more messages than that are unread ("9,999+")."""
    return min(count, SHOWN_CAP), count > SHOWN_CAP


def preview(text: str) -> str:
    """A message's text cut to PREVIEW_CHARS characters for a room list, an ellipsis marking the cut."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def activity_id(last_message_id: int | None, created_at: datetime) -> int:
    """An id that orders rooms by their latest activity: the last message, or the room's creation when it
    has none (as the smallest id minted at that moment, so it sorts among message ids)."""
    return last_message_id if last_message_id is not None else lowest_id_at(epoch_ms(created_at))


def shares_receipts(kind: RoomKind, members: int, max_members: int) -> bool:
    """Whether a room's members see how far each other has read: in direct messages, and in rooms of at
    most `max_members` members. In a larger room only the reader's own sockets hear of it."""
    return kind is RoomKind.DIRECT or members <= max_members


Key = tuple[int, str]  # (user_id, room_id)


@dataclass(frozen=True)
class Announce:
    """Announce this marker now."""

    marker: int


@dataclass(frozen=True)
class Later:
    """Announce the latest marker after `delay` seconds (one timer per user and room is enough: `due`
    hands the latest marker over when it fires)."""

    delay: float
    start_timer: bool


@dataclass
class ReadCoalescer:
    """Decides when a user's new read marker in a room is announced: at once when nothing was announced for
    them there within the interval, else once at its end with the latest marker offered meanwhile. A marker
    not above the last announced one is dropped. What it remembers is forgotten an interval after the last
    announcement, so it holds only the pairs active within the last second or so."""

    interval: float = READ_EVENT_INTERVAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _announced: OrderedDict[Key, tuple[float, int]] = field(default_factory=OrderedDict)  # when, which marker
    _pending: dict[Key, int] = field(default_factory=dict)

    def offer(self, key: Key, marker: int) -> Announce | Later | None:
        now = self.clock()
        self._forget_idle(now)
        last = self._announced.get(key)
        if last is not None and marker <= max(last[1], self._pending.get(key, 0)):
            return None
        if last is None or now - last[0] >= self.interval:
            self._note(key, now, marker)
            return Announce(marker)
        start_timer = key not in self._pending
        self._pending[key] = marker
        return Later(delay=max(0.0, last[0] + self.interval - now), start_timer=start_timer)

    def due(self, key: Key) -> int | None:
        """The marker waiting for this pair when its timer fires (now announced), or None."""
        marker = self._pending.pop(key, None)
        if marker is not None:
            self._note(key, self.clock(), marker)
        return marker

    @property
    def remembered(self) -> int:
        return len(self._announced)

    def _note(self, key: Key, now: float, marker: int) -> None:
        self._announced[key] = (now, marker)
        self._announced.move_to_end(key)

    def _forget_idle(self, now: float) -> None:
        while self._announced:
            key, (when, _) = next(iter(self._announced.items()))
            if now - when < self.interval or key in self._pending:
                return
            del self._announced[key]
