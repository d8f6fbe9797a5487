"""The `Reactions` contract: one reaction per (message, user, emoji), the highest event id winning, so the same
reaction twice counts once and an add then a remove, redelivered in any order, ends removed."""

from __future__ import annotations

from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import ReactionEvent, ReactionOp
from chatcluster.reactions import ReactionSummary, ReactionUser
from chatcluster.store.base import Reactions
from tests.contract.builders import ContractCase

ALICE, BOB, CAROL = ReactionUser(101, "alice"), ReactionUser(102, "bob"), ReactionUser(103, "carol")


def reaction(
    ids: SnowflakeGenerator, message_id: int, who: ReactionUser, emoji: str, op: ReactionOp = ReactionOp.ADDED
) -> ReactionEvent:
    return ReactionEvent(
        event_id=ids.next_id(),
        op=op,
        room_id="general",
        message_id=message_id,
        user_id=who.user_id,
        username=who.username,
        emoji=emoji,
    )


class ReactionsContract(ContractCase):
    """Reaction events applied, read back as counts with who reacted."""

    async def test_reactions_from_two_users_and_twice_from_one_count_each_person_once(
        self, store: Reactions, ids: SnowflakeGenerator
    ) -> None:
        message = ids.next_id()
        first = reaction(ids, message, ALICE, "👍")
        await store.apply_reactions([first, reaction(ids, message, BOB, "👍")])
        await store.apply_reactions([reaction(ids, message, ALICE, "👍"), first])  # again, and redelivered

        found = await store.reactions_of([message])

        assert found == {message: [ReactionSummary("👍", 2, (BOB, ALICE))]}

    async def test_an_add_then_a_remove_ends_removed_whatever_order_and_however_often_they_land(
        self, store: Reactions, ids: SnowflakeGenerator
    ) -> None:
        message = ids.next_id()
        added = reaction(ids, message, ALICE, "🎉")
        removed = reaction(ids, message, ALICE, "🎉", ReactionOp.REMOVED)
        kept = reaction(ids, message, BOB, "🎉")

        await store.apply_reactions([removed, kept])
        await store.apply_reactions([added])
        await store.apply_reactions([added, removed, added])

        assert await store.reactions_of([message]) == {message: [ReactionSummary("🎉", 1, (BOB,))]}

    async def test_a_reaction_added_again_after_its_removal_is_back(
        self, store: Reactions, ids: SnowflakeGenerator
    ) -> None:
        message = ids.next_id()
        events = [
            reaction(ids, message, CAROL, "❤️"),
            reaction(ids, message, CAROL, "❤️", ReactionOp.REMOVED),
            reaction(ids, message, CAROL, "❤️"),
        ]

        await store.apply_reactions(list(reversed(events)))

        assert await store.reactions_of([message]) == {message: [ReactionSummary("❤️", 1, (CAROL,))]}

    async def test_reactions_read_back_per_message_emoji_by_first_reaction_people_by_when_they_reacted(
        self, store: Reactions, ids: SnowflakeGenerator
    ) -> None:
        one, two, quiet = ids.next_id(), ids.next_id(), ids.next_id()
        await store.apply_reactions(
            [
                reaction(ids, one, BOB, "😂"),
                reaction(ids, one, ALICE, "👍🏽"),
                reaction(ids, two, CAROL, "🇫🇷"),
                reaction(ids, one, CAROL, "😂"),
                reaction(ids, one, ALICE, "😂"),
                reaction(ids, two, BOB, "👨‍👩‍👧"),
            ]
        )

        found = await store.reactions_of([one, two, quiet])

        assert found == {
            one: [ReactionSummary("😂", 3, (BOB, CAROL, ALICE)), ReactionSummary("👍🏽", 1, (ALICE,))],
            two: [ReactionSummary("🇫🇷", 1, (CAROL,)), ReactionSummary("👨‍👩‍👧", 1, (BOB,))],
        }
        assert await store.reactions_of([quiet]) == {}
        assert await store.reactions_of([]) == {}

    async def test_one_emoji_with_and_without_a_skin_tone_are_two_reactions(
        self, store: Reactions, ids: SnowflakeGenerator
    ) -> None:
        message = ids.next_id()
        await store.apply_reactions([reaction(ids, message, ALICE, "👍"), reaction(ids, message, ALICE, "👍🏿")])

        found = await store.reactions_of([message])

        assert [(s.emoji, s.count) for s in found[message]] == [("👍", 1), ("👍🏿", 1)]
