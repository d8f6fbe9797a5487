"""The notifier's rules without servers: mentions, who a message notifies and how, when a digest is due."""

from __future__ import annotations

from datetime import datetime

import pytest

from chatcluster.digests import DigestPlan, digest_plan, digest_text, interval_ms
from chatcluster.ids import SnowflakeGenerator, id_datetime
from chatcluster.mail import SmtpServer
from chatcluster.mentions import may_mention, resolve_mentions
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Notification,
    NotificationKind,
    UserSettings,
    dm_members,
    dm_room_id,
)
from chatcluster.recipients import Recipient, notifications_for, recipients
from chatcluster.times import epoch_ms

ALICE, BOB, CAROL = 11, 22, 33
MEMBERS = {"alice": ALICE, "bob": BOB, "carol": CAROL, "bob.smith": 44}
MINUTE_MS = 60_000

ids = SnowflakeGenerator(worker_id=3)


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("hi @bob", (BOB,)),
        ("@Bob and @CAROL, then @bob again", (BOB, CAROL)),
        ("thanks @carol.", (CAROL,)),
        ("thanks @bob.smith", (44,)),
        ("thanks @bob.smith.", (44,)),
        ("@nobody_here and @al", ()),
        ("mail bob@example.com or x@bob", ()),
        ("(@alice)", (ALICE,)),
    ],
)
def test_mentions_are_the_members_named_with_an_at_sign(text: str, mentioned: tuple[int, ...]) -> None:
    assert resolve_mentions(text, MEMBERS) == mentioned


def test_a_text_without_an_at_name_needs_no_member_list() -> None:
    assert may_mention("hi @bob") is True
    assert may_mention("mail bob@example.com") is False
    assert may_mention("no one") is False


def test_a_direct_message_room_names_its_two_members_and_nothing_else_does() -> None:
    assert dm_members(dm_room_id(BOB, ALICE)) == (ALICE, BOB)
    assert dm_members("12345") is None
    assert dm_members("dm-1-x") is None
    assert dm_members("dm-¹-2") is None


def message(
    room_id: str = "general", *, author: int = ALICE, mentions: tuple[int, ...] = (), **fields: object
) -> Message:
    return Message.model_validate(
        {
            "message_id": ids.next_id(),
            "room_id": room_id,
            "author_id": author,
            "author": "alice",
            "text": "hello " * 30,
            "mentions": mentions,
            **fields,
        }
    )


def test_a_message_notifies_the_mentioned_the_other_dm_member_and_the_replied_to_once_each() -> None:
    assert recipients(message(mentions=(BOB, CAROL)), parent_author=BOB) == [
        Recipient(BOB, NotificationKind.MENTION),
        Recipient(CAROL, NotificationKind.MENTION),
    ]
    assert recipients(message(), parent_author=CAROL) == [Recipient(CAROL, NotificationKind.REPLY)]
    assert recipients(message(dm_room_id(ALICE, BOB), mentions=(BOB,)), parent_author=BOB) == [
        Recipient(BOB, NotificationKind.DIRECT)
    ]


def test_the_author_is_never_notified_of_their_own_message() -> None:
    assert recipients(message(mentions=(ALICE,)), parent_author=ALICE) == []
    assert recipients(message(dm_room_id(ALICE, BOB), author=BOB), parent_author=None) == [
        Recipient(ALICE, NotificationKind.DIRECT)
    ]


def test_a_muted_room_notifies_nobody_who_muted_it_and_a_delete_only_blanks() -> None:
    created = MessageEvent(kind=EventKind.CREATED, event_id=1, message=message(mentions=(BOB, CAROL)))
    settings = {BOB: UserSettings(muted_rooms=("general",))}

    made = notifications_for(created, None, settings)

    assert [(n.user_id, n.kind) for n in made] == [(CAROL, NotificationKind.MENTION)]
    assert made[0].notification_id == created.message.message_id
    assert made[0].preview == created.message.text[:99] + "…"
    tombstone = created.message.model_copy(update={"text": "", "deleted": True})
    gone = notifications_for(MessageEvent(kind=EventKind.DELETED, event_id=2, message=tombstone), None, settings)
    assert [(n.user_id, n.preview, n.deleted, n.version) for n in gone] == [(BOB, "", True, 2), (CAROL, "", True, 2)]


def entry(
    *, at: datetime, room_id: str = "general", kind: NotificationKind = NotificationKind.MENTION, **fields: object
) -> Notification:
    message_id = ids.next_id(epoch_ms(at))
    return Notification.model_validate(
        {
            "notification_id": message_id,
            "user_id": BOB,
            "kind": kind,
            "room_id": room_id,
            "message_id": message_id,
            "author_id": ALICE,
            "author": "alice",
            "preview": "hi @bob",
            "created_at": id_datetime(message_id),
            **fields,
        }
    )


NOW_MS = 1_790_000_000_000
WANTS = UserSettings(email="bob@example.com", digest_after_minutes=15)


def ago(minutes: float) -> datetime:
    return id_datetime(ids.next_id(NOW_MS - int(minutes * MINUTE_MS)))


def plan(feed: list[Notification], **kwargs: object) -> DigestPlan | None:
    options: dict[str, object] = {"settings": WANTS, "markers": {}, "digested_up_to": 0, "now_ms": NOW_MS, **kwargs}
    return digest_plan(feed, **options)  # type: ignore[arg-type]


def test_a_digest_is_due_once_the_oldest_unread_mention_has_waited_the_users_delay() -> None:
    old, fresh = entry(at=ago(16)), entry(at=ago(1))

    due = plan([fresh, old])
    waiting = plan([fresh])

    assert due is not None and due.due and due.items == (old, fresh) and due.up_to == fresh.notification_id
    assert waiting is not None and not waiting.due
    assert interval_ms(WANTS) == 15 * MINUTE_MS


def test_a_digest_leaves_out_what_was_read_muted_deleted_already_sent_or_is_only_a_reply() -> None:
    read = entry(at=ago(20), read=True)
    behind_marker = entry(at=ago(20), room_id="seen")
    muted = entry(at=ago(20), room_id="loud")
    deleted = entry(at=ago(20), deleted=True, preview="")
    reply = entry(at=ago(20), kind=NotificationKind.REPLY)
    sent_before = entry(at=ago(30))
    kept = entry(at=ago(20), room_id="dm-1-2", kind=NotificationKind.DIRECT)
    settings = WANTS.model_copy(update={"muted_rooms": ("loud",)})

    found = plan(
        [read, behind_marker, muted, deleted, reply, sent_before, kept],
        settings=settings,
        markers={"seen": behind_marker.message_id},
        digested_up_to=sent_before.notification_id,
    )

    assert found is not None and found.items == (kept,)


def test_no_digest_without_an_address_or_with_digests_off() -> None:
    feed = [entry(at=ago(20))]
    assert plan(feed, settings=UserSettings(email=None)) is None
    assert plan(feed, settings=WANTS.model_copy(update={"email_digest": False})) is None
    assert plan([], settings=WANTS) is None


def test_the_digest_email_counts_what_waits_and_lists_it() -> None:
    items = [entry(at=ago(20)), entry(at=ago(19), room_id="dm-1-2", kind=NotificationKind.DIRECT)]

    text = digest_text("bob", items, {"general": "General"})

    assert text.subject == "ChatCluster: 1 mention and 1 direct message waiting for you"
    assert "alice mentioned you in General: hi @bob" in text.body
    assert "alice sent you a direct message: hi @bob" in text.body


def test_a_long_digest_lists_the_newest_twenty_and_counts_the_rest() -> None:
    items = [entry(at=ago(100 - n)) for n in range(25)]

    text = digest_text("bob", items, {})

    assert text.subject == "ChatCluster: 25 mentions waiting for you"
    assert text.body.count("mentioned you") == 20
    assert "... and 5 more." in text.body


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", ("smtp", "127.0.0.1", 1025, None, None)),
        ("smtps://mail.example.com", ("smtps", "mail.example.com", 465, None, None)),
        ("smtp+starttls://u%40x:p%3Aw@mail:587", ("smtp+starttls", "mail", 587, "u@x", "p:w")),
    ],
)
def test_the_smtp_url_names_scheme_host_port_and_credentials(
    url: str, expected: tuple[str, str, int, str | None, str | None]
) -> None:
    server = SmtpServer.parse(url)
    assert (server.scheme, server.host, server.port, server.username, server.password) == expected
    assert "@" not in server.describe()


@pytest.mark.parametrize("url", ["http://mail:25", "smtp://", "mail.example.com:25"])
def test_an_smtp_url_of_another_shape_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="not an SMTP url"):
        SmtpServer.parse(url)
