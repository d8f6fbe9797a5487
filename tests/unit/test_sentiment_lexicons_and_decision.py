"""The pure parts of the sentiment model: lexicon parsers, the chat sets, the calibrated decision."""

from __future__ import annotations

import re
from importlib import resources

import numpy as np
import pytest

from chatcluster.sentiment.corpus import chat_calibration, chat_eval_lines, normalized, parse_chat_set
from chatcluster.sentiment.evaluate import class_recalls
from chatcluster.sentiment.lexicons import (
    LEXICON_COLUMNS,
    combine,
    parse_afinn,
    parse_emoji_ranking,
    parse_mpqa,
    parse_nrc,
    parse_pattern,
    parse_word_list,
)
from chatcluster.sentiment.model import N_NONLINEAR, Calibration, decide_arrays, shortness


def test_afinn_scores_are_scaled_to_one_and_multi_word_entries_are_skipped() -> None:
    assert parse_afinn("good\t3\nbad\t-5\ncan't stand\t-3\n") == {"good": 0.6, "bad": -1.0}


def test_pattern_words_average_their_senses() -> None:
    xml = (
        '<sentiment><word form="Cool" polarity="0.5" subjectivity="0.6" />'
        '<word form="cool" polarity="0.1" subjectivity="0.2" /><word form="a b" polarity="1" /></sentiment>'
    )
    polarity, subjectivity = parse_pattern(xml)["cool"]
    assert (round(polarity, 6), round(subjectivity, 6)) == (0.3, 0.4)
    assert "a b" not in parse_pattern(xml)


def test_nrc_gives_polarity_and_the_number_of_emotions() -> None:
    parsed = parse_nrc('{"abandon": ["fear", "negative", "sadness"], "abba": ["positive"], "hug": []}')
    assert parsed == {"abandon": (-1.0, 2.0), "abba": (1.0, 0.0), "hug": (0.0, 0.0)}


def test_mpqa_weighs_strong_clues_twice_as_much_as_weak_ones_and_keeps_the_strongest() -> None:
    text = (
        "type=weaksubj len=1 word1=fine pos1=adj stemmed1=n priorpolarity=positive\n"
        "type=strongsubj len=1 word1=fine pos1=noun stemmed1=n priorpolarity=negative\n"
        "type=weaksubj len=1 word1=bug pos1=noun stemmed1=n priorpolarity=negative\n"
    )
    assert parse_mpqa(text) == {"fine": (-1.0, 1.0), "bug": (-0.5, 0.5)}


def test_word_lists_skip_comments_and_blank_lines() -> None:
    assert parse_word_list(";; header\n\nGood\nnice\n", 1.0) == {"good": 1.0, "nice": 1.0}


def test_rare_emoji_get_no_score_and_common_ones_are_smoothed() -> None:
    csv_text = (
        "Emoji,Unicode codepoint,Occurrences,Position,Negative,Neutral,Positive,Unicode name,Unicode block\n"
        "😂,0x1f602,97,0.8,7,20,70,FACE WITH TEARS OF JOY,Emoticons\n"
        "🦄,0x1f984,2,0.5,0,0,2,UNICORN,Other\n"
    )
    assert parse_emoji_ranking(csv_text) == {"😂": pytest.approx(0.63)}


def test_combined_lexicons_give_every_word_one_value_per_column() -> None:
    values = combine({"afinn": {"good": 0.6}, "opinion": {"good": 1.0, "bad": -1.0}})
    assert set(values) == {"bad", "good"}
    assert len(values["good"]) == len(LEXICON_COLUMNS)
    assert values["good"][LEXICON_COLUMNS.index("afinn")] == 0.6
    assert values["bad"][LEXICON_COLUMNS.index("afinn")] == 0.0


def test_a_malformed_chat_line_is_refused_with_its_line_number() -> None:
    assert [line.text for line in parse_chat_set("0\tack\tok\n\n1\tpraise\tnice!\n")] == ["ok", "nice!"]
    with pytest.raises(ValueError, match="line 2"):
        parse_chat_set("0\tack\tok\n2\tpraise\tnice\n")


def test_the_chat_sets_are_large_disjoint_and_use_the_kinds_of_the_guideline() -> None:
    held_out, calibration = chat_eval_lines(), chat_calibration()
    guideline = resources.files("chatcluster.sentiment").joinpath("CHAT_LABELLING.md").read_text("utf-8")
    kinds = set(re.findall(r"`([a-z]+)`", guideline.split("## Kinds", 1)[1]))
    assert len(held_out) >= 1000 and len(calibration) >= 600
    assert {line.kind for line in held_out} <= kinds and {line.kind for line in calibration} <= kinds
    assert {normalized(line.text) for line in held_out}.isdisjoint(normalized(line.text) for line in calibration)
    assert len({normalized(line.text) for line in held_out}) == len(held_out)
    for lines in (held_out, calibration):
        neutral = sum(line.label == 0 for line in lines) / len(lines)
        assert 0.5 <= neutral <= 0.75, "live chat is mostly neutral, and each polar class needs a voice"


def test_the_decision_is_the_most_probable_class_and_unscorable_lines_are_zero_with_no_confidence() -> None:
    probabilities = np.array([[0.5, 0.3, 0.2], [0.2, 0.45, 0.35], [0.1, 0.2, 0.7], [0.9, 0.05, 0.05]])
    labels, confidences = decide_arrays(probabilities, np.array([True, True, True, False]))
    assert labels.tolist() == [-1, 0, 1, 0]
    assert confidences.tolist() == [0.5, 0.45, 0.7, 0.0]


def test_shortness_halves_at_eight_tokens() -> None:
    assert shortness(np.array([0.0, 8.0, 24.0])).tolist() == [1.0, 0.5, 0.25]


def test_the_identity_calibration_leaves_the_logits_alone() -> None:
    logits = np.array([[1.0, -2.0, 0.5], [0.0, 0.3, -0.1]])
    identity = Calibration.identity(4)
    assert not identity.words.any()
    calibrated = identity.apply(logits, np.ones((2, N_NONLINEAR)), np.array([3.0, 9.0]), np.zeros((2, 3)))
    assert np.allclose(calibrated, logits)


def test_per_class_recall_counts_each_class_on_its_own() -> None:
    recalls = class_recalls([0, 0, 0, 1, -1], [0, 1, 0, 1, 1])
    assert recalls == {"recall_-1": 0.0, "recall_0": pytest.approx(2 / 3), "recall_1": 1.0}
