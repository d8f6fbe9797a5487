"""The `CreatorLists` and `Broadcasts` contracts: creators' lists with set semantics, and a broadcast's recipients
frozen once with each recipient's outcome recorded once."""

from __future__ import annotations

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import (
    BroadcastRecord,
    Broadcasts,
    CreatorList,
    CreatorLists,
    Recipient,
)
from tests.contract.builders import ContractCase
from tests.contract.people import PeopleStore, registered


class CreatorStore(PeopleStore, CreatorLists, Broadcasts):
    """What these cases use: users are made through `Accounts`."""


class CreatorListsContract(ContractCase):
    async def test_the_creator_flag_is_set_and_cleared(self, store: CreatorStore, ids: SnowflakeGenerator) -> None:
        (alice,) = await registered(store, ids, "alice")
        assert await store.is_creator(alice.user_id) is False

        await store.set_creator(alice.user_id, True)
        await store.set_creator(alice.user_id, True)
        assert await store.is_creator(alice.user_id) is True

        await store.set_creator(alice.user_id, False)
        assert await store.is_creator(alice.user_id) is False

    async def test_a_list_is_created_renamed_filled_emptied_and_deleted(
        self, store: CreatorStore, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await registered(store, ids, "alice", "bob", "carol")
        vip = CreatorList(ids.next_id(), alice.user_id, "VIP", 1)
        subscribers = CreatorList(ids.next_id(), alice.user_id, "subscribers", 2)
        await store.create_list(vip)
        await store.create_list(subscribers)
        assert await store.lists_of(alice.user_id) == [vip, subscribers]
        assert await store.lists_of(bob.user_id) == []

        await store.rename_list(vip.list_id, "VIPs")
        assert await store.get_list(vip.list_id) == CreatorList(vip.list_id, alice.user_id, "VIPs", 1)

        await store.add_list_members(vip.list_id, [carol, bob])
        await store.add_list_members(vip.list_id, [bob])
        assert await store.list_members(vip.list_id) == sorted([bob, carol], key=lambda u: u.user_id)
        assert await store.list_size(vip.list_id) == 2
        assert await store.list_size(subscribers.list_id) == 0

        await store.remove_list_member(vip.list_id, bob.user_id)
        assert await store.list_members(vip.list_id) == [carol]

        await store.delete_list(vip.list_id)
        assert await store.get_list(vip.list_id) is None
        assert await store.list_members(vip.list_id) == []
        assert await store.lists_of(alice.user_id) == [subscribers]


class BroadcastsContract(ContractCase):
    async def test_the_first_freeze_of_a_broadcasts_recipients_wins(
        self, store: CreatorStore, ids: SnowflakeGenerator
    ) -> None:
        broadcast = BroadcastRecord(ids.next_id(), 1, 2, "hello all")
        await store.put_broadcast(broadcast)
        await store.put_broadcast(broadcast)
        assert await store.get_broadcast(broadcast.broadcast_id) == broadcast
        assert await store.get_broadcast(ids.next_id()) is None
        assert await store.broadcast_total(broadcast.broadcast_id) is None

        first = [Recipient(10, ids.next_id()), Recipient(11, ids.next_id())]
        second = [Recipient(10, ids.next_id()), Recipient(12, ids.next_id()), Recipient(13, ids.next_id())]
        assert await store.freeze_recipients(broadcast.broadcast_id, first) == first
        assert await store.freeze_recipients(broadcast.broadcast_id, second) == first
        assert await store.broadcast_total(broadcast.broadcast_id) == 2

    async def test_each_recipients_outcome_is_recorded_once(self, store: CreatorStore, ids: SnowflakeGenerator) -> None:
        broadcast_id = ids.next_id()
        await store.record_outcomes(broadcast_id, {10: True, 11: False})
        await store.record_outcomes(broadcast_id, {10: True, 12: True})

        assert await store.broadcast_outcomes(broadcast_id) == {10: True, 11: False, 12: True}
        assert await store.broadcast_outcomes(ids.next_id()) == {}
