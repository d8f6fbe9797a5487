"""Search highlights and blocking, decided without servers: where matched words stand, which frames carry whose
words, how a block list travels to every gateway, and who a blocked author's message notifies."""

from __future__ import annotations

import json

import pytest

from chatcluster.counting import word_spans, words_of
from chatcluster.gateway.hub import (
    blocked_ids,
    event_frame,
    reaction_notice,
    scored_frame,
    typing_notice,
    typing_payload,
)
from chatcluster.gateway.people import blocks_frame
from chatcluster.gateway.search import highlights
from chatcluster.ids import SnowflakeGenerator
from chatcluster.models import (
    EventKind,
    Message,
    MessageEvent,
    NotificationKind,
    ReactionEvent,
    ReactionOp,
    UserSettings,
    dm_room_id,
)
from chatcluster.recipients import notifications_for
from chatcluster.store.rows import username_range

ids = SnowflakeGenerator(worker_id=5)
ALICE, BOB, CAROL = 11, 22, 33

TEXTS = [
    "Pizza tonight? PIZZA!",
    "see https://example.com/pizza and @pizza for pizza",
    "Don't forget the café's crêpes",
    "İstanbul was İNCREDIBLE",
    "ǅemal and ﬁne ligatures",
    "numbers 123 and words_with_underscores",
    "",
    "   ",
    "émoji 🍕 pizza 🍕🍕 pizza",
]


@pytest.mark.parametrize("text", TEXTS)
def test_word_spans_find_the_same_words_as_the_index_in_the_same_order(text: str) -> None:
    spans = word_spans(text)

    assert [word for _, _, word in spans] == words_of(text)
    for start, end, word in spans:
        assert 0 <= start < end <= len(text)
        assert words_of(text[start:end]) == [word]


def test_highlights_mark_each_searched_word_wherever_it_stands_in_any_case() -> None:
    text = "Pizza tonight? PIZZA! and a salad"

    assert highlights(text, "pizza") == [(0, 5), (15, 20)]
    assert highlights(text, "SALAD pizza") == [(0, 5), (15, 20), (28, 33)]
    assert [text[start:end] for start, end in highlights(text, "pizza salad")] == ["Pizza", "PIZZA", "salad"]


def test_highlights_leave_out_links_mentions_and_words_nobody_searched_for() -> None:
    text = "see https://example.com/pizza and @pizza for pizza"

    assert highlights(text, "pizza") == [(45, 50)]
    assert highlights(text, "salad") == []
    assert highlights(text, "the") == []


def test_highlights_count_characters_of_the_text_even_where_lower_case_is_longer() -> None:
    text = "İİİ İstanbul: pizza, Pizza"  # each 'İ' lowers to two characters

    found = highlights(text, "pizza")

    assert [text[start:end] for start, end in found] == ["pizza", "Pizza"]


def test_a_username_prefix_covers_every_name_starting_with_it_in_any_case() -> None:
    low, high = username_range("Sam")

    assert [name for name in ("sa", "sam", "sam_2", "samwise", "sam.x", "san", "sb") if low <= name < high] == [
        "sam",
        "sam_2",
        "samwise",
        "sam.x",
    ]


def _created(room_id: str, author_id: int, text: str, **fields: object) -> MessageEvent:
    message_id = ids.next_id()
    message = Message.model_validate(
        {"message_id": message_id, "room_id": room_id, "author_id": author_id, "author": "x", "text": text, **fields}
    )
    return MessageEvent(kind=EventKind.CREATED, event_id=message_id, message=message)


def test_a_message_frame_and_its_score_carry_their_author_so_blockers_never_get_them() -> None:
    event = _created("general", BOB, "hello")
    payload = event.model_dump_json().encode()

    assert event_frame(payload).author_id == BOB
    assert event_frame(payload).event_id == event.event_id
    assert scored_frame(payload).author_id == BOB
    assert event_frame(b"not json").author_id is None


def test_a_reaction_and_typing_carry_who_reacted_or_types() -> None:
    reaction = ReactionEvent(
        event_id=ids.next_id(),
        op=ReactionOp.ADDED,
        room_id="general",
        message_id=ids.next_id(),
        user_id=CAROL,
        username="carol",
        emoji="👍",
    )
    notice = reaction_notice(reaction.model_dump_json().encode())
    typing = typing_notice(typing_payload("general", CAROL, "carol"))

    assert notice is not None
    assert notice.frame.author_id == CAROL
    assert json.loads(notice.frame.frame)["type"] == "reaction"
    assert typing is not None
    assert typing.frame.author_id == CAROL


def test_a_blocks_frame_carries_the_whole_list_and_every_gateway_reads_it_back() -> None:
    frame = blocks_frame(frozenset({CAROL, BOB}))

    assert frame == {"type": "blocks", "user_ids": [str(BOB), str(CAROL)]}
    assert blocked_ids(json.dumps(frame).encode()) == {BOB, CAROL}
    assert blocked_ids(json.dumps(blocks_frame(frozenset())).encode()) == frozenset()


@pytest.mark.parametrize(
    "payload",
    [
        b"{",
        b"[]",
        json.dumps({"type": "notification", "user_ids": ["1"]}).encode(),
        json.dumps({"type": "blocks"}).encode(),
        json.dumps({"type": "blocks", "user_ids": "12"}).encode(),
        json.dumps({"type": "blocks", "user_ids": [12]}).encode(),
        json.dumps({"type": "blocks", "user_ids": ["1", "x"]}).encode(),
    ],
)
def test_any_other_or_malformed_user_frame_changes_no_block_list(payload: bytes) -> None:
    assert blocked_ids(payload) is None


def test_a_message_never_notifies_a_recipient_who_blocked_its_author() -> None:
    mention = _created("general", BOB, "hi @alice @carol", mentions=[ALICE, CAROL])
    direct = _created(dm_room_id(ALICE, BOB), BOB, "psst")
    settings = {ALICE: UserSettings(), CAROL: UserSettings()}
    blocks = {ALICE: {BOB}, CAROL: {ALICE}}

    assert [n.user_id for n in notifications_for(mention, None, settings, blocks)] == [CAROL]
    assert notifications_for(direct, None, settings, blocks) == []
    assert [n.kind for n in notifications_for(direct, None, settings)] == [NotificationKind.DIRECT]


def test_a_delete_still_blanks_the_entries_made_before_the_block() -> None:
    mention = _created("general", BOB, "hi @alice", mentions=[ALICE])
    gone = MessageEvent(
        kind=EventKind.DELETED,
        event_id=ids.next_id(),
        message=mention.message.model_copy(update={"text": "", "deleted": True}),
    )

    assert [n.user_id for n in notifications_for(gone, None, {}, {ALICE: {BOB}})] == [ALICE]
