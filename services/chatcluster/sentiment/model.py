"""``SentimentModel``: a corpus-trained logistic regression, calibrated for chat, served as per-token rows.

Features (see ``features.encode`` for the tokens and their context flags)
    * VADER lexicon sums, per message: ``lex+`` / ``lex-``, the positive / negative valences of
      its tokens after negation (x -0.74), ALL-CAPS (+-0.733), boosters (+-0.293) and the "but"
      rule (x0.5 before, x1.5 after), and ``hits``, how many tokens have a valence;
    * the other lexicons (``lexicons.py``: AFINN, Pattern/TextBlob, NRC, MPQA, Hu & Liu, the Emoji
      Sentiment Ranking), one column each, summed per message (polar columns x -0.74 under
      negation); ``evidence``, how many lexicons rate each token, and ``subjectivity``
      (Pattern's and MPQA's) summed; ``tokens``, the message length;
    * ``caps`` and ``elong`` counts;
    * learned indicators: unigrams (``neg_good`` is its own unigram) and bigrams seen at least
      ``min_count`` times in the training split, at value ``LEARNED_SCALE`` = 0.5, i.e. a 4x
      stronger L2 prior than a unit feature gets: the lexicons are the better-founded evidence,
      and the learned words otherwise soak up corpus priors ("you", "now" and @mentions read as
      positive because tweets are 67% positive). ``xxurl`` / ``xxuser`` are never learned;
    * ``nonlinear``: bounded functions of six per-message sums (VADER's ``S / sqrt(S^2 + a)`` of
      lex+ + lex-, lex+, lex-, evidence and subjectivity; no VADER word; evidence per token;
      log length). The sums enter the model only through these (as linear counts they
      extrapolate badly: 50 x "😂" read as negative); the folded tables carry them.

Training the corpus model (``fit``)
    sklearn ``LogisticRegression`` (lbfgs, multinomial, L2, ``C``), ``class_weight="balanced"``,
    tweets weighted ``tweet_weight`` = 3 (the corpus closest to chat), on one BLAS thread
    (deterministic). ``C`` and ``tweet_weight`` sit on a plateau of the validation split
    (C in {0.25, 0.5, 1} x tweet_weight in {1, 2, 3, 5} within 0.01 pooled macro-F1).

The neutral decision: a calibrated three-class model (``fit_calibration``)
    Why: the corpora call 96% of their snippets polar (a mean rating beyond +-0.05), so a model
    fitted to them reads "ok", "thx cool" and "the build failed, rerunning" as sentiment; live
    chat is mostly neutral. A threshold tuned on a few neutral lines (the previous design) moved
    every decision at once and did not generalise. Instead the corpus model's outputs are
    recalibrated by a second, small multinomial logistic regression fitted on data from both
    domains the model serves, whose inputs are
        z (the corpus model's 3 logits), s * z, the nonlinear features, s * the counts of the
        words found in at least two calibration lines (at ``LEARNED_SCALE``),
    with s = ``shortness(tokens)`` = 1 / (1 + tokens / 8): the calibration lines are short, so
    what they teach about a word, and how far the corpus logits are trusted, is weighed by how
    much a message looks like them. Data: the chat calibration set (``chat_calibration.tsv``,
    labelled by ``CHAT_LABELLING.md``), classes balanced, and the 15% of the corpora's training
    split that the probe model below did not see, at their natural mix and training weights;
    each domain carries half the total weight. Balanced chat classes make "the most probable
    class" the decision that balances per-class recall on chat, which is what an analyst's
    per-minute sentiment needs; the corpus half keeps the decision honest on review sentences.
    No threshold is tuned: the label is the argmax.
    Honest logits: the calibration's corpus lines are scored by a *probe* model fitted on the
    other 85%; the served model is refitted on the whole training split and takes the probe's
    calibration (as with any held-out calibration). The chat evaluation set
    (``chat_eval.tsv``) is never read by training or calibration.

Serving (``score``), the fast path
    Every additive feature depends only on a token's id and its flags, so the corpus model and
    the calibration's word weights fold into one row per id and flag:
    ``[3 corpus logits | 3 chat-word logits | 6 sums]``. A batch is ``encode`` (a few regex
    substitutions, then numpy tokenization, hashing and hash-table lookups), numpy gathers,
    ``reduceat`` sums per message, the nonlinear features from the summed columns, the
    calibration (a few 3-column products per message) and a softmax. No sklearn transform.
    ``reference_probabilities`` is the sklearn path (``design``, the classifier, then the
    calibration regression's ``predict_proba``); tests check both give the same labels.

Labels (``decide_arrays``)
    * No scorable token (empty, whitespace, numbers, nothing in the vocabulary or a lexicon):
      label 0, confidence 0 -- "unable to score".
    * Otherwise the most probable calibrated class, its probability as the confidence.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from chatcluster.sentiment.corpus import SPLIT_SEED, ChatLine, Split, emoji_lexicon, vader_lexicon
from chatcluster.sentiment.features import (
    BOOSTER_INCREMENT,
    CAPS_INCREMENT,
    CONTRAST_AFTER,
    CONTRAST_BEFORE,
    SEP_ID,
    UNK_ID,
    URL_TOKEN,
    USER_TOKEN,
    BoolArray,
    ChatFeaturizer,
    Encoded,
    FloatArray,
    HashIndex,
    IntArray,
    Vocabulary,
    count_tokens,
    encode,
)
from chatcluster.sentiment.lexicons import LEXICON_COLUMNS, POLAR_COLUMNS, installed_lexicons

MODEL_FORMAT = 2
FEATURE_REVISION = 3  # bump when the feature design changes, so the version changes with it
from chatcluster.sentiment.artifact import CURRENT_FILE, METADATA_FILE, MODEL_FILE  # noqa: E402

CLASSES = (-1, 0, 1)
LEARNED_SCALE = 0.5
NEVER_LEARNED = frozenset({URL_TOKEN, USER_TOKEN})
SATURATION_ALPHA = 15.0

# Dense columns. The first N_SUMS are also carried next to the logits in the folded tables and
# enter the model only through ``nonlinear`` (as linear counts they extrapolate badly).
LEX_POS, LEX_NEG, HITS, EVIDENCE, SUBJECTIVITY, TOKENS, CAPS, ELONG = range(8)
N_SUMS = 6
KNOWLEDGE = 8  # first column of the other lexicons' values (lexicons.LEXICON_COLUMNS)
N_DENSE = KNOWLEDGE + len(LEXICON_COLUMNS)
SUBJECTIVE_COLUMNS = ("pattern_subjectivity", "mpqa_subjectivity")
FLAGS = ("caps", "boost", "damp", "before_but", "after_but")
SHORT_TOKENS = 8.0


@dataclass(frozen=True)
class Score:
    """One message's sentiment: label in {-1, 0, 1}; confidence in [0, 1] (0 = unable to score)."""

    label: int
    confidence: float


@dataclass(frozen=True)
class TrainParams:
    """Everything besides the data that changes the trained model (hashed into the version)."""

    min_count: int = 2
    c: float = 0.5
    tweet_weight: float = 3.0
    class_weight: str = "balanced"
    max_iter: int = 3000
    tol: float = 1e-4
    calibration_c: float = 1.0
    corpus_share: float = 0.5
    chat_min_lines: int = 2
    validation_size: float = 0.15
    seed: int = SPLIT_SEED
    model_format: int = MODEL_FORMAT


def squash(x: FloatArray, alpha: float) -> FloatArray:
    """VADER's normalisation ``x / sqrt(x^2 + alpha)``: bounded, so long texts cannot run away."""
    return np.asarray(x / np.sqrt(x * x + alpha))


def nonlinear(sums: FloatArray) -> FloatArray:
    """The non-additive features, from the per-message sums of the first ``N_SUMS`` dense columns."""
    pos, neg, hits = sums[:, LEX_POS], sums[:, LEX_NEG], sums[:, HITS]
    evidence, subjectivity, tokens = sums[:, EVIDENCE], sums[:, SUBJECTIVITY], sums[:, TOKENS]
    columns = [
        squash(pos + neg, SATURATION_ALPHA),
        squash(pos, SATURATION_ALPHA),
        squash(neg, SATURATION_ALPHA),
        (hits == 0).astype(np.float64),
        squash(evidence, 4.0),
        squash(subjectivity, 1.0),
        evidence / np.maximum(tokens, 1.0),
        np.log1p(tokens),
    ]
    return np.column_stack(columns)


N_NONLINEAR = 8


@dataclass
class FeatureSpace:
    """Per-id feature rows (sparse), the learned bigram codes, and which ids can score a message."""

    vocab: Vocabulary
    f_uni: sp.csr_matrix
    f_flags: dict[str, sp.csr_matrix]
    pair_codes: IntArray  # sorted codes a * vocab.size + b of the learned bigrams
    pair_index: HashIndex  # code + 1 -> position in pair_codes
    scorable: BoolArray

    @property
    def n_linear(self) -> int:
        return int(self.f_uni.shape[1])

    @property
    def pair_offset(self) -> int:
        return self.n_linear - len(self.pair_codes)

    def linear_design(self, encoded: Encoded) -> sp.csr_matrix:
        """The additive features of a batch: sums over tokens of their id/flag rows, plus bigrams."""
        rows = encoded.message_index()
        n = encoded.n_messages

        def counts(mask: BoolArray) -> sp.csr_matrix:
            return sp.csr_matrix(
                (np.ones(int(mask.sum())), (rows[mask], encoded.ids[mask])), shape=(n, self.vocab.size)
            )

        x = counts(np.ones(len(rows), dtype=np.bool_)) @ self.f_uni
        for name in FLAGS:
            x = x + counts(getattr(encoded, name)) @ self.f_flags[name]
        n_elong = int(encoded.elong.sum())
        x = x + sp.csr_matrix(
            (np.ones(n_elong), (rows[encoded.elong], np.full(n_elong, ELONG))), shape=(n, self.n_linear)
        )
        hit, slot = self.find_pairs(encoded.ids)
        x = x + sp.csr_matrix(
            (np.full(len(slot), LEARNED_SCALE), (rows[:-1][hit], self.pair_offset + slot)), shape=(n, self.n_linear)
        )
        return sp.csr_matrix(x)

    def design(self, encoded: Encoded) -> sp.csr_matrix:
        """The full design matrix sklearn sees: additive features, then the nonlinear features."""
        linear = self.linear_design(encoded)
        sums = linear[:, :N_SUMS].toarray()
        keep = np.ones(self.n_linear)
        keep[:N_SUMS] = 0.0  # these enter only through the bounded nonlinear features
        return sp.csr_matrix(sp.hstack([linear @ sp.diags(keep), sp.csr_matrix(nonlinear(sums))]))

    def find_pairs(self, ids: IntArray) -> tuple[BoolArray, IntArray]:
        """Which adjacent pairs (positions 0..n-2) are learned bigrams, and their slots."""
        if len(ids) < 2:
            return np.zeros(max(len(ids) - 1, 0), dtype=np.bool_), np.zeros(0, dtype=np.int64)
        slot = self.pair_index.find((ids[:-1] * self.vocab.size + ids[1:] + 1).astype(np.uint64))
        hit = slot >= 0
        return hit, slot[hit]

    def is_scorable(self, encoded: Encoded) -> BoolArray:
        """Messages with at least one token that has a learned weight or a lexicon valence."""
        per_token = self.scorable[encoded.ids].astype(np.int64)
        return np.asarray(np.add.reduceat(per_token, encoded.starts) > 0)


def build_feature_space(vocab: Vocabulary, train: Encoded, min_count: int) -> FeatureSpace:
    """Choose the learned unigrams/bigrams from the training encoding and lay out the columns."""
    ids = train.ids
    id_counts = np.bincount(ids, minlength=vocab.size)
    id_counts[[UNK_ID, SEP_ID]] = 0
    for word in NEVER_LEARNED:
        id_counts[vocab.index[word]] = 0
        id_counts[vocab.index[word] + len(vocab.words)] = 0
    learned_ids = np.flatnonzero(id_counts >= min_count)
    learnable = id_counts >= min_count
    ok = learnable[ids[:-1]] & learnable[ids[1:]]
    codes, code_counts = np.unique((ids[:-1] * vocab.size + ids[1:])[ok], return_counts=True)
    pair_codes = codes[code_counts >= min_count].astype(np.int64)
    shape = (vocab.size, N_DENSE + len(learned_ids) + len(pair_codes))
    every_id = np.arange(vocab.size)
    valence, sign = vocab.valence, np.sign(vocab.valence)
    knowledge = vocab.knowledge
    polar = [i for i, c in enumerate(LEXICON_COLUMNS) if c in POLAR_COLUMNS]
    subjective = [LEXICON_COLUMNS.index(c) for c in SUBJECTIVE_COLUMNS]
    evidence = (valence != 0).astype(np.float64) + (knowledge[:, polar] != 0).sum(axis=1)
    tokens = np.ones(vocab.size)
    tokens[[SEP_ID, SEP_ID + len(vocab.words)]] = 0.0

    def rows(values: FloatArray, extra: Mapping[int, FloatArray] | None = None) -> sp.csr_matrix:
        """Feature rows putting ``values`` in lex+/lex- and each ``extra`` vector in its column."""
        columns = {LEX_POS: np.clip(values, 0, None), LEX_NEG: np.clip(values, None, 0), **(extra or {})}
        r = np.concatenate([every_id for _ in columns])
        c = np.concatenate([np.full(vocab.size, column) for column in columns])
        matrix = sp.csr_matrix((np.concatenate(list(columns.values())), (r, c)), shape=shape)
        matrix.eliminate_zeros()
        return matrix

    learned = sp.csr_matrix(
        (np.full(len(learned_ids), LEARNED_SCALE), (learned_ids, N_DENSE + np.arange(len(learned_ids)))), shape=shape
    )
    capsable = vocab.capsable.astype(np.float64)
    per_word: dict[int, FloatArray] = {
        HITS: (valence != 0).astype(np.float64),
        EVIDENCE: evidence,
        SUBJECTIVITY: knowledge[:, subjective].sum(axis=1),
        TOKENS: tokens,
    }
    per_word.update({KNOWLEDGE + i: knowledge[:, i] for i in range(len(LEXICON_COLUMNS))})
    return FeatureSpace(
        vocab=vocab,
        f_uni=sp.csr_matrix(rows(valence, per_word) + learned),
        f_flags={
            "caps": rows(sign * CAPS_INCREMENT * capsable, {CAPS: capsable}),
            "boost": rows(sign * BOOSTER_INCREMENT),
            "damp": rows(-sign * BOOSTER_INCREMENT),
            "before_but": rows(valence * (CONTRAST_BEFORE - 1.0)),
            "after_but": rows(valence * (CONTRAST_AFTER - 1.0)),
        },
        pair_codes=pair_codes,
        pair_index=HashIndex((pair_codes + 1).astype(np.uint64), np.arange(len(pair_codes), dtype=np.int64)),
        scorable=(evidence > 0) | (id_counts >= min_count),
    )


def shortness(tokens: FloatArray) -> FloatArray:
    """``1 / (1 + tokens / SHORT_TOKENS)``: 1 for a one-word line, 1/2 at eight tokens, small for a review."""
    return np.asarray(1.0 / (1.0 + tokens / SHORT_TOKENS))


@dataclass(frozen=True)
class Calibration:
    """The chat calibration on top of the corpus model (``fit_calibration``), per message::

        z' = z @ matrix + (s * z) @ short_matrix + nonlinear(sums) @ extra + s * chat_words + bias

    with ``z`` the corpus model's logits, ``s = shortness(tokens)`` and ``chat_words`` the sum
    of the message's rows of ``words`` (one row of 3 logits per vocabulary id; non-zero only
    for words of the chat calibration lines).
    """

    matrix: FloatArray  # (3, 3)
    short_matrix: FloatArray  # (3, 3)
    extra: FloatArray  # (N_NONLINEAR, 3)
    words: FloatArray  # (vocab.size, 3)
    bias: FloatArray  # (3,)
    word_ids: IntArray  # the ids ``words`` may weigh (the reference path's columns)

    @classmethod
    def identity(cls, vocab_size: int) -> Calibration:
        zeros = np.zeros((3, 3))
        no_words = np.zeros((vocab_size, 3))
        return cls(np.eye(3), zeros, np.zeros((N_NONLINEAR, 3)), no_words, np.zeros(3), np.zeros(0, dtype=np.int64))

    def apply(self, logits: FloatArray, features: FloatArray, tokens: FloatArray, words: FloatArray) -> FloatArray:
        """Calibrated logits from the corpus logits, the nonlinear features, token counts and summed word rows."""
        short = shortness(tokens)[:, None]
        return np.asarray(
            logits @ self.matrix
            + (short * logits) @ self.short_matrix
            + features @ self.extra
            + short * words
            + self.bias
        )


@dataclass(frozen=True)
class FoldedWeights:
    """The model folded into rows ``[3 corpus logits | 3 chat-word logits | N_SUMS sums]`` per id."""

    uni: FloatArray
    flags: dict[str, FloatArray]
    elong: FloatArray
    pair: FloatArray  # (pairs, 3): corpus logits only
    nonlinear: FloatArray  # (N_NONLINEAR, 3)
    intercept: FloatArray  # (3,)


def fold(space: FeatureSpace, clf: LogisticRegression, calibration: Calibration) -> FoldedWeights:
    coef = np.asarray(clf.coef_, dtype=np.float64)
    linear_t = coef[:, : space.n_linear].T

    def table(f: sp.csr_matrix, words: FloatArray) -> FloatArray:
        return np.hstack([np.asarray(f @ linear_t), words, f[:, :N_SUMS].toarray()])

    no_words = np.zeros((space.vocab.size, 3))
    elong = np.zeros(6 + N_SUMS)
    elong[:3] = linear_t[ELONG]
    return FoldedWeights(
        uni=table(space.f_uni, calibration.words),
        flags={name: table(f, no_words) for name, f in space.f_flags.items()},
        elong=elong,
        pair=LEARNED_SCALE * linear_t[space.pair_offset :].copy(),
        nonlinear=coef[:, space.n_linear :].T.copy(),
        intercept=np.asarray(clf.intercept_, dtype=np.float64).copy(),
    )


def folded_logits(
    weights: FoldedWeights, calibration: Calibration, space: FeatureSpace, encoded: Encoded
) -> FloatArray:
    """Per-message calibrated logits from the folded rows: gathers, sparse flag adds, reduceat; no sklearn."""
    ids = encoded.ids
    contrib = np.take(weights.uni, ids, axis=0)
    for name in FLAGS:
        where = np.flatnonzero(getattr(encoded, name))
        if where.size:
            contrib[where] += np.take(weights.flags[name], np.take(ids, where), axis=0)
    where = np.flatnonzero(encoded.elong)
    if where.size:
        contrib[where] += weights.elong
    hit, slot = space.find_pairs(ids)
    if slot.size:
        contrib[np.flatnonzero(hit), :3] += np.take(weights.pair, slot, axis=0)
    sums = np.add.reduceat(contrib, encoded.starts, axis=0)
    features = nonlinear(sums[:, 6:])
    logits = sums[:, :3] + weights.intercept + features @ weights.nonlinear
    return calibration.apply(logits, features, sums[:, 6 + TOKENS], sums[:, 3:6])


def softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def decide_arrays(probabilities: FloatArray, scorable: BoolArray) -> tuple[IntArray, FloatArray]:
    """Calibrated probabilities (neg, neu, pos) -> (labels, confidences): the most probable class.

    A message with nothing to score is 0 with confidence 0 ("unable to score").
    """
    best = np.argmax(probabilities, axis=1)
    labels = np.where(scorable, best - 1, 0).astype(np.int64)
    confidences = np.where(scorable, probabilities.max(axis=1), 0.0)
    return labels, np.asarray(np.round(confidences, 6))


def classification_metrics(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    """Accuracy, macro-F1, macro-recall and support-weighted F1 over the three classes."""
    kwargs: dict[str, Any] = {"labels": list(CLASSES), "zero_division": 0}
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro", **kwargs)),
        "macro_recall": float(recall_score(truth, predicted, average="macro", **kwargs)),
        "weighted_f1": float(f1_score(truth, predicted, average="weighted", **kwargs)),
        "support": float(len(truth)),
    }


def fit(
    featurizer: ChatFeaturizer,
    texts: Sequence[str],
    labels: Sequence[int],
    sample_weight: Sequence[float],
    params: TrainParams,
    chat_words: Sequence[str] = (),
) -> tuple[FeatureSpace, LogisticRegression]:
    """Vocabulary, feature space and classifier from one training set (deterministic).

    ``chat_words`` join the vocabulary (so the calibration can weigh them) but get a corpus
    weight only if the corpus has them ``min_count`` times.
    """
    counts = count_tokens(featurizer, texts)
    vocab = Vocabulary.build(featurizer, [*(w for w, n in counts.items() if n >= params.min_count), *chat_words])
    encoded = encode(featurizer, vocab, texts)
    space = build_feature_space(vocab, encoded, params.min_count)
    clf = LogisticRegression(C=params.c, max_iter=params.max_iter, tol=params.tol, class_weight=params.class_weight)
    with threadpool_limits(limits=1):
        clf.fit(space.design(encoded), list(labels), sample_weight=np.asarray(sample_weight, dtype=np.float64))
    if tuple(int(c) for c in clf.classes_) != CLASSES:
        raise ValueError(f"training data must contain all of {CLASSES}, got {clf.classes_}")
    return space, clf


def chat_vocabulary(featurizer: ChatFeaturizer, lines: Sequence[ChatLine], min_lines: int) -> list[str]:
    """The words of at least ``min_lines`` calibration lines: the ones the calibration may weigh."""
    seen: Counter[str] = Counter()
    for tokens in featurizer.tokens([line.text for line in lines]):
        seen.update(set(tokens))
    return sorted(word for word, n in seen.items() if n >= min_lines)


def word_counts(space: FeatureSpace, encoded: Encoded) -> sp.csr_matrix:
    """Messages x vocabulary ids: how often each id occurs (separators and unknown tokens aside)."""
    rows = encoded.message_index()
    keep = (encoded.ids != SEP_ID) & (encoded.ids != UNK_ID)
    return sp.csr_matrix(
        (np.ones(int(keep.sum())), (rows[keep], encoded.ids[keep])), shape=(encoded.n_messages, space.vocab.size)
    )


def calibration_inputs(
    space: FeatureSpace, clf: LogisticRegression, encoded: Encoded, counts: sp.csr_matrix, word_ids: IntArray
) -> sp.csr_matrix:
    """What the calibration regression sees per message: z, s*z, the nonlinear features, s*word counts."""
    design = space.design(encoded)
    logits = np.asarray(clf.decision_function(design), dtype=np.float64)
    features = design[:, -N_NONLINEAR:].toarray()
    short = shortness(np.expm1(features[:, -1]))  # the last nonlinear feature is log1p(tokens)
    dense = np.hstack([logits, short[:, None] * logits, features])
    words = sp.diags(short) @ counts[:, word_ids] * LEARNED_SCALE
    return sp.csr_matrix(sp.hstack([sp.csr_matrix(dense), words]))


def fit_calibration(
    probe: tuple[FeatureSpace, LogisticRegression],
    final: FeatureSpace,
    featurizer: ChatFeaturizer,
    chat: Sequence[ChatLine],
    corpus_texts: Sequence[str],
    corpus_labels: Sequence[int],
    corpus_weights: Sequence[float],
    params: TrainParams,
) -> tuple[Calibration, LogisticRegression]:
    """The calibration: a multinomial logistic regression over both domains the model serves.

    ``probe`` is the corpus model fitted without ``corpus_texts`` (so its logits on them are
    honest); ``final`` is the feature space of the model being calibrated (word ids). Each
    domain gets half the weight; chat classes are balanced, corpus lines keep their natural
    mix and training weights.
    """
    texts = [line.text for line in chat] + list(corpus_texts)
    labels = np.array([line.label for line in chat] + list(corpus_labels))
    weights = np.zeros(len(texts))
    chat_labels = labels[: len(chat)]
    for label in CLASSES:
        members = np.flatnonzero(chat_labels == label)
        weights[members] = (1.0 - params.corpus_share) / (len(CLASSES) * max(len(members), 1))
    corpus_w = np.asarray(corpus_weights, dtype=np.float64)
    weights[len(chat) :] = params.corpus_share * corpus_w / corpus_w.sum()
    space, clf = probe
    chat_counts = word_counts(final, encode(featurizer, final.vocab, [line.text for line in chat]))
    word_ids = np.flatnonzero(np.asarray((chat_counts > 0).sum(axis=0)).ravel() >= params.chat_min_lines)
    counts = word_counts(final, encode(featurizer, final.vocab, texts))
    inputs = calibration_inputs(space, clf, encode(featurizer, space.vocab, texts), counts, word_ids)
    calibrator = LogisticRegression(C=params.calibration_c, max_iter=params.max_iter, tol=params.tol)
    with threadpool_limits(limits=1):
        calibrator.fit(inputs, labels, sample_weight=weights * len(texts))
    coef = np.asarray(calibrator.coef_, dtype=np.float64).T
    words = np.zeros((final.vocab.size, 3))
    words[word_ids] = coef[3 + 3 + N_NONLINEAR :] * LEARNED_SCALE
    calibration = Calibration(
        matrix=coef[:3].copy(),
        short_matrix=coef[3:6].copy(),
        extra=coef[6 : 6 + N_NONLINEAR].copy(),
        words=words,
        bias=np.asarray(calibrator.intercept_, dtype=np.float64).copy(),
        word_ids=word_ids.astype(np.int64),
    )
    return calibration, calibrator


@dataclass
class SentimentModel:
    """The trained artifact: featurizer + feature space + folded weights (+ the sklearn classifier)."""

    featurizer: ChatFeaturizer
    space: FeatureSpace
    classifier: LogisticRegression
    calibrator: LogisticRegression
    calibration: Calibration
    weights: FoldedWeights
    version: str
    metadata: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls,
        featurizer: ChatFeaturizer,
        splits: Mapping[str, Split],
        data_sha256: Mapping[str, str],
        calibration_lines: Sequence[ChatLine],
        params: TrainParams | None = None,
        lexicon_provenance: Sequence[Mapping[str, str]] = (),
    ) -> SentimentModel:
        """Fit on every corpus's 80% split, calibrate on the chat calibration set, fold, measure.

        The corpora's 20% test splits are only measured; the chat evaluation set is never read here.
        """
        params = params or TrainParams()
        started = datetime.now(UTC)
        texts = [t for split in splits.values() for t in split.train_texts]
        labels = [y for split in splits.values() for y in split.train_labels]
        weights = [
            params.tweet_weight if name == "tweets" else 1.0 for name, s in splits.items() for _ in s.train_texts
        ]
        chat_words = chat_vocabulary(featurizer, calibration_lines, params.chat_min_lines)
        fit_index, val_index = train_test_split(
            np.arange(len(texts)), test_size=params.validation_size, random_state=params.seed, stratify=labels
        )
        probe = fit(
            featurizer,
            [texts[i] for i in fit_index],
            [labels[i] for i in fit_index],
            [weights[i] for i in fit_index],
            params,
            chat_words,
        )
        space, clf = fit(featurizer, texts, labels, weights, params, chat_words)
        calibration, calibrator = fit_calibration(
            probe,
            space,
            featurizer,
            calibration_lines,
            [texts[i] for i in val_index],
            [labels[i] for i in val_index],
            [weights[i] for i in val_index],
            params,
        )
        chat_sha = hashlib.sha256(
            "\n".join(f"{line.label}\t{line.text}" for line in calibration_lines).encode()
        ).hexdigest()
        version = version_of(data_sha256, chat_sha, featurizer.fingerprint(), params)
        model = cls(featurizer, space, clf, calibrator, calibration, fold(space, clf, calibration), version)
        metrics: dict[str, dict[str, float]] = {}
        pooled_truth: list[int] = []
        pooled_predicted: list[int] = []
        for name, split in splits.items():
            predicted = model.score_arrays(split.test_texts)[0].tolist()
            metrics[name] = classification_metrics(split.test_labels, predicted)
            pooled_truth += split.test_labels
            pooled_predicted += predicted
        metrics["pooled"] = classification_metrics(pooled_truth, pooled_predicted)
        model.metadata = {
            "version": model.version,
            "created": started.isoformat(timespec="seconds"),
            "training_seconds": round((datetime.now(UTC) - started).total_seconds(), 2),
            "data_sha256": dict(data_sha256),
            "chat_calibration_sha256": chat_sha,
            "chat_calibration_lines": len(calibration_lines),
            "featurizer_sha256": featurizer.fingerprint(),
            "lexicons": [dict(entry) for entry in lexicon_provenance],
            "params": asdict(params),
            "label_thresholds": {"positive": "> 0.05", "negative": "< -0.05", "neutral": "otherwise"},
            "neutral_decision": {
                "rule": "the most probable class after calibration; unable to score -> 0",
                "calibration": "multinomial logistic regression on the corpus logits, message features and "
                "chat-calibration words; chat classes balanced; corpus validation lines at natural weights",
                "corpus_share": params.corpus_share,
                "chat_words": len(calibration.word_ids),
                "short_tokens": SHORT_TOKENS,
            },
            "split": {
                "seed": SPLIT_SEED,
                "test_size": 0.2,
                "sizes": {name: {"train": len(s.train_texts), "test": len(s.test_texts)} for name, s in splits.items()},
            },
            "features": {
                "vocabulary": len(space.vocab.words),
                "pairs": len(space.pair_codes),
                "n_linear": space.n_linear,
                "lexicon_columns": list(LEXICON_COLUMNS),
            },
            "metrics": metrics,
            "environment": environment(),
        }
        return model

    # ---------------------------------------------------------------- serving

    def score(self, texts: Sequence[str]) -> list[Score]:
        """Scores a batch on the fast path (folded weights; no sklearn)."""
        if not texts:
            return []
        labels, confidences = self.score_arrays(texts)
        return [Score(int(y), float(c)) for y, c in zip(labels.tolist(), confidences.tolist(), strict=True)]

    def score_arrays(self, texts: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """``score`` as two arrays (labels, confidences), for bulk callers."""
        if not texts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        encoded = encode(self.featurizer, self.space.vocab, texts)
        probabilities = softmax(folded_logits(self.weights, self.calibration, self.space, encoded))
        return decide_arrays(probabilities, self.space.is_scorable(encoded))

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Fast-path calibrated class probabilities (columns: negative, neutral, positive)."""
        encoded = encode(self.featurizer, self.space.vocab, texts)
        return softmax(folded_logits(self.weights, self.calibration, self.space, encoded))

    def reference_probabilities(self, texts: Sequence[str]) -> FloatArray:
        """The sklearn path: ``design``, the corpus classifier, then the calibration regression (slow; for tests)."""
        encoded = encode(self.featurizer, self.space.vocab, texts)
        counts = word_counts(self.space, encoded)
        inputs = calibration_inputs(self.space, self.classifier, encoded, counts, self.calibration.word_ids)
        return np.asarray(self.calibrator.predict_proba(inputs), dtype=np.float64)

    def reference_labels(self, texts: Sequence[str]) -> IntArray:
        encoded = encode(self.featurizer, self.space.vocab, texts)
        return decide_arrays(self.reference_probabilities(texts), self.space.is_scorable(encoded))[0]

    # ---------------------------------------------------------------- persistence

    def save(self, models_dir: Path) -> Path:
        """Writes ``<models_dir>/<version>/{model.joblib,metadata.json}`` and points ``current`` at it."""
        target = models_dir / self.version
        target.mkdir(parents=True, exist_ok=True)
        state = {name: value for name, value in vars(self).items() if name != "featurizer"}
        joblib.dump(state, target / MODEL_FILE, compress=3)
        (target / METADATA_FILE).write_text(json.dumps(self.metadata, indent=2, sort_keys=True) + "\n")
        (models_dir / CURRENT_FILE).write_text(self.version + "\n")
        return target

    @classmethod
    def load(cls, path: Path, featurizer: ChatFeaturizer | None = None) -> SentimentModel:
        """Loads a version directory, or the ``current`` one when given the models directory.

        The featurizer is rebuilt from the installed vaderSentiment lexicons (pinned to the
        version the model was trained with) rather than pickled with the model.
        """
        if (path / CURRENT_FILE).is_file():
            path = path / (path / CURRENT_FILE).read_text().strip()
        state = joblib.load(path / MODEL_FILE)
        return cls(featurizer=featurizer or default_featurizer(), **state)


@cache
def default_featurizer() -> ChatFeaturizer:
    """The featurizer built from the installed vaderSentiment package's lexicons (cached)."""
    return ChatFeaturizer(vader_lexicon(), emoji_lexicon(), installed_lexicons().values)


def version_of(data_sha256: Mapping[str, str], chat_sha256: str, featurizer: str, params: TrainParams) -> str:
    """``sentiment-<format>.<8 hex>``: a hash of the data, the calibration lines, the featurizer and the params."""
    payload = json.dumps(
        {
            "data": dict(data_sha256),
            "chat": chat_sha256,
            "featurizer": featurizer,
            "features": FEATURE_REVISION,
            "params": asdict(params),
        },
        sort_keys=True,
    )
    return f"sentiment-{MODEL_FORMAT}." + hashlib.sha256(payload.encode()).hexdigest()[:8]


def environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }
