"""The `Accounts` role: users (case-blind unique names, password, admin role, deletion) and sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chatcluster.ids import SnowflakeGenerator
from chatcluster.store.base import Accounts
from tests.contract.builders import ContractCase, new_session, new_user


class AccountsContract(ContractCase):
    """Users, then sessions: revoking one deletes it, so a session found is a session not revoked."""

    async def test_a_created_user_can_be_found_by_id_and_by_name(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")

        assert await store.create_user(alice) is True

        assert await store.get_user(alice.user_id) == alice
        assert await store.get_user_by_name("Alice") == alice

    async def test_a_username_can_only_be_taken_once_whatever_its_case(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")
        impostor = new_user(ids, "aLICE")
        await store.create_user(alice)

        assert await store.create_user(impostor) is False
        assert await store.create_user(alice) is False

        assert await store.get_user(impostor.user_id) is None
        assert await store.get_user_by_name("Alice") == alice

    async def test_usernames_are_found_whatever_their_case_and_keep_their_own(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        await store.create_user(new_user(ids, "MixedCase"))

        found = await store.get_user_by_name("mixedcase")

        assert found is not None
        assert found.username == "MixedCase"

    async def test_an_unknown_user_is_not_found(self, store: Accounts, ids: SnowflakeGenerator) -> None:
        await store.create_user(new_user(ids, "alice"))

        assert await store.get_user(ids.next_id()) is None
        assert await store.get_user_by_name("bob") is None

    async def test_a_new_user_is_neither_an_admin_nor_deleted(self, store: Accounts, ids: SnowflakeGenerator) -> None:
        alice = new_user(ids, "alice")
        await store.create_user(alice)

        found = await store.get_user(alice.user_id)

        assert found is not None
        assert (found.is_admin, found.deleted) == (False, False)

    async def test_a_replaced_password_hash_is_what_both_lookups_return(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")
        await store.create_user(alice)

        assert await store.set_password_hash(alice.user_id, "$argon2id$new") is True

        by_id, by_name = await store.get_user(alice.user_id), await store.get_user_by_name("alice")
        assert by_id is not None and by_name is not None
        assert by_id.password_hash == by_name.password_hash == "$argon2id$new"

    async def test_the_admin_role_can_be_granted_and_revoked(self, store: Accounts, ids: SnowflakeGenerator) -> None:
        alice, bob = new_user(ids, "alice"), new_user(ids, "bob")
        await store.create_user(alice)
        await store.create_user(bob)

        assert await store.set_admin(alice.user_id, True) is True
        granted = await store.get_user_by_name("alice")
        assert await store.set_admin(alice.user_id, False) is True
        revoked = await store.get_user(alice.user_id)

        assert granted is not None and granted.is_admin is True
        assert revoked is not None and revoked.is_admin is False
        assert (await store.get_user(bob.user_id)) == bob

    async def test_changing_a_user_that_does_not_exist_reports_false(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        nobody = ids.next_id()

        assert await store.set_password_hash(nobody, "$argon2id$x") is False
        assert await store.set_admin(nobody, True) is False
        assert await store.delete_user(nobody) is False

    async def test_a_deleted_account_keeps_its_username_reserved_but_loses_its_password_and_role(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")
        await store.create_user(alice)
        await store.set_admin(alice.user_id, True)

        assert await store.delete_user(alice.user_id) is True

        found = await store.get_user_by_name("alice")
        assert found is not None
        assert (found.user_id, found.username, found.deleted) == (alice.user_id, "Alice", True)
        assert (found.password_hash, found.is_admin) == ("", False)
        assert await store.get_user(alice.user_id) == found
        assert await store.create_user(new_user(ids, "alice")) is False
        assert await store.set_password_hash(alice.user_id, "$argon2id$back") is False
        assert await store.set_admin(alice.user_id, True) is False
        assert await store.delete_user(alice.user_id) is False

    # --- sessions ----------------------------------------------------------------------------

    async def test_a_created_session_reads_back_as_it_was(self, store: Accounts, ids: SnowflakeGenerator) -> None:
        alice = new_user(ids, "alice")
        session = new_session(ids, alice, agent="Mozilla/5.0 (X11)")

        await store.create_session(session)

        found = await store.get_session(session.session_id)
        assert found == session
        assert found is not None and found.secret_hash == session.secret_hash

    async def test_an_unknown_session_is_not_found(self, store: Accounts, ids: SnowflakeGenerator) -> None:
        await store.create_session(new_session(ids, new_user(ids, "alice")))

        assert await store.get_session(ids.next_id()) is None

    async def test_touching_a_session_moves_its_last_use_and_expiry_only(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        session = new_session(ids, new_user(ids, "alice"))
        await store.create_session(session)
        later = session.model_copy(
            update={
                "last_used_at": session.last_used_at + timedelta(seconds=30),
                "expires_at": session.expires_at + timedelta(seconds=30),
            }
        )

        assert await store.touch_session(later) is True

        assert await store.get_session(session.session_id) == later

    async def test_a_revoked_session_is_gone_and_a_later_touch_does_not_revive_it(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        session = new_session(ids, new_user(ids, "alice"))
        await store.create_session(session)

        assert await store.revoke_session(session.session_id) is True

        assert await store.get_session(session.session_id) is None
        assert await store.touch_session(session) is False
        assert await store.get_session(session.session_id) is None
        assert await store.revoke_session(session.session_id) is False

    async def test_a_users_sessions_are_listed_oldest_first_without_expired_or_other_users_ones(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = new_user(ids, "alice"), new_user(ids, "bob")
        first = new_session(ids, alice, expires_in_s=7200)
        short = new_session(ids, alice, expires_in_s=600)
        second = new_session(ids, alice, expires_in_s=7200)
        for session in (second, short, first, new_session(ids, bob)):
            await store.create_session(session)
        in_an_hour = datetime.now(UTC) + timedelta(hours=1)

        listed = await store.sessions_of(alice.user_id, in_an_hour)

        assert [s.session_id for s in listed] == [first.session_id, second.session_id]
        assert len(await store.sessions_of(alice.user_id, datetime.now(UTC))) == 3

    async def test_revoking_every_session_of_a_user_can_keep_one_and_spares_other_users(
        self, store: Accounts, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = new_user(ids, "alice"), new_user(ids, "bob")
        kept, phone, laptop = (new_session(ids, alice) for _ in range(3))
        bobs = new_session(ids, bob)
        for session in (kept, phone, laptop, bobs):
            await store.create_session(session)

        ended = await store.revoke_sessions(alice.user_id, keep=kept.session_id)

        assert sorted(ended) == sorted([phone.session_id, laptop.session_id])
        now = datetime.now(UTC)
        assert [s.session_id for s in await store.sessions_of(alice.user_id, now)] == [kept.session_id]
        assert await store.get_session(bobs.session_id) == bobs
        assert await store.revoke_sessions(alice.user_id) == [kept.session_id]
        assert await store.sessions_of(alice.user_id, now) == []
