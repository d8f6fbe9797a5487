"""When a user gets a digest email, and what it says: the notifier's rules, without I/O.

A digest lists a user's mentions and direct messages that are still unread: not marked read in the
feed, after the user's read marker in their room, in a room they have not muted, and not in an earlier
digest. It is due once the oldest of them has waited `digest_after_minutes`; the notifier sends it only
while the user is not online, and at most one per `digest_after_minutes` (the claim in the store).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chatcluster.models import Notification, NotificationKind, UserSettings
from chatcluster.recipients import is_muted
from chatcluster.times import epoch_ms

DIGESTED_KINDS = frozenset({NotificationKind.MENTION, NotificationKind.DIRECT})
MINUTE_MS = 60_000
MAX_LISTED = 20  # entries an email lists; it counts the rest


@dataclass(frozen=True)
class DigestPlan:
    items: tuple[Notification, ...]  # oldest first
    due: bool
    up_to: int  # the newest entry listed: later digests list only newer ones


def interval_ms(settings: UserSettings, minute_ms: int = MINUTE_MS) -> int:
    """How long an unread entry waits before a digest, and the least time between two digests."""
    return settings.digest_after_minutes * minute_ms


def wants_digests(settings: UserSettings) -> bool:
    return settings.email_digest and settings.email is not None


def pending(
    feed: Sequence[Notification], settings: UserSettings, markers: Mapping[str, int], digested_up_to: int
) -> list[Notification]:
    """What a digest would list now, oldest first."""
    return sorted(
        (
            n
            for n in feed
            if n.kind in DIGESTED_KINDS
            and not n.read
            and not n.deleted
            and n.notification_id > digested_up_to
            and n.message_id > markers.get(n.room_id, 0)
            and not is_muted(settings, n.room_id)
        ),
        key=lambda n: n.notification_id,
    )


def digest_plan(
    feed: Sequence[Notification],
    settings: UserSettings,
    markers: Mapping[str, int],
    digested_up_to: int,
    now_ms: int,
    minute_ms: int = MINUTE_MS,
) -> DigestPlan | None:
    """The digest the user would get now, due or not yet; None when there is nothing to send, ever, for
    these entries (nothing pending, or the user wants no digest)."""
    if not wants_digests(settings):
        return None
    items = pending(feed, settings, markers, digested_up_to)
    if not items:
        return None
    oldest_ms = epoch_ms(items[0].created_at)
    return DigestPlan(
        items=tuple(items),
        due=now_ms - oldest_ms >= interval_ms(settings, minute_ms),
        up_to=items[-1].notification_id,
    )


@dataclass(frozen=True)
class DigestText:
    subject: str
    body: str


def digest_text(username: str, items: Sequence[Notification], room_names: Mapping[str, str]) -> DigestText:
    """The email: a subject counting what waits, and one line per entry (the newest MAX_LISTED)."""
    mentions = sum(1 for n in items if n.kind is NotificationKind.MENTION)
    directs = len(items) - mentions
    parts = [f"{n} mention{'s' if n != 1 else ''}" for n in (mentions,) if n] + [
        f"{n} direct message{'s' if n != 1 else ''}" for n in (directs,) if n
    ]
    subject = f"ChatCluster: {' and '.join(parts)} waiting for you"
    shown = list(items)[-MAX_LISTED:]
    lines = [f"Hello {username},", "", "While you were away:", ""]
    for n in shown:
        where = room_names.get(n.room_id, n.room_id)
        said = (
            f"{n.author} mentioned you in {where}"
            if n.kind is NotificationKind.MENTION
            else f"{n.author} sent you a direct message"
        )
        lines.append(f"- {n.created_at:%Y-%m-%d %H:%M} UTC, {said}: {n.preview}")
    if len(items) > len(shown):
        lines.append(f"... and {len(items) - len(shown)} more.")
    lines += [
        "",
        "Open ChatCluster to read them. You get at most one digest per "
        "interval; change it, or turn digests off, in your notification settings.",
    ]
    return DigestText(subject, "\n".join(lines) + "\n")
