"""`@username` mentions: which names a text mentions, and which members those names are.

The gateway resolves them when a message is sent or edited and carries the members' ids in the
message (`Message.mentions`); the page highlights a name only when its id is there, so a name that is
no member's stays plain text. The tokenising is the page's (`static/js/mentions_data.js`): a name
follows `@` at the start of the text or after a character no name can hold (so `bob@example.com`
mentions nobody), and a name that does not resolve is tried again without the dots and dashes that
end a sentence ("thanks @alice.").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_MENTION = re.compile(r"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})")
_SENTENCE_END = re.compile(r"[.-]+$")
MIN_NAME = 3


def may_mention(text: str) -> bool:
    """Whether the text names anyone at all: a send without one needs no member list."""
    return _MENTION.search(text) is not None


def resolve_mentions(text: str, members: Mapping[str, int]) -> tuple[int, ...]:
    """The ids of the members the text mentions, in the order first mentioned; `members` maps each member's
    lower-cased username to their id."""
    found: list[int] = []
    for match in _MENTION.finditer(text):
        token = match.group(1).lower()
        user_id = members.get(token)
        if user_id is None:
            trimmed = _SENTENCE_END.sub("", token)
            user_id = members.get(trimmed) if len(trimmed) >= MIN_NAME else None
        if user_id is not None:
            found.append(user_id)
    return tuple(dict.fromkeys(found))
