"""The `Rooms` role: rooms, the group-room directory and membership within a member limit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import RoomKind, RoomRole, User
from chatcluster.store.base import Accounts, JoinResult, RoomBan, Rooms
from tests.contract.builders import ORIGIN_MS, ContractCase, at, new_room, new_user


class Members(Rooms, Accounts, Protocol):
    """Membership names accounts: a member list shows each member's username."""


class RoomsContract(ContractCase):
    """Rooms, then who is in them."""

    async def test_a_created_room_can_be_read_back(self, store: Rooms) -> None:
        room = new_room("general", created_ms=ORIGIN_MS + 789)

        assert await store.create_room(room) is True

        assert await store.get_room("general") == room

    async def test_a_room_id_can_only_be_created_once(self, store: Rooms) -> None:
        original = new_room("general", by=1)
        await store.create_room(original)

        assert await store.create_room(new_room("general", kind=RoomKind.DIRECT, by=2)) is False

        assert await store.get_room("general") == original

    async def test_an_unknown_room_is_not_found(self, store: Rooms) -> None:
        await store.create_room(new_room("general"))

        assert await store.get_room("random") is None

    async def test_the_room_directory_lists_group_rooms_newest_first_without_direct_rooms(self, store: Rooms) -> None:
        for room in (
            new_room("oldest", created_ms=ORIGIN_MS),
            new_room("dm-1-2", kind=RoomKind.DIRECT, created_ms=ORIGIN_MS + 1_500),
            new_room("newest", created_ms=ORIGIN_MS + 2_000),
            new_room("middle", created_ms=ORIGIN_MS + 1_000),
        ):
            await store.create_room(room)

        directory = await store.group_rooms(limit=10)

        assert [r.room_id for r in directory] == ["newest", "middle", "oldest"]
        assert {r.kind for r in directory} == {RoomKind.GROUP}

    async def test_the_room_directory_returns_at_most_its_limit(self, store: Rooms) -> None:
        for n in range(5):
            await store.create_room(new_room(f"room-{n}", created_ms=ORIGIN_MS + n))

        directory = await store.group_rooms(limit=2)

        assert [r.room_id for r in directory] == ["room-4", "room-3"]

    # --- membership --------------------------------------------------------------------------

    async def _room_with_users(
        self, store: Members, ids: SnowflakeGenerator, room_id: str, names: Sequence[str]
    ) -> list[User]:
        await store.create_room(new_room(room_id))
        users = [new_user(ids, name) for name in names]
        for user in users:
            assert await store.create_user(user)
        return users

    async def test_joining_a_room_makes_a_user_a_member(self, store: Members, ids: SnowflakeGenerator) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])
        assert await store.is_member("general", alice.user_id) is False

        assert await store.add_member("general", alice.user_id, limit=10) is JoinResult.JOINED

        assert await store.is_member("general", alice.user_id) is True

    async def test_joining_a_room_twice_reports_already_a_member(self, store: Members, ids: SnowflakeGenerator) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])
        await store.add_member("general", alice.user_id, limit=10)

        assert await store.add_member("general", alice.user_id, limit=10) is JoinResult.ALREADY_MEMBER

        assert [m.user_id for m in await store.members("general")] == [alice.user_id]

    async def test_a_room_at_its_member_limit_refuses_newcomers_but_not_its_members(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await self._room_with_users(store, ids, "general", ["alice", "bob", "carol"])
        assert await store.add_member("general", alice.user_id, limit=2) is JoinResult.JOINED
        assert await store.add_member("general", bob.user_id, limit=2) is JoinResult.JOINED

        assert await store.add_member("general", carol.user_id, limit=2) is JoinResult.ROOM_FULL
        assert await store.add_member("general", alice.user_id, limit=2) is JoinResult.ALREADY_MEMBER

        assert await store.is_member("general", carol.user_id) is False
        assert len(await store.members("general")) == 2

    async def test_leaving_a_full_room_frees_a_place(self, store: Members, ids: SnowflakeGenerator) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        await store.add_member("general", alice.user_id, limit=1)
        assert await store.add_member("general", bob.user_id, limit=1) is JoinResult.ROOM_FULL

        await store.remove_member("general", alice.user_id)

        assert await store.add_member("general", bob.user_id, limit=1) is JoinResult.JOINED

    async def test_joining_a_room_that_does_not_exist_reports_no_such_room(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])

        assert await store.add_member("nowhere", alice.user_id, limit=10) is JoinResult.NO_SUCH_ROOM

        assert await store.is_member("nowhere", alice.user_id) is False
        assert await store.rooms_of(alice.user_id) == []

    async def test_leaving_a_room_ends_membership_and_leaving_again_reports_nothing_to_leave(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        await store.add_member("general", alice.user_id, limit=10)
        await store.add_member("general", bob.user_id, limit=10)

        assert await store.remove_member("general", alice.user_id) is True
        assert await store.remove_member("general", alice.user_id) is False

        assert await store.is_member("general", alice.user_id) is False
        assert [m.user_id for m in await store.members("general")] == [bob.user_id]

    async def test_members_lists_each_member_with_their_name_and_join_time(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, _carol = await self._room_with_users(store, ids, "general", ["alice", "Bob", "carol"])
        before = datetime.now(UTC) - timedelta(seconds=1)
        await store.add_member("general", alice.user_id, limit=10)
        await store.add_member("general", bob.user_id, limit=10)
        after = datetime.now(UTC) + timedelta(seconds=1)

        members = await store.members("general")

        assert {(m.user_id, m.username) for m in members} == {(alice.user_id, "alice"), (bob.user_id, "Bob")}
        assert all(before <= m.joined_at <= after for m in members)
        assert await store.members("nowhere") == []

    async def test_rooms_of_lists_exactly_the_rooms_a_user_belongs_to(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        for room in (new_room("random"), new_room("dm-1-2", kind=RoomKind.DIRECT), new_room("quiet")):
            await store.create_room(room)
        for room_id in ("general", "random", "dm-1-2"):
            await store.add_member(room_id, alice.user_id, limit=10)
        await store.add_member("quiet", bob.user_id, limit=10)
        await store.remove_member("random", alice.user_id)

        rooms = await store.rooms_of(alice.user_id)

        assert {r.room_id for r in rooms} == {"general", "dm-1-2"}
        assert {r.room_id: r for r in rooms}["dm-1-2"].kind is RoomKind.DIRECT
        assert [r.room_id for r in await store.rooms_of(bob.user_id)] == ["quiet"]
        assert await store.rooms_of(ids.next_id()) == []

    async def test_concurrent_joins_never_exceed_the_member_limit(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        users = await self._room_with_users(store, ids, "general", [f"user{n}" for n in range(8)])

        results = await asyncio.gather(*(store.add_member("general", u.user_id, limit=3) for u in users))

        assert sorted(results) == sorted([JoinResult.JOINED] * 3 + [JoinResult.ROOM_FULL] * 5)
        assert len(await store.members("general")) == 3

    # --- roles ---------------------------------------------------------------------------------

    async def test_a_member_has_the_role_they_joined_with_and_a_non_member_none(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await self._room_with_users(store, ids, "general", ["alice", "bob", "carol"])
        await store.add_member("general", alice.user_id, limit=10, role=RoomRole.OWNER)
        await store.add_member("general", bob.user_id, limit=10)

        assert await store.member_role("general", alice.user_id) is RoomRole.OWNER
        assert await store.member_role("general", bob.user_id) is RoomRole.MEMBER
        assert await store.member_role("general", carol.user_id) is None
        assert await store.member_role("nowhere", alice.user_id) is None

    async def test_a_new_role_is_kept_and_listed_and_a_non_member_gets_none(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await self._room_with_users(store, ids, "general", ["alice", "bob", "carol"])
        await store.add_member("general", alice.user_id, limit=10, role=RoomRole.OWNER)
        await store.add_member("general", bob.user_id, limit=10)

        assert await store.set_member_role("general", bob.user_id, RoomRole.ADMIN) is True
        assert await store.set_member_role("general", carol.user_id, RoomRole.ADMIN) is False

        assert await store.member_role("general", bob.user_id) is RoomRole.ADMIN
        assert await store.member_role("general", carol.user_id) is None
        roles = {m.user_id: m.role for m in await store.members("general")}
        assert roles == {alice.user_id: RoomRole.OWNER, bob.user_id: RoomRole.ADMIN}

    async def test_leaving_and_joining_again_makes_a_former_admin_a_plain_member(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        (bob,) = await self._room_with_users(store, ids, "general", ["bob"])
        await store.add_member("general", bob.user_id, limit=10)
        await store.set_member_role("general", bob.user_id, RoomRole.ADMIN)

        await store.remove_member("general", bob.user_id)
        await store.add_member("general", bob.user_id, limit=10)

        assert await store.member_role("general", bob.user_id) is RoomRole.MEMBER

    # --- topic, privacy, deletion --------------------------------------------------------------

    async def test_a_room_keeps_its_topic_and_privacy_from_creation(self, store: Rooms) -> None:
        room = new_room("general").model_copy(update={"topic": "Anything goes", "private": True})

        await store.create_room(room)

        assert await store.get_room("general") == room

    async def test_a_renamed_room_reads_back_changed_everywhere_its_members_see_it(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])
        await store.add_member("general", alice.user_id, limit=10)
        original = await store.get_room("general")
        assert original is not None
        changed = original.model_copy(update={"name": "Town square", "topic": "Say hello"})

        assert await store.update_room(changed) is True

        assert await store.get_room("general") == changed
        assert await store.rooms_of(alice.user_id) == [changed]
        assert await store.group_rooms(limit=10) == [changed]
        assert await store.update_room(new_room("nowhere")) is False
        assert await store.get_room("nowhere") is None

    async def test_a_private_room_leaves_the_directory_and_comes_back_when_public(self, store: Rooms) -> None:
        for n, room_id in enumerate(("open", "closed")):
            await store.create_room(new_room(room_id, created_ms=ORIGIN_MS + n))
        closed = await store.get_room("closed")
        assert closed is not None

        await store.update_room(closed.model_copy(update={"private": True}))
        assert [r.room_id for r in await store.group_rooms(limit=10)] == ["open"]

        await store.update_room(closed.model_copy(update={"private": False}))
        assert [r.room_id for r in await store.group_rooms(limit=10)] == ["closed", "open"]

    async def test_a_room_created_private_never_shows_in_the_directory(self, store: Rooms) -> None:
        await store.create_room(new_room("secret").model_copy(update={"private": True}))

        assert await store.group_rooms(limit=10) == []

    async def test_a_deleted_room_is_gone_with_its_members_and_bans(
        self, store: Members, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        await store.add_member("general", alice.user_id, limit=10, role=RoomRole.OWNER)
        await store.ban("general", bob.user_id, by=alice.user_id, at=at(ORIGIN_MS))

        assert await store.delete_room("general") is True

        assert await store.get_room("general") is None
        assert await store.members("general") == []
        assert await store.is_member("general", alice.user_id) is False
        assert await store.rooms_of(alice.user_id) == []
        assert await store.bans("general") == []
        assert await store.group_rooms(limit=10) == []
        assert await store.delete_room("general") is False

    # --- bans ----------------------------------------------------------------------------------

    async def test_a_banned_user_cannot_join_until_unbanned(self, store: Members, ids: SnowflakeGenerator) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])

        assert await store.ban("general", bob.user_id, by=alice.user_id, at=at(ORIGIN_MS + 5)) is True
        assert await store.ban("general", bob.user_id, by=alice.user_id, at=at(ORIGIN_MS + 9)) is False

        assert await store.add_member("general", bob.user_id, limit=10) is JoinResult.BANNED
        assert await store.is_member("general", bob.user_id) is False
        assert await store.bans("general") == [RoomBan(bob.user_id, "bob", at(ORIGIN_MS + 5), alice.user_id)]

        assert await store.unban("general", bob.user_id) is True
        assert await store.unban("general", bob.user_id) is False
        assert await store.bans("general") == []
        assert await store.add_member("general", bob.user_id, limit=10) is JoinResult.JOINED

    async def test_bans_are_listed_by_username_and_kept_per_room(self, store: Members, ids: SnowflakeGenerator) -> None:
        alice, zed, bob = await self._room_with_users(store, ids, "general", ["alice", "zed", "Bob"])
        await store.create_room(new_room("random"))
        for user in (zed, bob):
            await store.ban("general", user.user_id, by=alice.user_id, at=at(ORIGIN_MS))

        assert [b.username for b in await store.bans("general")] == ["Bob", "zed"]
        assert await store.bans("random") == []
        assert await store.add_member("random", zed.user_id, limit=10) is JoinResult.JOINED
