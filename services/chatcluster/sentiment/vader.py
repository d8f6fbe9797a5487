"""VADER as a choosable scorer model: the rule-based baseline, for clusters that want its behaviour.

It answers like the trained model (`score(texts) -> list[Score]`, a `version`), so the scorer does not care
which one runs. Slower (about a tenth of the trained model's speed, see bench/scorer.py) and weaker on every
corpus we evaluate, but with no training step and a long public track record.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

from chatcluster.sentiment.model import Score

# VADER's own convention: compound ≥ 0.05 positive, ≤ -0.05 negative, otherwise neutral.
NEUTRAL_BAND = 0.05


def label_of(compound: float) -> int:
    return 1 if compound >= NEUTRAL_BAND else -1 if compound <= -NEUTRAL_BAND else 0


class VaderModel:
    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()
        self.version = f"vader-{version('vaderSentiment')}"

    def score(self, texts: Sequence[str]) -> list[Score]:
        """Label and confidence (|compound|; 0 when nothing in the text carries sentiment) per text."""
        scores = []
        for text in texts:
            compound = float(self._analyzer.polarity_scores(text)["compound"])
            scores.append(Score(label_of(compound), abs(compound)))
        return scores
