"""The current sentiment model of a data dir: loaded, or trained first when there is none.

What the scorer, ``chatcluster up`` and ``chatcluster model`` share; no terminal output here, so a
service loads its model without the CLI's libraries. scikit-learn takes seconds to import, so it
is imported only by the calls that train or load.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chatcluster.sentiment.artifact import current_model_path, models_dir

if TYPE_CHECKING:
    from chatcluster.sentiment.model import SentimentModel

DEFAULT_DATA_DIR = Path(".chatcluster")


def train_model(data_dir: Path) -> SentimentModel:
    """Downloads (or reuses) the data, trains, and saves the artifact as the current version."""
    from dataclasses import asdict

    from chatcluster.sentiment.corpus import chat_calibration, load_splits
    from chatcluster.sentiment.lexicons import installed_lexicons
    from chatcluster.sentiment.model import SentimentModel, default_featurizer

    splits, shas = load_splits(data_dir)
    provenance = [asdict(entry) for entry in installed_lexicons().provenance]
    model = SentimentModel.train(default_featurizer(), splits, shas, chat_calibration(), lexicon_provenance=provenance)
    model.save(models_dir(data_dir))
    return model


def ensure_model(data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """The current model's directory, training one first only when there is none (``make up``)."""
    existing = current_model_path(data_dir)
    if existing is not None:
        return existing
    model = train_model(data_dir)
    return models_dir(data_dir) / model.version


def load_model(data_dir: Path) -> SentimentModel:
    from chatcluster.sentiment.model import SentimentModel

    return SentimentModel.load(ensure_model(data_dir))
