"""The `Notifications`, `UserSettingsStore` and `Digests` roles, and the mentions a stored message keeps."""

from __future__ import annotations

import asyncio
from datetime import datetime

from chatcluster.ids import SnowflakeGenerator, id_datetime
from chatcluster.models import Notification, NotificationKind, UserSettings
from chatcluster.store.base import Digests, Messages, Notifications, UserSettingsStore
from tests.contract.builders import ORIGIN_MS, ContractCase, created, edited

ALICE, BOB = 101, 202
MINUTE_MS = 60_000


def entry(
    message_id: int,
    *,
    user_id: int = ALICE,
    kind: NotificationKind = NotificationKind.MENTION,
    room_id: str = "general",
    preview: str = "hello @alice",
    version: int | None = None,
    deleted: bool = False,
) -> Notification:
    created_at: datetime = id_datetime(message_id)
    return Notification(
        notification_id=message_id,
        user_id=user_id,
        kind=kind,
        room_id=room_id,
        message_id=message_id,
        author_id=BOB,
        author="bob",
        preview=preview,
        created_at=created_at,
        version=version if version is not None else message_id,
        deleted=deleted,
    )


def stored(item: Notification, **changes: object) -> Notification:
    """An entry as read back: the version it was written with is the store's business."""
    return item.model_copy(update={"version": 0, **changes})


def ids_of(items: list[Notification]) -> list[int]:
    return [n.notification_id for n in items]


class NotificationsContract(ContractCase):
    """A feed per user: idempotent entries, newest first, read flags that writes never reset."""

    async def test_a_stored_message_keeps_the_members_it_mentions(
        self, store: Messages, ids: SnowflakeGenerator
    ) -> None:
        event = created(ids, "general", "hi @bob and @carol", mentions=[BOB, 303])
        plain = created(ids, "general", "nobody named")
        await store.apply_events([event, plain])

        assert (await store.get_message(event.message.message_id)) == event.message
        assert [m.mentions for m in await store.history("general")] == [(BOB, 303), ()]

    async def test_an_edit_replaces_the_mentions_of_a_message(self, store: Messages, ids: SnowflakeGenerator) -> None:
        event = created(ids, "general", "hi @bob", mentions=[BOB])
        edit = edited(event, ids.next_id(), "hi @carol")
        edit = edit.model_copy(update={"message": edit.message.model_copy(update={"mentions": (303,)})})
        await store.apply_events([event, edit])

        stored = await store.get_message(event.message.message_id)
        assert stored is not None and stored.mentions == (303,)

    async def test_an_added_entry_is_read_back_unread(self, store: Notifications, ids: SnowflakeGenerator) -> None:
        item = entry(ids.next_id())

        await store.add_notifications([item])

        assert await store.notifications_of(ALICE) == [stored(item)]
        assert await store.unread_notification_count(ALICE) == 1
        assert await store.notifications_of(BOB) == []

    async def test_a_feed_is_newest_first_and_pages_with_before(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        items = [entry(ids.next_id(ORIGIN_MS + n * 1000)) for n in range(5)]
        await store.add_notifications(items)

        first = await store.notifications_of(ALICE, limit=3)
        rest = await store.notifications_of(ALICE, before=first[-1].notification_id, limit=3)

        newest_first = sorted(ids_of(items), reverse=True)
        assert ids_of(first) == newest_first[:3]
        assert ids_of(rest) == newest_first[3:]

    async def test_writing_an_entry_again_adds_nothing_and_keeps_it_read(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        item = entry(ids.next_id())
        await store.add_notifications([item])
        await store.mark_notifications_read(ALICE, [item.notification_id])

        await store.add_notifications([item, item])

        assert await store.notifications_of(ALICE) == [stored(item, read=True)]
        assert await store.unread_notification_count(ALICE) == 0

    async def test_the_highest_version_gives_an_entry_its_preview(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        message_id = ids.next_id()
        older, newer = ids.next_id(), ids.next_id()

        await store.add_notifications([entry(message_id, version=newer, preview="edited")])
        await store.add_notifications([entry(message_id, version=older, preview="stale")])

        assert [n.preview for n in await store.notifications_of(ALICE)] == ["edited"]

    async def test_a_deleted_message_blanks_its_entry_and_creates_none(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        kept, never = ids.next_id(), ids.next_id()
        await store.add_notifications([entry(kept)])

        await store.add_notifications(
            [entry(kept, version=ids.next_id(), deleted=True), entry(never, user_id=BOB, deleted=True)]
        )

        (blank,) = await store.notifications_of(ALICE)
        assert (blank.notification_id, blank.preview, blank.deleted) == (kept, "", True)
        assert await store.notifications_of(BOB) == []

    async def test_entries_can_be_marked_read_one_by_one_or_all_at_once(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        first, second, third = (entry(ids.next_id()) for _ in range(3))
        await store.add_notifications([first, second, third, entry(ids.next_id(), user_id=BOB)])

        await store.mark_notifications_read(ALICE, [second.notification_id, 999_999])
        assert await store.unread_notification_count(ALICE) == 2
        assert {n.notification_id: n.read for n in await store.notifications_of(ALICE)} == {
            first.notification_id: False,
            second.notification_id: True,
            third.notification_id: False,
        }

        await store.mark_notifications_read(ALICE, None)
        assert await store.unread_notification_count(ALICE) == 0
        assert all(n.read for n in await store.notifications_of(ALICE))
        assert await store.unread_notification_count(BOB) == 1

    async def test_a_user_cannot_mark_another_users_entries_read(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        item = entry(ids.next_id(), user_id=BOB)
        await store.add_notifications([item])

        await store.mark_notifications_read(ALICE, [item.notification_id])

        assert await store.unread_notification_count(BOB) == 1

    async def test_unread_mentions_count_only_live_mentions_after_the_marker_up_to_the_cap(
        self, store: Notifications, ids: SnowflakeGenerator
    ) -> None:
        before_marker, marker, after, gone, reply = (ids.next_id() for _ in range(5))
        later = [ids.next_id() for _ in range(4)]
        await store.add_notifications(
            [
                entry(before_marker),
                entry(after),
                entry(gone),
                entry(reply, kind=NotificationKind.REPLY),
                entry(ids.next_id(), room_id="random"),
                *(entry(m, room_id="busy") for m in later),
                entry(ids.next_id(), user_id=BOB),
            ]
        )
        await store.add_notifications([entry(gone, version=ids.next_id(), deleted=True)])

        counts = await store.unread_mentions_by_room(ALICE, {"general": marker, "random": 0, "busy": 0}, cap=3)

        assert counts == {"general": 1, "random": 1, "busy": 3}


class UserSettingsContract(ContractCase):
    async def test_a_user_who_saved_nothing_has_the_default_settings(self, store: UserSettingsStore) -> None:
        assert await store.get_settings(ALICE) == UserSettings()

    async def test_saved_settings_are_read_back_whole_and_replaced_whole(self, store: UserSettingsStore) -> None:
        first = UserSettings(email="alice@example.com", digest_after_minutes=60, muted_rooms=("general", "dm-1-2"))
        await store.put_settings(ALICE, first)
        assert await store.get_settings(ALICE) == first
        assert await store.get_settings(BOB) == UserSettings()

        second = UserSettings(email_digest=False)
        await store.put_settings(ALICE, second)
        assert await store.get_settings(ALICE) == second


class DigestsContract(ContractCase):
    """Who may be owed a digest, and a claim per interval that two notifiers cannot both win."""

    async def test_queued_users_are_listed_until_taken_out(self, store: Digests) -> None:
        await store.queue_digest([ALICE, BOB, ALICE], ORIGIN_MS)

        assert sorted(await store.queued_digests(10)) == [ALICE, BOB]

        await store.unqueue_digest(ALICE, ORIGIN_MS + 1)
        assert await store.queued_digests(10) == [BOB]

    async def test_the_queue_is_read_page_by_page_each_user_once(self, store: Digests) -> None:
        users = list(range(1_000, 1_025))
        await store.queue_digest(users, ORIGIN_MS)

        seen: list[int] = []
        after: int | None = None
        while page := await store.queued_digests(10, after):
            assert len(page) <= 10
            seen += page
            after = page[-1]

        assert sorted(seen) == users

    async def test_a_user_queued_again_after_the_scan_began_stays_queued(self, store: Digests) -> None:
        await store.queue_digest([ALICE], ORIGIN_MS)
        await store.queue_digest([ALICE], ORIGIN_MS + 5_000)

        await store.unqueue_digest(ALICE, ORIGIN_MS + 5_000)

        assert await store.queued_digests(10) == [ALICE]

    async def test_a_claim_is_granted_once_per_interval(self, store: Digests) -> None:
        interval = 15 * MINUTE_MS
        assert await store.digested_up_to(ALICE) == 0

        assert await store.claim_digest(ALICE, ORIGIN_MS, interval, up_to=111) is True
        assert await store.claim_digest(ALICE, ORIGIN_MS + interval - 1, interval, up_to=222) is False
        assert await store.digested_up_to(ALICE) == 111
        assert await store.claim_digest(BOB, ORIGIN_MS + 1, interval) is True

        assert await store.claim_digest(ALICE, ORIGIN_MS + interval, interval, up_to=333) is True
        assert await store.digested_up_to(ALICE) == 333

    async def test_of_claims_made_at_once_exactly_one_wins(self, store: Digests) -> None:
        interval = 15 * MINUTE_MS
        await store.claim_digest(ALICE, ORIGIN_MS, interval)

        outcomes = await asyncio.gather(
            *(store.claim_digest(ALICE, ORIGIN_MS + interval + n, interval, up_to=n) for n in range(5))
        )

        assert sorted(outcomes) == [False, False, False, False, True]

    async def test_the_digested_watermark_never_moves_back(self, store: Digests) -> None:
        interval = MINUTE_MS
        await store.claim_digest(ALICE, ORIGIN_MS, interval, up_to=500)

        await store.claim_digest(ALICE, ORIGIN_MS + interval, interval, up_to=400)

        assert await store.digested_up_to(ALICE) == 500
