"""What counts as one emoji for a reaction, and how stored reactions read back as counts with who reacted."""

from __future__ import annotations

from chatcluster.reactions import ReactionSummary, ReactionUser, StoredReaction, emoji_problem, summarize


def test_one_emoji_of_any_shape_is_a_reaction() -> None:
    for emoji in ("👍", "👍🏽", "❤️", "❤", "🇫🇷", "👨‍👩‍👧", "1️⃣", "🫠", "🏳️‍🌈"):
        assert emoji_problem(emoji) is None, emoji


def test_text_two_emoji_an_emoji_with_a_space_and_nothing_are_refused_with_a_sentence() -> None:
    problems = {text: emoji_problem(text) for text in ("a", "ok", "👍👍", "👍 ", " 👍", "", "👍" * 70, ":+1:")}

    assert problems["👍👍"] == "a reaction must be exactly one emoji, not several"
    assert problems[""] == "a reaction must be one emoji, not an empty string"
    assert problems["👍" * 70] == "a reaction must be one emoji; this is 70 characters long"
    for text in ("a", "ok", "👍 ", " 👍", ":+1:"):
        assert problems[text] == "a reaction must be exactly one emoji (e.g. 👍); this is not an emoji", text


def test_reactions_read_back_by_message_emoji_in_order_of_their_first_reaction_people_in_order() -> None:
    rows = [
        StoredReaction(1, "🎉", 30, "carol", event_id=13),
        StoredReaction(1, "👍", 20, "bob", event_id=12),
        StoredReaction(2, "👍", 20, "bob", event_id=14),
        StoredReaction(1, "🎉", 10, "alice", event_id=11),
    ]

    assert summarize(rows) == {
        1: [
            ReactionSummary("🎉", 2, (ReactionUser(10, "alice"), ReactionUser(30, "carol"))),
            ReactionSummary("👍", 1, (ReactionUser(20, "bob"),)),
        ],
        2: [ReactionSummary("👍", 1, (ReactionUser(20, "bob"),))],
    }
    assert summarize([]) == {}
