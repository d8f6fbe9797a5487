"""The project model against VADER and TextBlob on the same held-out data, with throughput.

Systems and their 3-class rules
    * project: ``SentimentModel.score`` (fast path, chat-calibrated decision);
    * VADER: ``compound >= 0.05`` -> +1, ``<= -0.05`` -> -1, else 0 (VADER's documented rule);
    * TextBlob: ``polarity > 0`` -> +1, ``< 0`` -> -1, exactly 0 -> 0 (no band: TextBlob gives
      exactly 0 whenever it finds no opinion word, which is its own notion of neutral).

Data: each corpus's 20% test split (``corpus.split_corpus``), the four pooled, and the held-out
chat set ``chat_eval.tsv`` (never read by training or calibration). Metrics: accuracy, macro-F1,
macro-recall, per-class recall (the neutral one is the share of neutral lines scored 0),
support-weighted F1; for the chat set also the accuracy per kind of line.
Throughput: messages/s of each system over the pooled test texts, the project model in
batches of ``BATCH`` (how ``score`` is meant to be called), the baselines one call per text
(their API). This is the in-process figure; ``bench/scorer.py`` is the per-core benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from chatcluster.sentiment.corpus import ChatLine, Split
from chatcluster.sentiment.model import SentimentModel, classification_metrics
from chatcluster.sentiment.vader import VaderModel

BATCH = 4096
Labeller = Callable[[Sequence[str]], list[int]]


def textblob_label(polarity: float) -> int:
    return 1 if polarity > 0 else -1 if polarity < 0 else 0


def project_labeller(model: SentimentModel) -> Labeller:
    def label(texts: Sequence[str]) -> list[int]:
        labels: list[int] = []
        for start in range(0, len(texts), BATCH):
            labels += model.score_arrays(texts[start : start + BATCH])[0].tolist()
        return labels

    return label


def vader_labeller() -> Labeller:
    model = VaderModel()

    def label(texts: Sequence[str]) -> list[int]:
        return [score.label for score in model.score(texts)]

    return label


def textblob_labeller() -> Labeller | None:
    """TextBlob is a test extra; without it the comparison just leaves it out."""
    try:
        from textblob import TextBlob
    except ImportError:
        return None

    def label(texts: Sequence[str]) -> list[int]:
        return [textblob_label(float(TextBlob(text).sentiment.polarity)) for text in texts]

    return label


def labellers(model: SentimentModel) -> dict[str, Labeller]:
    systems = {"project": project_labeller(model), "VADER": vader_labeller()}
    textblob = textblob_labeller()
    if textblob is not None:
        systems["TextBlob"] = textblob
    return systems


CHAT = "chat (held-out)"


def class_recalls(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    """Recall of each class (``recall_-1``, ``recall_0``, ``recall_1``); NaN-free: 0 for an absent class."""
    recalls: dict[str, float] = {}
    for label in (-1, 0, 1):
        members = [p for p, t in zip(predicted, truth, strict=True) if t == label]
        recalls[f"recall_{label}"] = sum(p == label for p in members) / len(members) if members else 0.0
    return recalls


@dataclass
class Comparison:
    """metrics[dataset][system] -> metric name -> value; throughput[system] -> messages/s.

    ``kinds[system][kind]`` is the chat set's accuracy per kind of line (``CHAT_LABELLING.md``).
    """

    metrics: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, dict[str, float]] = field(default_factory=dict)
    kind_sizes: dict[str, int] = field(default_factory=dict)

    def macro_f1(self, dataset: str, system: str) -> float:
        return self.metrics[dataset][system]["macro_f1"]

    def wins(self, system: str = "project") -> dict[str, bool]:
        """Per corpus dataset: does ``system`` have a strictly higher macro-F1 than every other system?"""
        return {
            dataset: all(self.macro_f1(dataset, system) > m["macro_f1"] for other, m in row.items() if other != system)
            for dataset, row in self.metrics.items()
            if dataset != CHAT
        }


def measure(truth: Sequence[int], predicted: Sequence[int]) -> dict[str, float]:
    return {**classification_metrics(truth, predicted), **class_recalls(truth, predicted)}


def compare(systems: Mapping[str, Labeller], splits: Mapping[str, Split], chat: Sequence[ChatLine]) -> Comparison:
    """Every system on every test split, pooled, and the held-out chat set; plus throughput."""
    result = Comparison()
    pooled_texts = [t for s in splits.values() for t in s.test_texts]
    pooled_truth = [y for s in splits.values() for y in s.test_labels]
    chat_truth = [line.label for line in chat]
    for line in chat:
        result.kind_sizes[line.kind] = result.kind_sizes.get(line.kind, 0) + 1
    for system, labeller in systems.items():
        labeller(pooled_texts[:BATCH])  # warm-up: first-call costs are not throughput
        started = time.perf_counter()
        predicted = labeller(pooled_texts)
        result.throughput[system] = len(pooled_texts) / (time.perf_counter() - started)
        offset = 0
        for name, split in splits.items():
            chunk = predicted[offset : offset + len(split.test_texts)]
            offset += len(split.test_texts)
            result.metrics.setdefault(name, {})[system] = measure(split.test_labels, chunk)
        result.metrics.setdefault("pooled", {})[system] = measure(pooled_truth, predicted)
        chat_predicted = labeller([line.text for line in chat])
        result.metrics.setdefault(CHAT, {})[system] = measure(chat_truth, chat_predicted)
        right: dict[str, int] = {}
        for line, label in zip(chat, chat_predicted, strict=True):
            right[line.kind] = right.get(line.kind, 0) + (label == line.label)
        result.kinds[system] = {kind: right.get(kind, 0) / n for kind, n in result.kind_sizes.items()}
    return result
