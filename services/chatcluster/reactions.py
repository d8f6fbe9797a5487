"""Emoji reactions: what counts as one emoji, and how stored reactions read as counts with who reacted.

A reaction is keyed by (message, user, emoji): the same person reacting twice with one emoji counts once,
and the store keeps the state of the highest event id of each key. Both back ends read their rows back
through `summarize`, so the order people see is the same everywhere: emoji by their earliest reaction, the
people of one emoji in the order of their latest reaction (the event that set each one's state).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import emoji

# `ReactionEvent.emoji`'s bound: the longest emoji sequences (families, flags of regions) stay far below it.
MAX_EMOJI_CHARS = 64


def emoji_problem(text: str) -> str | None:
    """Why `text` is not exactly one emoji (a sentence), or None when it is one.

    One emoji is one fully-qualified or unqualified sequence of the Unicode emoji list (skin tones, flags and
    ZWJ families included), as the `emoji` package knows it: not text, not two emoji, not an emoji with a
    space."""
    if not text:
        return "a reaction must be one emoji, not an empty string"
    if len(text) > MAX_EMOJI_CHARS:
        return f"a reaction must be one emoji; this is {len(text)} characters long"
    if emoji.is_emoji(text):
        return None
    if emoji.purely_emoji(text):
        return "a reaction must be exactly one emoji, not several"
    return "a reaction must be exactly one emoji (e.g. 👍); this is not an emoji"


@dataclass(frozen=True)
class ReactionUser:
    user_id: int
    username: str


@dataclass(frozen=True)
class ReactionSummary:
    """One emoji on one message: how many reacted with it, and who, in the order of their latest reaction."""

    emoji: str
    count: int
    users: tuple[ReactionUser, ...]


@dataclass(frozen=True)
class StoredReaction:
    """A reaction present in the store, with the id of the event that set it (the order people see)."""

    message_id: int
    emoji: str
    user_id: int
    username: str
    event_id: int


def summarize(rows: Iterable[StoredReaction]) -> dict[int, list[ReactionSummary]]:
    """Each message's reactions: emoji by their earliest reaction, people by their latest; a message with none
    has no entry."""
    by_message: dict[int, dict[str, list[StoredReaction]]] = {}
    for row in sorted(rows, key=lambda r: (r.event_id, r.user_id, r.emoji)):
        by_message.setdefault(row.message_id, {}).setdefault(row.emoji, []).append(row)
    return {
        message_id: [
            ReactionSummary(e, len(people), tuple(ReactionUser(p.user_id, p.username) for p in people))
            for e, people in by_emoji.items()
        ]
        for message_id, by_emoji in by_message.items()
    }
