"""The quiz's metrics: joins and answers recorded, board pushes, and the scoring lag (answer accepted → score stored).

Scraped as `chatcluster_quiz_joins_total`, `chatcluster_quiz_answers_total`, `chatcluster_quiz_board_pushes_total`
and `chatcluster_quiz_scoring_lag_seconds_{bucket,count,sum}`; the dashboard's quiz row reads these names.
"""

from __future__ import annotations

from functools import lru_cache

from opentelemetry import metrics
from opentelemetry.metrics import Counter, Histogram

from chatcluster import __version__
from chatcluster.telemetry.instruments import SECONDS_BUCKETS


class QuizInstruments:
    def __init__(self, meter: metrics.Meter) -> None:
        self.joins: Counter = meter.create_counter(
            "chatcluster.quiz.joins", "{player}", "Players who joined a quiz (each once)."
        )
        self.answers: Counter = meter.create_counter(
            "chatcluster.quiz.answers", "{answer}", "Quiz answers scored and stored (each exactly once)."
        )
        self.board_pushes: Counter = meter.create_counter(
            "chatcluster.quiz.board_pushes", "{board}", "Board snapshots published (at most two a second per quiz)."
        )
        self.scoring_lag: Histogram = meter.create_histogram(
            "chatcluster.quiz.scoring_lag",
            "s",
            "From the gateway accepting an answer to its score being stored.",
            explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
        )

    def prime(self) -> None:
        for counter in (self.joins, self.answers, self.board_pushes):
            counter.add(0)


@lru_cache(maxsize=1)
def quiz_instruments() -> QuizInstruments:
    return QuizInstruments(metrics.get_meter("chatcluster.quiz", __version__))
