"""The project model against VADER and TextBlob on the same held-out data, with throughput.

Systems and their 3-class rules
    * project: ``SentimentModel.score`` (fast path, calibrated neutral band);
    * VADER: ``compound >= 0.05`` -> +1, ``<= -0.05`` -> -1, else 0 (VADER's documented rule);
    * TextBlob: ``polarity > 0`` -> +1, ``< 0`` -> -1, exactly 0 -> 0 (no band: TextBlob gives
      exactly 0 whenever it finds no opinion word, which is its own notion of neutral).

Data: each corpus's 20% test split (``corpus.split_corpus``), the four pooled, and the
hand-made ``chat_eval.tsv`` twice: all of it, and its ``holdout`` part (the lines the band
calibration never saw). Metrics: accuracy, macro-F1, macro-recall, support-weighted F1.
Throughput: messages/s of each system over the pooled test texts, the project model in
batches of ``BATCH`` (how ``score`` is meant to be called), the baselines one call per text
(their API). This is the in-process figure; ``bench/scorer.py`` is the per-core benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from chatcluster.sentiment.corpus import Split, holdout_rows
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


@dataclass
class Comparison:
    """metrics[dataset][system] -> metric name -> value; throughput[system] -> messages/s."""

    metrics: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)

    def macro_f1(self, dataset: str, system: str) -> float:
        return self.metrics[dataset][system]["macro_f1"]

    def wins(self, system: str = "project") -> dict[str, bool]:
        """Per corpus dataset: does ``system`` have a strictly higher macro-F1 than every other system?"""
        return {
            dataset: all(self.macro_f1(dataset, system) > m["macro_f1"] for other, m in row.items() if other != system)
            for dataset, row in self.metrics.items()
            if not dataset.startswith("chat")
        }


def compare(
    systems: Mapping[str, Labeller], splits: Mapping[str, Split], chat: Sequence[tuple[int, str]]
) -> Comparison:
    """Every system on every test split, pooled, and the chat set; plus throughput."""
    result = Comparison()
    pooled_texts = [t for s in splits.values() for t in s.test_texts]
    pooled_truth = [y for s in splits.values() for y in s.test_labels]
    for system, labeller in systems.items():
        labeller(pooled_texts[:BATCH])  # warm-up: first-call costs are not throughput
        started = time.perf_counter()
        predicted = labeller(pooled_texts)
        result.throughput[system] = len(pooled_texts) / (time.perf_counter() - started)
        offset = 0
        for name, split in splits.items():
            chunk = predicted[offset : offset + len(split.test_texts)]
            offset += len(split.test_texts)
            result.metrics.setdefault(name, {})[system] = classification_metrics(split.test_labels, chunk)
        result.metrics.setdefault("pooled", {})[system] = classification_metrics(pooled_truth, predicted)
        for dataset, rows in (("chat (all)", list(chat)), ("chat (holdout)", holdout_rows(chat))):
            truth = [label for label, _ in rows]
            chat_predicted = labeller([text for _, text in rows])
            result.metrics.setdefault(dataset, {})[system] = classification_metrics(truth, chat_predicted)
            neutral = [p for p, t in zip(chat_predicted, truth, strict=True) if t == 0]
            result.metrics[dataset][system]["neutral_as_0"] = sum(p == 0 for p in neutral) / max(len(neutral), 1)
    return result
