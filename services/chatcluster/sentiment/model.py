"""``SentimentModel``: a multinomial logistic regression folded into per-token weight rows.

Features (see ``features.encode`` for the tokens and their context flags)
    * lexicon sums, per message: ``lex+`` / ``lex-``, the positive / negative VADER valences of
      its tokens after negation (x -0.74), ALL-CAPS (+-0.733), boosters (+-0.293) and the "but"
      rule (x0.5 before, x1.5 after), and ``hits``, how many tokens have a valence. They enter
      the model only through the bounded saturation features below (as linear counts they
      extrapolate badly: 50 x "😂" read as negative);
    * ``caps`` and ``elong`` counts;
    * learned indicators: unigrams (``neg_good`` is its own unigram) and bigrams seen at least
      ``min_count`` times in the training split, at value ``LEARNED_SCALE`` = 0.5, i.e. a 4x
      stronger L2 prior than a unit feature gets: with 19k training snippets the lexicon is
      the better-founded evidence, and the learned words otherwise soak up corpus priors
      ("you", "now" and @mentions read as positive because tweets are 67% positive).
      ``xxurl`` / ``xxuser`` are never learned, for the same reason;
    * VADER-style saturation of the lexicon sums, ``S / sqrt(S^2 + 15)`` for S = lex+ + lex-,
      lex+ and lex-, and ``no_lexicon`` = 1 when ``hits`` is 0. These four are the only
      non-additive features; they are functions of three per-message *sums*, which the folded
      tables carry next to the logits.

Training (``SentimentModel.train``)
    sklearn ``LogisticRegression`` (lbfgs, multinomial, L2, ``C``), ``class_weight="balanced"``
    (the neutral class is 4% of the corpora but most of chat; balancing gives it a voice and
    raises macro-F1), tweets weighted ``tweet_weight`` = 3 (the corpus closest to chat),
    on one BLAS thread (deterministic, and 5x faster than oversubscribed threads on 2 cores).
    ``C`` and ``tweet_weight`` were checked on the 15% validation split described below:
    C in {0.25, 0.5, 1} x tweet_weight in {1, 2, 3, 5} all score within 0.01 pooled macro-F1
    of each other (0.566-0.577); the defaults sit on that plateau.

Serving (``score``), the fast path
    Every additive feature depends only on a token's id and its flags, so the linear part folds
    into one row per id and flag: ``[3 class logits | lex+ | lex- | hits]``. A batch is
    ``encode`` (a few regex substitutions, then numpy tokenization, hashing and hash-table
    lookups), numpy gathers, ``reduceat`` sums per message, the four saturation features from
    the summed lexicon columns, and a softmax. No sklearn transform. ``reference_probabilities``
    is the sklearn path (``design`` + ``predict_proba``) on the same texts; tests check both
    give the same labels.

Labels (``decide_arrays``)
    * No scorable token (empty, whitespace, numbers, nothing in the vocabulary or lexicon):
      label 0, confidence 0 -- "unable to score".
    * Otherwise, with p = (p_neg, p_neu, p_pos): the leading polarity wins if its probability is
      above the neutral ``band`` and at least p_neu (confidence = that probability); else 0
      with confidence ``1 - max(p_neg, p_pos)``.

Calibrating the neutral band (``calibrate_band``)
    Live chat is mostly neutral; the corpora are 96% polar. We hold out 15% of the training
    split (stratified, the split seed), fit on the other 85%, and scan ``band`` over
    ``BAND_GRID`` (0.34, 0.35, ..., 0.95), measuring ``f1(band)``, the pooled macro-F1 on that
    15%, and ``chat(band)``, the fraction of the calibration lines of ``chat_eval.tsv`` that
    score 0: every other neutral line (``corpus.calibration_lines``, 50 lines); the other 50
    neutral lines and all 60 polar lines (``corpus.holdout_rows``) are only used for reporting.
    The band is the smallest one with ``chat >= CHAT_NEUTRAL_TARGET`` (0.80)
    among those whose ``f1`` is within ``MAX_F1_COST`` (0.03) of the best ``f1`` on the grid;
    if none reaches the target, the one of those with the highest ``chat``. The final model is
    refitted on the whole training split and keeps that band. The test split is never used.
"""

from __future__ import annotations

import hashlib
import json
import platform
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

from chatcluster.sentiment.corpus import SPLIT_SEED, Split, emoji_lexicon, vader_lexicon
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

MODEL_FORMAT = 1
FEATURE_REVISION = 2  # bump when the feature design changes, so the version changes with it
from chatcluster.sentiment.artifact import CURRENT_FILE, METADATA_FILE, MODEL_FILE  # noqa: E402

CLASSES = (-1, 0, 1)
CHAT_NEUTRAL_TARGET = 0.80
MAX_F1_COST = 0.03
BAND_GRID = tuple(round(0.34 + 0.01 * i, 2) for i in range(62))
LEARNED_SCALE = 0.5
NEVER_LEARNED = frozenset({URL_TOKEN, USER_TOKEN})
SATURATION_ALPHA = 15.0

LEX_POS, LEX_NEG, HITS, CAPS, ELONG = range(5)
N_DENSE = 5
FLAGS = ("caps", "boost", "damp", "before_but", "after_but")
N_SUMS = 3  # the lex+, lex-, hits columns carried next to the logits in the folded tables


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
    validation_size: float = 0.15
    seed: int = SPLIT_SEED
    model_format: int = MODEL_FORMAT


def saturation(sums: FloatArray) -> FloatArray:
    """The non-additive features from per-message (lex+, lex-, hits) sums."""
    pos, neg, hits = sums[:, 0], sums[:, 1], sums[:, 2]
    total = pos + neg
    columns = [
        total / np.sqrt(total * total + SATURATION_ALPHA),
        pos / np.sqrt(pos * pos + SATURATION_ALPHA),
        neg / np.sqrt(neg * neg + SATURATION_ALPHA),
        (hits == 0).astype(np.float64),
    ]
    return np.column_stack(columns)


N_SATURATION = 4


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
        """The full design matrix sklearn sees: additive features, then the saturation features."""
        linear = self.linear_design(encoded)
        sums = linear[:, [LEX_POS, LEX_NEG, HITS]].toarray()
        keep = np.ones(self.n_linear)
        keep[[LEX_POS, LEX_NEG, HITS]] = 0.0  # these enter only through the bounded saturation features
        return sp.csr_matrix(sp.hstack([linear @ sp.diags(keep), sp.csr_matrix(saturation(sums))]))

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
    return FeatureSpace(
        vocab=vocab,
        f_uni=sp.csr_matrix(rows(valence, {HITS: (valence != 0).astype(np.float64)}) + learned),
        f_flags={
            "caps": rows(sign * CAPS_INCREMENT * capsable, {CAPS: capsable}),
            "boost": rows(sign * BOOSTER_INCREMENT),
            "damp": rows(-sign * BOOSTER_INCREMENT),
            "before_but": rows(valence * (CONTRAST_BEFORE - 1.0)),
            "after_but": rows(valence * (CONTRAST_AFTER - 1.0)),
        },
        pair_codes=pair_codes,
        pair_index=HashIndex((pair_codes + 1).astype(np.uint64), np.arange(len(pair_codes), dtype=np.int64)),
        scorable=(valence != 0) | (id_counts >= min_count),
    )


@dataclass(frozen=True)
class FoldedWeights:
    """The model folded into rows ``[logit_neg, logit_neu, logit_pos, lex+, lex-, hits]`` per id."""

    uni: FloatArray
    flags: dict[str, FloatArray]
    elong: FloatArray
    pair: FloatArray  # (pairs, 3): logits only
    saturation: FloatArray  # (4, 3)
    intercept: FloatArray  # (3,)


def fold(space: FeatureSpace, clf: LogisticRegression) -> FoldedWeights:
    coef = np.asarray(clf.coef_, dtype=np.float64)
    linear_t = coef[:, : space.n_linear].T

    def table(f: sp.csr_matrix) -> FloatArray:
        return np.hstack([np.asarray(f @ linear_t), f[:, [LEX_POS, LEX_NEG, HITS]].toarray()])

    elong = np.zeros(3 + N_SUMS)
    elong[:3] = linear_t[ELONG]
    return FoldedWeights(
        uni=table(space.f_uni),
        flags={name: table(f) for name, f in space.f_flags.items()},
        elong=elong,
        pair=LEARNED_SCALE * linear_t[space.pair_offset :].copy(),
        saturation=coef[:, space.n_linear :].T.copy(),
        intercept=np.asarray(clf.intercept_, dtype=np.float64).copy(),
    )


def folded_logits(weights: FoldedWeights, space: FeatureSpace, encoded: Encoded) -> FloatArray:
    """Per-message logits from the folded rows: gathers, sparse flag adds, reduceat; no sklearn."""
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
    return np.asarray(sums[:, :3] + weights.intercept + saturation(sums[:, 3:]) @ weights.saturation)


def softmax(logits: FloatArray) -> FloatArray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def decide_arrays(probabilities: FloatArray, scorable: BoolArray, band: float) -> tuple[IntArray, FloatArray]:
    """Probabilities (neg, neu, pos) -> (labels, confidences) under the neutral band."""
    p_neg, p_neu, p_pos = probabilities[:, 0], probabilities[:, 1], probabilities[:, 2]
    polar = np.maximum(p_neg, p_pos)
    polar_wins = (polar > band) & (polar >= p_neu) & scorable
    labels = np.where(polar_wins, np.where(p_pos >= p_neg, 1, -1), 0).astype(np.int64)
    confidences = np.where(scorable, np.where(polar_wins, polar, 1.0 - polar), 0.0)
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
) -> tuple[FeatureSpace, LogisticRegression]:
    """Vocabulary, feature space and classifier from one training set (deterministic)."""
    counts = count_tokens(featurizer, texts)
    vocab = Vocabulary.build(featurizer, [w for w, n in counts.items() if n >= params.min_count])
    encoded = encode(featurizer, vocab, texts)
    space = build_feature_space(vocab, encoded, params.min_count)
    clf = LogisticRegression(C=params.c, max_iter=params.max_iter, tol=params.tol, class_weight=params.class_weight)
    with threadpool_limits(limits=1):
        clf.fit(space.design(encoded), list(labels), sample_weight=np.asarray(sample_weight, dtype=np.float64))
    if tuple(int(c) for c in clf.classes_) != CLASSES:
        raise ValueError(f"training data must contain all of {CLASSES}, got {clf.classes_}")
    return space, clf


def choose_band(bands: Sequence[float], f1s: Sequence[float], chat_neutral: Sequence[float]) -> float:
    """The calibration rule of the module docstring, as a pure function of the scanned curves."""
    best_f1 = max(f1s)
    allowed = [i for i, f in enumerate(f1s) if f >= best_f1 - MAX_F1_COST]
    reaching = [i for i in allowed if chat_neutral[i] >= CHAT_NEUTRAL_TARGET]
    if reaching:
        return bands[min(reaching, key=lambda i: bands[i])]
    return bands[max(allowed, key=lambda i: (chat_neutral[i], -bands[i]))]


@dataclass
class SentimentModel:
    """The trained artifact: featurizer + feature space + folded weights (+ the sklearn classifier)."""

    featurizer: ChatFeaturizer
    space: FeatureSpace
    classifier: LogisticRegression
    weights: FoldedWeights
    band: float
    version: str
    metadata: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- training

    @classmethod
    def train(
        cls,
        featurizer: ChatFeaturizer,
        splits: Mapping[str, Split],
        data_sha256: Mapping[str, str],
        chat_calibration: Sequence[str],
        params: TrainParams | None = None,
    ) -> SentimentModel:
        """Calibrate the band, fit on every corpus's 80% split, fold, and measure on the 20% splits.

        ``chat_calibration`` are neutral chat lines (the even half of ``chat_eval.tsv``).
        """
        params = params or TrainParams()
        started = datetime.now(UTC)
        texts = [t for split in splits.values() for t in split.train_texts]
        labels = [y for split in splits.values() for y in split.train_labels]
        weights = [
            params.tweet_weight if name == "tweets" else 1.0 for name, s in splits.items() for _ in s.train_texts
        ]
        band, curve = calibrate_band(featurizer, texts, labels, weights, chat_calibration, params)
        space, clf = fit(featurizer, texts, labels, weights, params)
        chat_sha = hashlib.sha256("\n".join(chat_calibration).encode()).hexdigest()
        version = version_of(data_sha256, chat_sha, featurizer.fingerprint(), params)
        model = cls(featurizer, space, clf, fold(space, clf), band, version)
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
            "featurizer_sha256": featurizer.fingerprint(),
            "params": asdict(params),
            "label_thresholds": {"positive": "> 0.05", "negative": "< -0.05", "neutral": "otherwise"},
            "neutral_band": band,
            "band_calibration": {
                "target_chat_neutral": CHAT_NEUTRAL_TARGET,
                "max_f1_cost": MAX_F1_COST,
                "curve": curve,
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
        probabilities = softmax(folded_logits(self.weights, self.space, encoded))
        return decide_arrays(probabilities, self.space.is_scorable(encoded), self.band)

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Fast-path class probabilities (columns: negative, neutral, positive)."""
        encoded = encode(self.featurizer, self.space.vocab, texts)
        return softmax(folded_logits(self.weights, self.space, encoded))

    def reference_probabilities(self, texts: Sequence[str]) -> FloatArray:
        """The sklearn path: ``design`` + ``predict_proba`` (slow; for tests and audits)."""
        encoded = encode(self.featurizer, self.space.vocab, texts)
        return np.asarray(self.classifier.predict_proba(self.space.design(encoded)), dtype=np.float64)

    def reference_labels(self, texts: Sequence[str]) -> IntArray:
        encoded = encode(self.featurizer, self.space.vocab, texts)
        probabilities = np.asarray(self.classifier.predict_proba(self.space.design(encoded)), dtype=np.float64)
        return decide_arrays(probabilities, self.space.is_scorable(encoded), self.band)[0]

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


def calibrate_band(
    featurizer: ChatFeaturizer,
    texts: Sequence[str],
    labels: Sequence[int],
    weights: Sequence[float],
    chat_neutral: Sequence[str],
    params: TrainParams,
) -> tuple[float, list[dict[str, float]]]:
    """Fit on 85% of the training split; scan the band on the other 15% and on neutral chat lines."""
    index = np.arange(len(texts))
    fit_index, val_index = train_test_split(
        index, test_size=params.validation_size, random_state=params.seed, stratify=list(labels)
    )
    space, clf = fit(
        featurizer,
        [texts[i] for i in fit_index],
        [labels[i] for i in fit_index],
        [weights[i] for i in fit_index],
        params,
    )
    folded = fold(space, clf)

    def probabilities(batch: Sequence[str]) -> tuple[FloatArray, BoolArray]:
        encoded = encode(featurizer, space.vocab, batch)
        return softmax(folded_logits(folded, space, encoded)), space.is_scorable(encoded)

    val_p, val_ok = probabilities([texts[i] for i in val_index])
    val_y = [labels[i] for i in val_index]
    chat_p, chat_ok = probabilities(chat_neutral)
    curve: list[dict[str, float]] = []
    for band in BAND_GRID:
        f1 = classification_metrics(val_y, decide_arrays(val_p, val_ok, band)[0].tolist())["macro_f1"]
        zero_rate = float(np.mean(decide_arrays(chat_p, chat_ok, band)[0] == 0))
        curve.append({"band": band, "validation_macro_f1": round(f1, 4), "chat_neutral_zero_rate": round(zero_rate, 4)})
    band = choose_band(
        [c["band"] for c in curve],
        [c["validation_macro_f1"] for c in curve],
        [c["chat_neutral_zero_rate"] for c in curve],
    )
    return band, curve


@cache
def default_featurizer() -> ChatFeaturizer:
    """The featurizer built from the installed vaderSentiment package's lexicons (cached)."""
    return ChatFeaturizer(vader_lexicon(), emoji_lexicon())


def version_of(data_sha256: Mapping[str, str], chat_sha256: str, featurizer: str, params: TrainParams) -> str:
    """``sentiment-1.<8 hex>``: a hash of the data, the chat calibration lines, the featurizer and the params."""
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
