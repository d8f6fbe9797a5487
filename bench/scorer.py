"""Messages scored per second per core: the project's sentiment model against VADER.

Same process, same messages, one core: the process is pinned to a single CPU with
``os.sched_setaffinity`` before anything is timed, so "per core" is what is measured.
Messages: chat-length lines (5-25 words) from the four VADER corpora plus ``chat_eval.tsv``,
repeated and shuffled (seeded) up to ``--messages``. The project model scores in batches
(``--batch``, how ``chatcluster model score`` calls it); VADER's ``polarity_scores`` has no
batch API and is called once per message. Each system runs ``--repeats`` passes over all
messages after a warm-up batch; the best pass is the figure (least disturbed by whatever
else the machine runs), the median is shown beside it, and the ratio uses the best of each.
Time is this process's CPU time (``time.process_time``), so a pass counts the seconds of the
core it ran on, not the seconds other processes on the same core took from it: on a shared
machine wall-clock rates measure the neighbours as much as the scorer.

Usage: .venv/bin/python bench/scorer.py [--messages 50000] [--batch 4096] [--repeats 3] [--data-dir .chatcluster]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from chatcluster.sentiment.corpus import chat_eval, load_splits
from chatcluster.sentiment.provision import load_model


def pin_to_one_core() -> int:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def messages(data_dir: Path, count: int) -> list[str]:
    splits, _ = load_splits(data_dir)
    pool = [t for s in splits.values() for t in (*s.train_texts, *s.test_texts) if 5 <= len(t.split()) <= 25]
    pool += [text for _, text in chat_eval()]
    rng = random.Random(42)
    rng.shuffle(pool)
    return (pool * (count // len(pool) + 1))[:count]


def rates(run: Callable[[Sequence[str]], object], texts: Sequence[str], batch: int, repeats: int) -> list[float]:
    """Messages per CPU-second of each of ``repeats`` passes, after one warm-up batch."""
    run(texts[:batch])
    measured: list[float] = []
    for _ in range(repeats):
        started = time.process_time()
        for start in range(0, len(texts), batch):
            run(texts[start : start + batch])
        measured.append(len(texts) / (time.process_time() - started))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Path(".chatcluster"))
    args = parser.parse_args()

    cpu = pin_to_one_core()
    model = load_model(args.data_dir)
    texts = messages(args.data_dir, args.messages)
    words = sum(len(t.split()) for t in texts) / len(texts)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()

    def vader(batch: Sequence[str]) -> object:
        return [analyzer.polarity_scores(text) for text in batch]

    project = rates(model.score_arrays, texts, args.batch, args.repeats)
    vader_rates = rates(vader, texts, args.batch, args.repeats)
    print(f"{len(texts):,} messages ({words:.1f} words on average), pinned to CPU {cpu}, batch {args.batch}")
    print(f"project  {max(project):>10,.0f} msg/s/core   (median {statistics.median(project):,.0f}; {model.version})")
    print(f"VADER    {max(vader_rates):>10,.0f} msg/s/core   (median {statistics.median(vader_rates):,.0f})")
    print(f"ratio    {max(project) / max(vader_rates):>10.1f}x")


if __name__ == "__main__":
    main()
