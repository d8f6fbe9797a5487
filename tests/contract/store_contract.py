"""The behaviour every store back end must show, whatever it is built on.

A back end's test module subclasses `StoreContract` and supplies a `store`
fixture: an opened, empty store, closed after the test. Every case here then
runs against it unchanged, e.g.

    class TestSqliteStore(StoreContract):
        @pytest.fixture
        async def store(self, tmp_path): ...

Nothing here relies on one back end's internals, only on the `Store` protocol.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from chatcluster.aggregation import TopKind
from chatcluster.ids import BUCKET_MS, EPOCH_MS, SnowflakeGenerator, bucket_of, lowest_id_at
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Room,
    RoomKind,
    ScoredEvent,
    Sentiment,
    User,
    UserSession,
    dm_room_id,
)
from chatcluster.privacy import Audience
from chatcluster.store.base import JoinResult, Store

DAY_MS = 24 * 3600 * 1000
# 2025-04-11T00:00:00Z: a past time, so live ids minted during a test are all later.
ORIGIN_MS = 1_744_329_600_000


def at(ms: int) -> datetime:
    """A millisecond-precise moment, the precision every back end keeps."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def new_user(ids: SnowflakeGenerator, username: str) -> User:
    return User(
        user_id=ids.next_id(),
        username=username,
        password_hash=f"$argon2id$v=19$m=65536,t=3,p=4$placeholder-for-{username}",
        created_at=at(ORIGIN_MS + 123),
    )


def new_session(
    ids: SnowflakeGenerator, user: User, *, expires_in_s: int = 3600, agent: str = "pytest/1"
) -> UserSession:
    """A session created now (real time: Cassandra expires sessions by TTL) expiring `expires_in_s` later."""
    now_ms = int(time.time() * 1000)
    return UserSession(
        session_id=ids.next_id(),
        user_id=user.user_id,
        secret_hash="ab" * 32,
        created_at=at(now_ms),
        last_used_at=at(now_ms),
        expires_at=at(now_ms + expires_in_s * 1000),
        user_agent=agent,
    )


def new_room(room_id: str, *, kind: RoomKind = RoomKind.GROUP, created_ms: int = ORIGIN_MS, by: int = 1) -> Room:
    return Room(room_id=room_id, kind=kind, name=f"The {room_id} room", created_by=by, created_at=at(created_ms))


def created(
    ids: SnowflakeGenerator, room_id: str, text: str, *, at_ms: int | None = None, **fields: object
) -> MessageEvent:
    message_id = ids.next_id(at_ms)
    message = Message.model_validate(
        {
            "message_id": message_id,
            "room_id": room_id,
            "author_id": 42,
            "author": "alice",
            "text": text,
            **fields,
        }
    )
    return MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message)


def edited(original: MessageEvent, event_id: int, text: str) -> MessageEvent:
    message = original.message.model_copy(update={"text": text, "edited_at": at(ORIGIN_MS + event_id % 997)})
    return MessageEvent(kind=EventKind.EDITED, event_id=event_id, message=message)


def deleted(original: MessageEvent, event_id: int) -> MessageEvent:
    message = original.message.model_copy(update={"text": "", "deleted": True, "edited_at": at(ORIGIN_MS + 5)})
    return MessageEvent(kind=EventKind.DELETED, event_id=event_id, message=message)


def scored(event: MessageEvent, label: int = 1) -> ScoredEvent:
    sentiment = Sentiment.model_validate({"label": label, "confidence": 0.9, "model_version": "contract"})
    return ScoredEvent(
        kind=event.kind, event_id=event.event_id, message=event.message, sentiment=sentiment, scored_at=at(ORIGIN_MS)
    )


def ids_of(messages: Sequence[Message]) -> list[int]:
    return [m.message_id for m in messages]


async def walk_back(store: Store, room_id: str, page: int) -> list[int]:
    """Every message id of a room, read newest page first with `before` cursors."""
    seen: list[int] = []
    cursor: int | None = None
    while True:
        batch = await store.history(room_id, before=cursor, limit=page)
        if not batch:
            return seen
        assert len(batch) <= page
        assert ids_of(batch) == sorted(ids_of(batch)), "a page must be in id order"
        seen[:0] = ids_of(batch)
        cursor = batch[0].message_id


async def walk_forward(store: Store, room_id: str, page: int) -> list[int]:
    """Every message id of a room, read oldest first with `after` cursors."""
    seen: list[int] = []
    cursor = 0
    while True:
        batch = await store.history(room_id, after=cursor, limit=page)
        if not batch:
            return seen
        assert len(batch) <= page
        assert ids_of(batch) == sorted(ids_of(batch)), "a page must be in id order"
        seen.extend(ids_of(batch))
        cursor = batch[-1].message_id


class StoreContract:
    """Async tests every back end must pass; subclasses provide the `store` fixture."""

    @pytest.fixture
    def ids(self) -> SnowflakeGenerator:
        return SnowflakeGenerator(worker_id=17)

    # --- users -------------------------------------------------------------------------------

    async def test_a_created_user_can_be_found_by_id_and_by_name(self, store: Store, ids: SnowflakeGenerator) -> None:
        alice = new_user(ids, "Alice")

        assert await store.create_user(alice) is True

        assert await store.get_user(alice.user_id) == alice
        assert await store.get_user_by_name("Alice") == alice

    async def test_a_username_can_only_be_taken_once_whatever_its_case(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")
        impostor = new_user(ids, "aLICE")
        await store.create_user(alice)

        assert await store.create_user(impostor) is False
        assert await store.create_user(alice) is False

        assert await store.get_user(impostor.user_id) is None
        assert await store.get_user_by_name("Alice") == alice

    async def test_usernames_are_found_whatever_their_case_and_keep_their_own(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        await store.create_user(new_user(ids, "MixedCase"))

        found = await store.get_user_by_name("mixedcase")

        assert found is not None
        assert found.username == "MixedCase"

    async def test_an_unknown_user_is_not_found(self, store: Store, ids: SnowflakeGenerator) -> None:
        await store.create_user(new_user(ids, "alice"))

        assert await store.get_user(ids.next_id()) is None
        assert await store.get_user_by_name("bob") is None

    async def test_a_new_user_is_neither_an_admin_nor_deleted(self, store: Store, ids: SnowflakeGenerator) -> None:
        alice = new_user(ids, "alice")
        await store.create_user(alice)

        found = await store.get_user(alice.user_id)

        assert found is not None
        assert (found.is_admin, found.deleted) == (False, False)

    async def test_a_replaced_password_hash_is_what_both_lookups_return(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        alice = new_user(ids, "Alice")
        await store.create_user(alice)

        assert await store.set_password_hash(alice.user_id, "$argon2id$new") is True

        by_id, by_name = await store.get_user(alice.user_id), await store.get_user_by_name("alice")
        assert by_id is not None and by_name is not None
        assert by_id.password_hash == by_name.password_hash == "$argon2id$new"

    async def test_the_admin_role_can_be_granted_and_revoked(self, store: Store, ids: SnowflakeGenerator) -> None:
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
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        nobody = ids.next_id()

        assert await store.set_password_hash(nobody, "$argon2id$x") is False
        assert await store.set_admin(nobody, True) is False
        assert await store.delete_user(nobody) is False

    async def test_a_deleted_account_keeps_its_username_reserved_but_loses_its_password_and_role(
        self, store: Store, ids: SnowflakeGenerator
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

    async def test_a_created_session_reads_back_as_it_was(self, store: Store, ids: SnowflakeGenerator) -> None:
        alice = new_user(ids, "alice")
        session = new_session(ids, alice, agent="Mozilla/5.0 (X11)")

        await store.create_session(session)

        found = await store.get_session(session.session_id)
        assert found == session
        assert found is not None and found.secret_hash == session.secret_hash

    async def test_an_unknown_session_is_not_found(self, store: Store, ids: SnowflakeGenerator) -> None:
        await store.create_session(new_session(ids, new_user(ids, "alice")))

        assert await store.get_session(ids.next_id()) is None

    async def test_touching_a_session_moves_its_last_use_and_expiry_only(
        self, store: Store, ids: SnowflakeGenerator
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
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        session = new_session(ids, new_user(ids, "alice"))
        await store.create_session(session)

        assert await store.revoke_session(session.session_id) is True

        assert await store.get_session(session.session_id) is None
        assert await store.touch_session(session) is False
        assert await store.get_session(session.session_id) is None
        assert await store.revoke_session(session.session_id) is False

    async def test_a_users_sessions_are_listed_oldest_first_without_expired_or_other_users_ones(
        self, store: Store, ids: SnowflakeGenerator
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
        self, store: Store, ids: SnowflakeGenerator
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

    # --- rooms -------------------------------------------------------------------------------

    async def test_a_created_room_can_be_read_back(self, store: Store) -> None:
        room = new_room("general", created_ms=ORIGIN_MS + 789)

        assert await store.create_room(room) is True

        assert await store.get_room("general") == room

    async def test_a_room_id_can_only_be_created_once(self, store: Store) -> None:
        original = new_room("general", by=1)
        await store.create_room(original)

        assert await store.create_room(new_room("general", kind=RoomKind.DIRECT, by=2)) is False

        assert await store.get_room("general") == original

    async def test_an_unknown_room_is_not_found(self, store: Store) -> None:
        await store.create_room(new_room("general"))

        assert await store.get_room("random") is None

    async def test_the_room_directory_lists_group_rooms_newest_first_without_direct_rooms(self, store: Store) -> None:
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

    async def test_the_room_directory_returns_at_most_its_limit(self, store: Store) -> None:
        for n in range(5):
            await store.create_room(new_room(f"room-{n}", created_ms=ORIGIN_MS + n))

        directory = await store.group_rooms(limit=2)

        assert [r.room_id for r in directory] == ["room-4", "room-3"]

    # --- membership --------------------------------------------------------------------------

    async def _room_with_users(
        self, store: Store, ids: SnowflakeGenerator, room_id: str, names: Sequence[str]
    ) -> list[User]:
        await store.create_room(new_room(room_id))
        users = [new_user(ids, name) for name in names]
        for user in users:
            assert await store.create_user(user)
        return users

    async def test_joining_a_room_makes_a_user_a_member(self, store: Store, ids: SnowflakeGenerator) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])
        assert await store.is_member("general", alice.user_id) is False

        assert await store.add_member("general", alice.user_id, limit=10) is JoinResult.JOINED

        assert await store.is_member("general", alice.user_id) is True

    async def test_joining_a_room_twice_reports_already_a_member(self, store: Store, ids: SnowflakeGenerator) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])
        await store.add_member("general", alice.user_id, limit=10)

        assert await store.add_member("general", alice.user_id, limit=10) is JoinResult.ALREADY_MEMBER

        assert [m.user_id for m in await store.members("general")] == [alice.user_id]

    async def test_a_room_at_its_member_limit_refuses_newcomers_but_not_its_members(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        alice, bob, carol = await self._room_with_users(store, ids, "general", ["alice", "bob", "carol"])
        assert await store.add_member("general", alice.user_id, limit=2) is JoinResult.JOINED
        assert await store.add_member("general", bob.user_id, limit=2) is JoinResult.JOINED

        assert await store.add_member("general", carol.user_id, limit=2) is JoinResult.ROOM_FULL
        assert await store.add_member("general", alice.user_id, limit=2) is JoinResult.ALREADY_MEMBER

        assert await store.is_member("general", carol.user_id) is False
        assert len(await store.members("general")) == 2

    async def test_leaving_a_full_room_frees_a_place(self, store: Store, ids: SnowflakeGenerator) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        await store.add_member("general", alice.user_id, limit=1)
        assert await store.add_member("general", bob.user_id, limit=1) is JoinResult.ROOM_FULL

        await store.remove_member("general", alice.user_id)

        assert await store.add_member("general", bob.user_id, limit=1) is JoinResult.JOINED

    async def test_joining_a_room_that_does_not_exist_reports_no_such_room(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        (alice,) = await self._room_with_users(store, ids, "general", ["alice"])

        assert await store.add_member("nowhere", alice.user_id, limit=10) is JoinResult.NO_SUCH_ROOM

        assert await store.is_member("nowhere", alice.user_id) is False
        assert await store.rooms_of(alice.user_id) == []

    async def test_leaving_a_room_ends_membership_and_leaving_again_reports_nothing_to_leave(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        alice, bob = await self._room_with_users(store, ids, "general", ["alice", "bob"])
        await store.add_member("general", alice.user_id, limit=10)
        await store.add_member("general", bob.user_id, limit=10)

        assert await store.remove_member("general", alice.user_id) is True
        assert await store.remove_member("general", alice.user_id) is False

        assert await store.is_member("general", alice.user_id) is False
        assert [m.user_id for m in await store.members("general")] == [bob.user_id]

    async def test_members_lists_each_member_with_their_name_and_join_time(
        self, store: Store, ids: SnowflakeGenerator
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
        self, store: Store, ids: SnowflakeGenerator
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

    async def test_concurrent_joins_never_exceed_the_member_limit(self, store: Store, ids: SnowflakeGenerator) -> None:
        users = await self._room_with_users(store, ids, "general", [f"user{n}" for n in range(8)])

        results = await asyncio.gather(*(store.add_member("general", u.user_id, limit=3) for u in users))

        assert sorted(results) == sorted([JoinResult.JOINED] * 3 + [JoinResult.ROOM_FULL] * 5)
        assert len(await store.members("general")) == 3

    # --- message events ----------------------------------------------------------------------

    async def test_a_stored_message_reads_back_with_every_field(self, store: Store, ids: SnowflakeGenerator) -> None:
        parent = created(ids, "general", "first")
        reply = created(ids, "general", "a reply", reply_to=parent.message.message_id, client_id="c-7")
        await store.apply_events([parent, reply])

        assert await store.get_message(reply.message.message_id) == reply.message
        assert await store.get_message(parent.message.message_id) == parent.message

    async def test_an_unknown_message_is_not_found(self, store: Store, ids: SnowflakeGenerator) -> None:
        await store.apply_events([created(ids, "general", "hello")])

        assert await store.get_message(ids.next_id()) is None

    async def test_a_redelivered_batch_stores_each_message_once(self, store: Store, ids: SnowflakeGenerator) -> None:
        batch = [created(ids, "general", f"message {n}") for n in range(10)]

        await store.apply_events(batch)
        await store.apply_events(batch)

        assert ids_of(await store.history("general", limit=100)) == [e.message.message_id for e in batch]

    async def test_the_same_event_twice_in_one_batch_stores_the_message_once(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "hello")

        await store.apply_events([event, event, event])

        assert [m.text for m in await store.history("general")] == ["hello"]

    async def test_an_empty_batch_changes_nothing(self, store: Store, ids: SnowflakeGenerator) -> None:
        event = created(ids, "general", "hello")
        await store.apply_events([event])

        await store.apply_events([])

        assert await store.history("general") == [event.message]

    async def test_an_edit_with_a_higher_event_id_replaces_the_text(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "helo")
        edit = edited(original, ids.next_id(), "hello")

        await store.apply_events([original])
        await store.apply_events([edit])

        stored = await store.get_message(original.message.message_id)
        assert stored == edit.message
        assert stored is not None
        assert stored.edited_at is not None

    async def test_an_edit_arriving_before_its_create_is_not_undone_by_the_create(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "helo")
        edit = edited(original, ids.next_id(), "hello")

        await store.apply_events([edit])
        await store.apply_events([original])

        assert await store.get_message(original.message.message_id) == edit.message

    async def test_an_older_edit_arriving_after_a_newer_one_is_ignored(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        older, newer = edited(original, ids.next_id(), "v2"), edited(original, ids.next_id(), "v3")
        await store.apply_events([original])

        await store.apply_events([newer])
        await store.apply_events([older])

        assert await store.get_message(original.message.message_id) == newer.message

    async def test_the_order_of_events_within_one_batch_does_not_matter(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        first, second = edited(original, ids.next_id(), "v2"), edited(original, ids.next_id(), "v3")

        await store.apply_events([second, original, first])

        assert await store.get_message(original.message.message_id) == second.message

    async def test_a_deleted_message_keeps_its_place_as_an_empty_tombstone(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        before, doomed, after = (created(ids, "general", text) for text in ("one", "two", "three"))
        await store.apply_events([before, doomed, after])

        await store.apply_events([deleted(doomed, ids.next_id())])

        history = await store.history("general")
        assert ids_of(history) == [e.message.message_id for e in (before, doomed, after)]
        assert (history[1].deleted, history[1].text) == (True, "")
        assert [m.deleted for m in (history[0], history[2])] == [False, False]

    async def test_a_delete_carrying_text_still_stores_an_empty_tombstone(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "secret")
        careless = MessageEvent(
            kind=EventKind.DELETED,
            event_id=ids.next_id(),
            message=original.message.model_copy(update={"deleted": True}),
        )

        await store.apply_events([original, careless])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_an_older_edit_arriving_after_a_delete_does_not_resurrect_the_text(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        late_edit = edited(original, ids.next_id(), "v2")
        tombstone = deleted(original, ids.next_id())
        await store.apply_events([original, tombstone])

        await store.apply_events([late_edit])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_a_newer_edit_after_a_delete_does_not_resurrect_the_text_either(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")
        tombstone = deleted(original, ids.next_id())
        await store.apply_events([original, tombstone])

        await store.apply_events([edited(original, ids.next_id(), "back from the dead")])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_a_delete_arriving_before_its_create_leaves_a_tombstone(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        original = created(ids, "general", "v1")

        await store.apply_events([deleted(original, ids.next_id())])
        await store.apply_events([original])

        stored = await store.get_message(original.message.message_id)
        assert stored is not None
        assert (stored.deleted, stored.text) == (True, "")

    async def test_concurrent_batches_from_several_tasks_all_land(self, store: Store, ids: SnowflakeGenerator) -> None:
        batches = [[created(ids, f"room-{task % 3}", f"{task}/{n}") for n in range(5)] for task in range(12)]

        await asyncio.gather(*(store.apply_events(batch) for batch in batches))

        stored = [m for r in range(3) for m in await store.history(f"room-{r}", limit=1_000)]
        assert sorted(ids_of(stored)) == sorted(e.message.message_id for b in batches for e in b)

    # --- history -----------------------------------------------------------------------------

    async def test_history_returns_the_newest_page_oldest_first_by_default(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(60)]
        await store.apply_events(events)

        page = await store.history("general")

        assert ids_of(page) == [e.message.message_id for e in events[-50:]]
        assert [m.text for m in page[:2]] == ["message 10", "message 11"]

    async def test_history_returns_at_most_its_limit(self, store: Store, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(20)]
        await store.apply_events(events)

        assert ids_of(await store.history("general", limit=7)) == [e.message.message_id for e in events[-7:]]
        assert len(await store.history("general", limit=1)) == 1
        assert len(await store.history("general", limit=500)) == 20

    async def test_history_before_a_message_returns_the_newest_older_ones(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(30)]
        await store.apply_events(events)

        page = await store.history("general", before=events[20].message.message_id, limit=5)

        assert ids_of(page) == [e.message.message_id for e in events[15:20]]

    async def test_history_after_a_message_returns_the_oldest_newer_ones(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(30)]
        await store.apply_events(events)

        page = await store.history("general", after=events[10].message.message_id, limit=5)

        assert ids_of(page) == [e.message.message_id for e in events[11:16]]

    async def test_paging_back_with_before_visits_all_250_messages_once_without_gaps(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(250)]
        for start in range(0, 250, 50):
            await store.apply_events(events[start : start + 50])

        seen = await walk_back(store, "general", page=40)

        assert seen == [e.message.message_id for e in events]

    async def test_paging_forward_with_after_visits_all_250_messages_once_without_gaps(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(250)]
        await store.apply_events(events)

        seen = await walk_forward(store, "general", page=33)

        assert seen == [e.message.message_id for e in events]

    async def test_history_beyond_either_end_of_a_room_is_empty(self, store: Store, ids: SnowflakeGenerator) -> None:
        events = [created(ids, "general", f"message {n}") for n in range(5)]
        await store.apply_events(events)

        assert await store.history("general", before=events[0].message.message_id) == []
        assert await store.history("general", after=events[-1].message.message_id) == []
        assert await store.history("empty-room") == []

    async def test_history_pages_walk_across_time_buckets(self, store: Store, ids: SnowflakeGenerator) -> None:
        # Four clusters of messages 30 days apart: each cluster in its own bucket, empty buckets between.
        events = [
            created(ids, "general", f"day {day} #{n}", at_ms=ORIGIN_MS + day * DAY_MS + n * 1_000)
            for day in (0, 30, 60, 90)
            for n in range(7)
        ]
        await store.apply_events(events)
        expected = [e.message.message_id for e in events]
        assert len({bucket_of(i) for i in expected}) == 4

        assert await walk_back(store, "general", page=5) == expected
        assert await walk_forward(store, "general", page=5) == expected
        assert await walk_back(store, "general", page=1) == expected
        assert ids_of(await store.history("general", limit=100)) == expected

    async def test_a_page_straddling_a_bucket_boundary_has_no_gap(self, store: Store, ids: SnowflakeGenerator) -> None:
        boundary_ms = EPOCH_MS + ((ORIGIN_MS - EPOCH_MS) // BUCKET_MS + 1) * BUCKET_MS
        offsets = (-3, -2, -1, 0, 1, 2)
        events = [created(ids, "general", f"t{o}", at_ms=boundary_ms + o) for o in offsets]
        await store.apply_events(events)
        expected = [e.message.message_id for e in events]
        assert bucket_of(expected[2]) + 1 == bucket_of(expected[3])

        middle = await store.history("general", before=expected[5], limit=4)
        later = await store.history("general", after=expected[0], limit=4)

        assert ids_of(middle) == expected[1:5]
        assert ids_of(later) == expected[1:5]

    async def test_cursors_inside_an_empty_bucket_find_messages_in_other_buckets(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        old = [created(ids, "general", f"old {n}", at_ms=ORIGIN_MS + n) for n in range(3)]
        new = [created(ids, "general", f"new {n}", at_ms=ORIGIN_MS + 90 * DAY_MS + n) for n in range(3)]
        await store.apply_events(old + new)
        quiet = lowest_id_at(ORIGIN_MS + 45 * DAY_MS)  # a month and a half with no messages
        assert bucket_of(quiet) not in {bucket_of(e.message.message_id) for e in old + new}

        older = await store.history("general", before=quiet, limit=10)
        newer = await store.history("general", after=quiet, limit=10)

        assert ids_of(older) == [e.message.message_id for e in old]
        assert ids_of(newer) == [e.message.message_id for e in new]

    async def test_one_rooms_history_never_shows_another_rooms_messages(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        events = [created(ids, "room-a" if n % 3 else "room-b", f"message {n}") for n in range(90)]
        await store.apply_events(events)
        in_a = [e.message.message_id for e in events if e.message.room_id == "room-a"]
        in_b = [e.message.message_id for e in events if e.message.room_id == "room-b"]

        assert await walk_back(store, "room-a", page=7) == in_a
        assert await walk_forward(store, "room-b", page=7) == in_b
        assert {m.room_id for m in await store.history("room-a", before=in_b[-1], limit=100)} == {"room-a"}
        assert {m.room_id for m in await store.history("room-b", after=in_a[0], limit=100)} == {"room-b"}
        assert await store.history("room-c") == []

    # --- health ------------------------------------------------------------------------------

    async def test_an_open_store_answers_a_ping(self, store: Store) -> None:
        assert await store.ping() is None

    # --- sentiment ------------------------------------------------------------------------------

    async def test_a_score_is_read_back_with_its_message(self, store: Store, ids: SnowflakeGenerator) -> None:
        event = created(ids, "general", "lovely")
        await store.apply_events([event])
        await store.set_sentiments([scored(event, label=1)])

        stored = await store.get_message(event.message.message_id)
        assert stored is not None and stored.sentiment is not None
        assert (stored.sentiment.label, stored.sentiment.model_version) == (1, "contract")

    async def test_a_score_that_lands_before_its_message_waits_for_it(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "early score")
        await store.set_sentiments([scored(event, label=-1)])
        assert await store.get_message(event.message.message_id) is None

        await store.apply_events([event])
        stored = await store.get_message(event.message.message_id)
        assert stored is not None and stored.sentiment is not None and stored.sentiment.label == -1

    async def test_scores_of_messages_not_yet_stored_never_shorten_a_history_page(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        older = [created(ids, "general", f"older {i}") for i in range(5)]
        await store.apply_events(older)
        not_yet_stored = [created(ids, "general", f"in flight {i}") for i in range(3)]
        await store.set_sentiments([scored(e) for e in not_yet_stored])

        page = await store.history("general", limit=5)
        assert ids_of(page) == [e.message.message_id for e in older]

    # --- search -----------------------------------------------------------------------------------

    async def test_search_finds_live_messages_of_one_room_by_their_words_newest_first(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        first = created(ids, "general", "The pizza is ready")
        other_room = created(ids, "random", "pizza here too")
        unrelated = created(ids, "general", "coffee time")
        second = created(ids, "general", "More PIZZA, and coffee")
        gone = created(ids, "general", "secret pizza")
        await store.apply_events([first, other_room, unrelated, second, gone])
        await store.apply_events([deleted(gone, ids.next_id())])

        assert ids_of(await store.search("general", "pizza")) == [second.message.message_id, first.message.message_id]
        assert ids_of(await store.search("general", "pizza coffee")) == [second.message.message_id]
        assert await store.search("general", "the") == []

    async def test_search_follows_edits(self, store: Store, ids: SnowflakeGenerator) -> None:
        original = created(ids, "general", "see you at lunch")
        await store.apply_events([original, edited(original, ids.next_id(), "see you at dinner")])

        assert await store.search("general", "lunch") == []
        assert ids_of(await store.search("general", "dinner")) == [original.message.message_id]

    # --- aggregates: exactly once, and kept apart by audience --------------------------------------

    async def test_a_message_recorded_again_is_not_counted_again(self, store: Store, ids: SnowflakeGenerator) -> None:
        batch = [scored(created(ids, "general", f"pizza {i}")) for i in range(3)]

        assert await store.record_aggregates(batch) == 3
        assert await store.record_aggregates([*batch, batch[0]]) == 0
        rows = await store.stats_messages(by_user=False, by_day=False, from_day=None, to_day=None, room_id=None)
        assert [r.count for r in rows] == [3]

    async def test_a_word_said_only_in_a_direct_message_is_in_no_public_top_list_but_in_the_admins(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        now_ms = int(time.time() * 1000)
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "pizza tonight", at_ms=now_ms - 90_000)),
                scored(created(ids, dm, "pizza and the surprise party", at_ms=now_ms - 60_000, author="dora")),
            ]
        )

        for since_ms in (None, now_ms - 3_600_000):
            public = {e.key: e.count for e in await store.stats_top(TopKind.WORDS, since_ms=since_ms, limit=10)}
            everything = {
                e.key: e.count
                for e in await store.stats_top(TopKind.WORDS, since_ms=since_ms, limit=10, audience=Audience.ALL)
            }
            assert public == {"pizza": 1, "tonight": 1}, since_ms
            assert everything == {"pizza": 2, "tonight": 1, "surprise": 1, "party": 1}, since_ms
            users = await store.stats_top(TopKind.USERS, since_ms=since_ms, limit=10)
            assert [(e.key, e.count) for e in users] == [("alice", 1)], since_ms
            rooms = await store.stats_top(TopKind.ROOMS, since_ms=since_ms, limit=10)
            assert [(e.key, e.count) for e in rooms] == [("general", 1)], since_ms
            all_rooms = await store.stats_top(TopKind.ROOMS, since_ms=since_ms, limit=10, audience=Audience.ALL)
            assert {e.key for e in all_rooms} == {"general", dm}, since_ms

    async def test_per_user_counts_of_the_public_audience_leave_out_direct_messages(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        day_ms = ORIGIN_MS + 3_600_000
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "hello all", at_ms=day_ms)),
                scored(created(ids, dm, "hello you", at_ms=day_ms + 1)),
                scored(created(ids, dm, "hi back", at_ms=day_ms + 2, author_id=43, author="dora")),
            ]
        )

        async def per_user(audience: Audience, room_id: str | None = None) -> dict[tuple[str | None, int | None], int]:
            rows = await store.stats_messages(
                by_user=True, by_day=True, from_day=None, to_day=None, room_id=room_id, audience=audience
            )
            return {(r.day, r.user_id): r.count for r in rows}

        day = "2025-04-11"
        assert await per_user(Audience.PUBLIC) == {(day, 42): 1}
        assert await per_user(Audience.ALL) == {(day, 42): 2, (day, 43): 1}
        assert await per_user(Audience.PUBLIC, dm) == {}, "a private room never shows to the public audience"
        assert await per_user(Audience.ALL, dm) == {(day, 42): 1, (day, 43): 1}

    async def test_the_all_rooms_sentiment_of_the_public_audience_leaves_out_direct_messages(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        minute_ms = ORIGIN_MS + 7 * 60_000
        dm = dm_room_id(42, 43)
        await store.record_aggregates(
            [
                scored(created(ids, "general", "great", at_ms=minute_ms), label=1),
                scored(created(ids, dm, "awful", at_ms=minute_ms + 1), label=-1),
                scored(created(ids, dm, "awful again", at_ms=minute_ms + 2), label=-1),
            ]
        )

        async def series(audience: Audience, room_id: str | None = None) -> list[tuple[int, int, int]]:
            points = await store.stats_sentiment(
                room_id=room_id, from_ms=ORIGIN_MS, to_ms=ORIGIN_MS + DAY_MS, step_ms=DAY_MS, audience=audience
            )
            return [(p.positive, p.neutral, p.negative) for p in points]

        assert await series(Audience.PUBLIC) == [(1, 0, 0)]
        assert await series(Audience.ALL) == [(1, 0, 2)]
        assert await series(Audience.PUBLIC, dm) == []
        assert await series(Audience.ALL, dm) == [(0, 0, 2)]
        assert await series(Audience.PUBLIC, "general") == [(1, 0, 0)]

    async def test_a_reset_leaves_a_recount_pending_until_it_is_done(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        await store.record_aggregates([scored(created(ids, "general", "pizza"))])
        await store.reset_aggregates()

        assert await store.recount_pending() is True
        assert await store.stats_top(TopKind.WORDS, since_ms=None, limit=10, audience=Audience.ALL) == []
        await store.recount_done()
        assert await store.recount_pending() is False

    async def test_counting_everything_again_after_a_reset_gives_the_same_figures_for_both_audiences(
        self, store: Store, ids: SnowflakeGenerator
    ) -> None:
        now_ms = int(time.time() * 1000)
        events = [
            scored(created(ids, room, text, at_ms=now_ms - 120_000 + i * 7_000), label=i % 3 - 1)
            for i, (room, text) in enumerate(
                [("general", "pizza party"), (dm_room_id(42, 43), "secret pizza"), ("random", "deploy friday")] * 4
            )
        ]
        await store.record_aggregates(events[:7])
        await store.record_aggregates(events[5:])

        async def snapshot() -> list[object]:
            figures: list[object] = []
            for audience in Audience:
                figures.append(
                    await store.stats_messages(
                        by_user=True, by_day=True, from_day=None, to_day=None, room_id=None, audience=audience
                    )
                )
                figures.append(
                    await store.stats_sentiment(
                        room_id=None, from_ms=now_ms - 3_600_000, to_ms=now_ms, step_ms=60_000, audience=audience
                    )
                )
                for kind in TopKind:
                    for since_ms in (None, now_ms - 3_600_000):
                        figures.append(await store.stats_top(kind, since_ms=since_ms, limit=20, audience=audience))
            figures.append(await store.stats_rate(from_ms=now_ms - 3_600_000, to_ms=now_ms))
            return figures

        live = await snapshot()
        await store.reset_aggregates()
        assert await store.record_aggregates(list(reversed(events))) == len(events)
        assert await snapshot() == live
