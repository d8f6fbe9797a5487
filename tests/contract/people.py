"""The `Blocks` and `Contacts` contracts: per-user sets with set semantics, and the user directory by prefix."""

from __future__ import annotations

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import Accounts, Blocks, Contacts, UserRef
from tests.contract.builders import ContractCase, new_user


class PeopleStore(Accounts, Blocks, Contacts):
    """What these cases use: users are made through `Accounts`."""


async def registered(store: PeopleStore, ids: SnowflakeGenerator, *names: str) -> list[UserRef]:
    found = []
    for name in names:
        user = new_user(ids, name)
        assert await store.create_user(user)
        found.append(UserRef(user.user_id, user.username))
    return found


class BlocksContract(ContractCase):
    """Who each user blocked: one block per pair, one way."""

    async def test_a_block_is_one_way_and_listed_by_name(self, store: PeopleStore, ids: SnowflakeGenerator) -> None:
        alice, bob, carol = await registered(store, ids, "alice", "Bob", "carol")

        await store.block(alice.user_id, carol)
        await store.block(alice.user_id, bob)

        assert await store.blocks_of(alice.user_id) == [bob, carol]
        assert await store.has_blocked(alice.user_id, bob.user_id) is True
        assert await store.has_blocked(bob.user_id, alice.user_id) is False
        assert await store.blocks_of(bob.user_id) == []

    async def test_blocking_twice_is_one_block_and_unblocking_ends_it(
        self, store: PeopleStore, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = await registered(store, ids, "alice", "bob")

        await store.block(alice.user_id, bob)
        await store.block(alice.user_id, bob)
        assert await store.blocks_of(alice.user_id) == [bob]

        await store.unblock(alice.user_id, bob.user_id)
        await store.unblock(alice.user_id, bob.user_id)
        assert await store.blocks_of(alice.user_id) == []
        assert await store.has_blocked(alice.user_id, bob.user_id) is False


class ContactsContract(ContractCase):
    """Each user's contacts, and the directory of usernames by prefix."""

    async def test_contacts_are_one_sided_listed_by_name_and_added_once(
        self, store: PeopleStore, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await registered(store, ids, "alice", "bob", "Carol")

        await store.add_contact(alice.user_id, carol)
        await store.add_contact(alice.user_id, bob)
        await store.add_contact(alice.user_id, bob)

        assert await store.contacts_of(alice.user_id) == [bob, carol]
        assert await store.contacts_of(bob.user_id) == []

    async def test_removing_a_contact_forgets_it_and_removing_it_again_changes_nothing(
        self, store: PeopleStore, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await registered(store, ids, "alice", "bob", "carol")
        await store.add_contact(alice.user_id, bob)
        await store.add_contact(alice.user_id, carol)

        await store.remove_contact(alice.user_id, bob.user_id)
        await store.remove_contact(alice.user_id, bob.user_id)

        assert await store.contacts_of(alice.user_id) == [carol]

    async def test_the_directory_finds_usernames_by_prefix_in_any_case_in_name_order(
        self, store: PeopleStore, ids: SnowflakeGenerator
    ) -> None:
        found = await registered(store, ids, "samwise", "Sam", "SAMANTHA", "sam_2", "sa", "tom", "bsam")
        samwise, sam, samantha, sam_2, sa = found[:5]

        assert await store.users_by_prefix("sam", 10) == [sam, sam_2, samantha, samwise]
        assert await store.users_by_prefix("SaM", 10) == [sam, sam_2, samantha, samwise]
        assert await store.users_by_prefix("s", 2) == [sa, sam]
        assert await store.users_by_prefix("samw", 10) == [samwise]
        assert await store.users_by_prefix("zed", 10) == []

    async def test_the_directory_leaves_deleted_accounts_out(self, store: PeopleStore, ids: SnowflakeGenerator) -> None:
        kept, gone = await registered(store, ids, "frodo", "frodo2")

        assert await store.delete_user(gone.user_id)

        assert await store.users_by_prefix("fro", 10) == [kept]
