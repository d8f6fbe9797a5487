"""Who may see what a room says, statistics included: the one rule for private rooms.

What is said in a private room is for its members: it never feeds a figure that
anyone else sees. The aggregates keep every count apart by the privacy of the
room it was said in, so one count serves both audiences: everyone (public rooms
only) and platform admins (every room).

Today the private rooms are exactly the direct-message rooms, and their ids say
so (`models.dm_room_id`), so events already in the streams are classified the
same way as new ones, and a rebuild gives the same split as the live figures.
Private group rooms plug in here: their privacy is not in their id, so the
gateway would stamp it on the message event at send time and this rule would
read that flag, keeping the id rule for events that carry none.
"""

from __future__ import annotations

from enum import StrEnum

# The prefix of every `models.dm_room_id`; group rooms get numeric ids, so none can take it.
DM_ROOM_PREFIX = "dm-"


def is_private_room(room_id: str) -> bool:
    """Whether only the room's members may see what is said in it."""
    return room_id.startswith(DM_ROOM_PREFIX)


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
