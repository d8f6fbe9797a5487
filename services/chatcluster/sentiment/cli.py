"""``chatcluster model ...``: train, evaluate and run the sentiment model from a terminal.

The artifact lives in ``<data_dir>/models/sentiment/<version>/`` with ``current`` naming the
version in use; the training data's sdist is cached in ``<data_dir>/cache/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from chatcluster.sentiment.artifact import models_dir
from chatcluster.sentiment.provision import DEFAULT_DATA_DIR, load_model, train_model

if TYPE_CHECKING:  # scikit-learn takes seconds to import: only the commands that score load it
    from chatcluster.sentiment.evaluate import Comparison
    from chatcluster.sentiment.model import SentimentModel

model_app = typer.Typer(
    help="Sentiment model for chat messages: train it, compare it with VADER/TextBlob, score stdin.",
    no_args_is_help=True,
)
console = Console(stderr=True)
DataDir = Annotated[Path, typer.Option("--data-dir", help="Where the model and the data cache live")]
SCORE_BATCH = 4096


def _print_metrics(model: SentimentModel) -> None:
    table = Table(title=f"{model.version}: held-out 20% of each corpus")
    for column in ("dataset", "n", "accuracy", "macro-F1", "macro-recall", "weighted-F1"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for dataset, m in model.metadata["metrics"].items():
        table.add_row(
            dataset,
            f"{int(m['support'])}",
            f"{m['accuracy']:.3f}",
            f"{m['macro_f1']:.3f}",
            f"{m['macro_recall']:.3f}",
            f"{m['weighted_f1']:.3f}",
        )
    Console(width=max(Console().width, 100)).print(table)


@model_app.command()
def train(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Train on the four VADER corpora (80% splits) and write the artifact; prints held-out metrics."""
    with console.status("training the sentiment model..."):
        model = train_model(data_dir)
    console.print(f"wrote {models_dir(data_dir) / model.version} in {model.metadata['training_seconds']}s")
    _print_metrics(model)


@model_app.command("eval")
def evaluate(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Compare the current model with VADER and TextBlob on the held-out corpus splits and chat set."""
    from chatcluster.sentiment.corpus import chat_eval_lines, load_splits
    from chatcluster.sentiment.evaluate import compare, labellers

    model = load_model(data_dir)
    splits, _ = load_splits(data_dir)
    with console.status("scoring with every system..."):
        comparison = compare(labellers(model), splits, chat_eval_lines())
    out = Console(width=max(Console().width, 140))
    out.print(comparison_table(comparison, f"{model.version} vs baselines (held-out data only)"))
    out.print(kinds_table(comparison))
    out.print(throughput_table(comparison))
    wins = comparison.wins()
    verdict = "beats" if all(wins.values()) else "does NOT beat"
    losing = ", ".join(name for name, ok in wins.items() if not ok)
    out.print(f"project model {verdict} every baseline on macro-F1 on every corpus and pooled {losing}".rstrip())


def comparison_table(comparison: Comparison, title: str) -> Table:
    """A rich table: one row per dataset and system; the best macro-F1 and macro-recall per dataset in bold."""
    table = Table(title=title)
    columns = ("dataset", "system", "n", "macro-F1", "macro-recall", "recall -1", "recall 0 (neutral→0)", "recall +1")
    for column in (*columns, "accuracy", "weighted-F1"):
        table.add_column(column, justify="left" if column in ("dataset", "system") else "right")
    for dataset, row in comparison.metrics.items():
        best_f1 = max(m["macro_f1"] for m in row.values())
        best_recall = max(m["macro_recall"] for m in row.values())
        for i, (system, m) in enumerate(row.items()):
            f1, recall = f"{m['macro_f1']:.3f}", f"{m['macro_recall']:.3f}"
            table.add_row(
                dataset if i == 0 else "",
                system,
                f"{int(m['support'])}",
                f"[bold]{f1}[/bold]" if m["macro_f1"] == best_f1 else f1,
                f"[bold]{recall}[/bold]" if m["macro_recall"] == best_recall else recall,
                f"{m['recall_-1']:.3f}",
                f"{m['recall_0']:.3f}",
                f"{m['recall_1']:.3f}",
                f"{m['accuracy']:.3f}",
                f"{m['weighted_f1']:.3f}",
                end_section=i == len(row) - 1,
            )
    return table


def kinds_table(comparison: Comparison) -> Table:
    """The held-out chat set's accuracy per kind of line: where each system's errors come from."""
    table = Table(title="Held-out chat set: accuracy per kind of line (CHAT_LABELLING.md)")
    table.add_column("kind")
    table.add_column("n", justify="right")
    for system in comparison.kinds:
        table.add_column(system, justify="right")
    for kind, n in sorted(comparison.kind_sizes.items()):
        table.add_row(kind, str(n), *(f"{accuracy[kind]:.2f}" for accuracy in comparison.kinds.values()))
    return table


def throughput_table(comparison: Comparison) -> Table:
    table = Table(title="Throughput on the pooled test texts (this process)")
    table.add_column("system")
    table.add_column("messages/s", justify="right")
    table.add_column("project is faster by", justify="right")
    project = comparison.throughput.get("project", 0.0)
    for system, rate in comparison.throughput.items():
        table.add_row(system, f"{rate:,.0f}", f"{project / rate:.1f}x" if rate else "")
    return table


@model_app.command()
def score(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Read messages from stdin, one per line; write one JSON object per line to stdout."""
    model = load_model(data_dir)
    score_stream(model, sys.stdin, sys.stdout)


def score_stream(model: SentimentModel, lines: TextIO, out: TextIO, batch_size: int = SCORE_BATCH) -> int:
    """Scores ``lines`` in batches and writes ``{"label":..,"confidence":..,"model_version":..}`` lines.

    Streams: input is read ~``batch_size`` lines at a time and each batch is written and
    flushed as soon as it is scored, so memory stays flat for any input size. From a terminal
    every line is answered at once.
    """
    hint = 1 if lines.isatty() else batch_size * 64
    suffix = f',"model_version":"{model.version}"}}\n'
    prefix = {-1: '{"label":-1,"confidence":', 0: '{"label":0,"confidence":', 1: '{"label":1,"confidence":'}
    written = 0
    while True:
        batch = lines.readlines(hint)
        if not batch:
            return written
        texts = [line.rstrip("\r\n") for line in batch]
        labels, confidences = model.score_arrays(texts)
        out.write(
            "".join(
                f"{prefix[label]}{confidence}{suffix}"
                for label, confidence in zip(labels.tolist(), confidences.tolist(), strict=True)
            )
        )
        out.flush()
        written += len(texts)
