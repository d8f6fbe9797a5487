"""The chat featurizer turns text into the tokens and context flags the sentiment model sums over."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chatcluster.sentiment.corpus import emoji_lexicon, vader_lexicon
from chatcluster.sentiment.features import (
    NEGATION_SCALAR,
    ChatFeaturizer,
    Vocabulary,
    emoji_valence,
    encode,
    explain,
)


@pytest.fixture(scope="module")
def featurizer() -> ChatFeaturizer:
    return ChatFeaturizer(vader_lexicon(), emoji_lexicon())


def tokens(featurizer: ChatFeaturizer, text: str) -> list[str]:
    """The readable encoding of one message, with every word it contains in the vocabulary."""
    vocab = Vocabulary.build(featurizer, featurizer.tokenize(text))
    return explain(vocab, encode(featurizer, vocab, [text]))[0]


def test_a_url_becomes_one_url_token(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "see https://example.com/a?b=1 and www.example.org/x") == [
        "see",
        "xxurl",
        "and",
        "xxurl",
    ]


def test_a_mention_becomes_one_user_token(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "hi @sam_99, thanks") == ["hi", "xxuser", ",", "thanks"]


def test_an_elongated_word_collapses_to_two_letters_and_is_flagged(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "soooo goooood") == ["soo~elong", "+good~elong"]


def test_an_elongation_collapses_to_one_letter_when_only_that_is_a_lexicon_word(featurizer: ChatFeaturizer) -> None:
    assert featurizer.collapse("baaaad") == "bad"
    assert featurizer.collapse("loooove") == "love"
    assert featurizer.collapse("whaaat") == "whaat"


def test_negation_marks_up_to_three_following_tokens(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "this is not a good movie at all") == [
        "this",
        "is",
        "not",
        "neg_a",
        "neg_good",
        "neg_movie",
        "at",
        "all",
    ]


def test_punctuation_closes_a_negation_scope(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "no, great") == ["no", ",", "great"]


@pytest.mark.parametrize("negator", ["don't", "cannot", "never", "isn't", "dont"])
def test_contractions_and_negation_words_negate(featurizer: ChatFeaturizer, negator: str) -> None:
    assert tokens(featurizer, f"I {negator} like it")[2:] == ["neg_like", "neg_it"]


def test_a_negated_lexicon_word_has_its_valence_flipped_and_damped(featurizer: ChatFeaturizer) -> None:
    vocab = Vocabulary.build(featurizer, ["good"])
    good = vocab.index["good"]
    assert vocab.word(good + len(vocab.words)) == "neg_good"
    assert vocab.valence[good + len(vocab.words)] == pytest.approx(vocab.valence[good] * NEGATION_SCALAR)
    assert vocab.valence[good + len(vocab.words)] < 0


@pytest.mark.parametrize("emoticon", [":)", ":-(", "<3", ":D", ";)", ":/"])
def test_an_emoticon_is_one_token_with_a_lexicon_valence(featurizer: ChatFeaturizer, emoticon: str) -> None:
    assert tokens(featurizer, f"ok {emoticon}") == ["ok", emoticon.lower()]
    assert featurizer.token_valence(emoticon.lower()) != 0


def test_repeated_brackets_after_an_emoticon_keep_the_emoticon(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "thanks :)))")[:2] == ["thanks", ":)"]


def test_each_emoji_is_a_token_valued_by_its_description(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "done😂😢") == ["done", "😂", "😢"]
    assert featurizer.token_valence("😂") > 0  # "face with tears of joy": tears -0.9 + joy 2.8
    assert featurizer.token_valence("😢") < 0  # "crying face"
    assert featurizer.token_valence("😠") < 0  # "angry face"
    assert emoji_valence("grinning face", {"grinning": 1.5}) == 1.5


def test_common_chat_emoji_without_a_lexicon_word_have_a_set_valence(featurizer: ChatFeaturizer) -> None:
    assert featurizer.token_valence("👍") > 0  # "thumbs up"
    assert featurizer.token_valence("👎") < 0
    assert featurizer.token_valence("😡") < 0  # "pouting face"
    assert featurizer.token_valence("💔") < 0  # "broken heart" would sum positive


def test_an_all_caps_word_is_flagged_but_a_single_capital_letter_is_not(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "I LOVE it, Great") == ["i", "love^caps", "it", ",", "great"]


def test_a_booster_or_dampener_flags_the_next_word(featurizer: ChatFeaturizer) -> None:
    assert tokens(featurizer, "very good, kinda bad") == ["very", "+good", ",", "kinda", "-bad"]


def test_but_splits_a_message_into_a_weaker_before_and_a_stronger_after(featurizer: ChatFeaturizer) -> None:
    vocab = Vocabulary.build(featurizer, ["good", "but", "bad"])
    encoded = encode(featurizer, vocab, ["good but bad", "good"])
    assert encoded.before_but.tolist() == [True, False, False, False, False, False]
    assert encoded.after_but.tolist()[:3] == [False, False, True]


@pytest.mark.parametrize("text", ["12345", "", "   ", "3 4 5"])
def test_numbers_and_blank_text_give_nothing_to_score(featurizer: ChatFeaturizer, text: str) -> None:
    vocab = Vocabulary.build(featurizer, featurizer.tokenize(text))
    encoded = encode(featurizer, vocab, [text])
    assert set(encoded.ids.tolist()) <= {0, 1}  # unknown and the message end only


def test_a_batch_encodes_the_same_as_its_messages_one_at_a_time(featurizer: ChatFeaturizer) -> None:
    texts = ["not bad :)", "", "SOOO good but meh", "hi @bob\nsecond line", "don't"]
    vocab = Vocabulary.build(featurizer, [w for t in texts for w in featurizer.tokenize(t)])
    together = explain(vocab, encode(featurizer, vocab, texts))
    assert together == [explain(vocab, encode(featurizer, vocab, [t]))[0] for t in texts]


def test_case_handling_matches_python_lower_and_isupper(featurizer: ChatFeaturizer) -> None:
    words = ["good", "love", "ok", "lol", "i", "hate", "xd", "can't"]
    vocab = Vocabulary.build(featurizer, words)
    rng = random.Random(7)
    variants = ["".join(c.upper() if rng.random() < 0.5 else c for c in w) for w in words * 20]
    fast = encode(featurizer, vocab, variants)
    expected_ids = [vocab.index[v.lower()] for v in variants]
    expected_caps = [v.isupper() and bool(vocab.capsable[vocab.index[v.lower()]]) for v in variants]
    words_only = fast.ids != 1
    assert fast.ids[words_only].tolist() == expected_ids
    assert fast.caps[words_only].tolist() == expected_caps


def test_encoding_keeps_one_message_per_text(featurizer: ChatFeaturizer) -> None:
    vocab = Vocabulary.build(featurizer, [])
    encoded = encode(featurizer, vocab, ["a", "", "b c", "x\ny"])
    assert encoded.n_messages == 4
    assert np.all(np.diff(encoded.starts) > 0)
