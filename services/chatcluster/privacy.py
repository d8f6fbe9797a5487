"""Who may see what a room says, statistics included: the one rule for private rooms.

What is said in a private room is for its members: it never feeds a figure that
anyone else sees. The aggregates keep every count apart by the privacy of the
room it was said in, so one count serves both audiences: everyone (public rooms
only) and platform admins (every room).

A room is private when it is a direct-message room, whose id says so
(`models.dm_room_id`), or a group room its owner or an admin made private
(`Room.private`). That flag is not in the id, so the gateway stamps it on every
message event when it publishes it (`MessageEvent.private`, copied by the scorer
into `ScoredEvent.private`): a message counts as the room was when it was said,
and a recount of the streams gives the same split as the live figures. A room
made private later keeps what was said while it was public in the public figures.
"""

from __future__ import annotations

from enum import StrEnum

# The prefix of every `models.dm_room_id`; group rooms get numeric ids, so none can take it.
DM_ROOM_PREFIX = "dm-"


def is_private_room(room_id: str, *, private: bool = False) -> bool:
    """Whether only the room's members may see what is said in it: a direct-message room, or one flagged private
    (`Room.private`, or `MessageEvent.private`/`ScoredEvent.private` for what was said there)."""
    return private or room_id.startswith(DM_ROOM_PREFIX)


class Audience(StrEnum):
    """Whose figures a statistic is computed for."""

    PUBLIC = "public"  # rooms anyone signed in may read: what every user sees
    ALL = "all"  # every room, private ones included: what a platform admin sees

    @property
    def private_flags(self) -> tuple[bool, ...]:
        """The privacy of the rooms whose counts this audience sees."""
        return (False, True) if self is Audience.ALL else (False,)


def audience_of(*, is_admin: bool) -> Audience:
    return Audience.ALL if is_admin else Audience.PUBLIC
