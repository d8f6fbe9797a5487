"""The `Pins` contract."""

from __future__ import annotations

from chatcluster.store.base import Pin, Pins
from tests.contract.builders import ORIGIN_MS, ContractCase, at


class PinsContract(ContractCase):
    """A room's pinned messages: pinning twice keeps the first pin, the newest pin comes first."""

    async def test_pins_are_listed_newest_pin_first(self, store: Pins) -> None:
        assert await store.pin("general", 11, by=1, at=at(ORIGIN_MS + 2)) is True
        assert await store.pin("general", 12, by=2, at=at(ORIGIN_MS + 1)) is True
        assert await store.pin("general", 10, by=1, at=at(ORIGIN_MS + 3)) is True

        assert await store.pins("general") == [
            Pin(10, at(ORIGIN_MS + 3), 1),
            Pin(11, at(ORIGIN_MS + 2), 1),
            Pin(12, at(ORIGIN_MS + 1), 2),
        ]

    async def test_pinning_a_pinned_message_again_keeps_the_first_pin(self, store: Pins) -> None:
        await store.pin("general", 11, by=1, at=at(ORIGIN_MS))

        assert await store.pin("general", 11, by=2, at=at(ORIGIN_MS + 9)) is False

        assert await store.pins("general") == [Pin(11, at(ORIGIN_MS), 1)]

    async def test_an_unpinned_message_leaves_the_list_and_unpinning_again_reports_nothing(self, store: Pins) -> None:
        await store.pin("general", 11, by=1, at=at(ORIGIN_MS))
        await store.pin("general", 12, by=1, at=at(ORIGIN_MS + 1))

        assert await store.unpin("general", 11) is True
        assert await store.unpin("general", 11) is False

        assert [p.message_id for p in await store.pins("general")] == [12]

    async def test_pins_are_kept_per_room(self, store: Pins) -> None:
        await store.pin("general", 11, by=1, at=at(ORIGIN_MS))

        assert await store.pins("random") == []
        assert await store.unpin("random", 11) is False
        assert [p.message_id for p in await store.pins("general")] == [11]
