"""Who a message notifies, and how: the notifier's rules, without I/O.

A new message notifies the members it mentions, the other member of a direct-message room, and the
author of the message it replies to; never its own author, nobody who muted its room, and nobody who
blocked its author. A message gives a user at most one notification, of the most specific kind:
`direct` in a direct-message room, else `mention`, else `reply`. So one entry per user and message,
named by the message's id, and a redelivered event writes the same entries again.

An edit notifies the members it newly mentions (the entries of the others are rewritten with the new
preview, their read flag kept); a delete only blanks the entries the message made.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    Notification,
    NotificationKind,
    UserSettings,
    dm_members,
)
from chatcluster.unread import preview

# Kinds from the most specific: the first that applies to a user is theirs.
_PRIORITY = (NotificationKind.DIRECT, NotificationKind.MENTION, NotificationKind.REPLY)


@dataclass(frozen=True)
class Recipient:
    user_id: int
    kind: NotificationKind


def recipients(message: Message, parent_author: int | None) -> list[Recipient]:
    """Everyone `message` notifies, before mutes: each user once, with the kind that applies first.

    `parent_author` is the author of the message it replies to, when it replies to one that is stored."""
    reasons: dict[int, set[NotificationKind]] = {}
    pair = dm_members(message.room_id)
    if pair is not None:
        for user_id in pair:
            reasons.setdefault(user_id, set()).add(NotificationKind.DIRECT)
    for user_id in message.mentions:
        reasons.setdefault(user_id, set()).add(NotificationKind.MENTION)
    if parent_author is not None:
        reasons.setdefault(parent_author, set()).add(NotificationKind.REPLY)
    reasons.pop(message.author_id, None)
    return [Recipient(user_id, next(kind for kind in _PRIORITY if kind in kinds)) for user_id, kinds in reasons.items()]


def is_muted(settings: UserSettings, room_id: str) -> bool:
    return room_id in settings.muted_rooms


def notification_of(event: MessageEvent, recipient: Recipient) -> Notification:
    """The entry `event` writes in the recipient's feed (blank when the message is deleted)."""
    message = event.message
    return Notification(
        notification_id=message.message_id,
        user_id=recipient.user_id,
        kind=recipient.kind,
        room_id=message.room_id,
        message_id=message.message_id,
        author_id=message.author_id,
        author=message.author,
        preview="" if message.deleted else preview(message.text),
        created_at=message.created_at,
        deleted=message.deleted,
        version=event.event_id,
    )


def notifications_for(
    event: MessageEvent,
    parent_author: int | None,
    settings: Mapping[int, UserSettings],
    blocks: Mapping[int, Collection[int]] | None = None,
) -> list[Notification]:
    """The entries an event writes: a new or edited message's for its recipients who have not muted its room
    (`settings` has every recipient's) nor blocked its author (`blocks`: whom each recipient blocked), a deleted
    message's blank ones (which only blank existing entries, made before a block or a mute)."""
    found = recipients(event.message, parent_author)
    if event.kind is not EventKind.DELETED:
        message = event.message
        found = [
            r
            for r in found
            if not is_muted(settings.get(r.user_id, UserSettings()), message.room_id)
            and message.author_id not in (blocks or {}).get(r.user_id, ())
        ]
    return [notification_of(event, r) for r in found]
