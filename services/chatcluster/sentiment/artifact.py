"""Where a trained model lives, readable without importing scikit-learn (the CLI starts fast).

``<data_dir>/models/sentiment/<version>/{model.joblib,metadata.json}``, with ``current``
naming the version in use.
"""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CURRENT_FILE = "current"


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "sentiment"


def current_model_path(data_dir: Path) -> Path | None:
    """The version directory ``current`` names, if it holds a model file."""
    pointer = models_dir(data_dir) / CURRENT_FILE
    if not pointer.is_file():
        return None
    path = models_dir(data_dir) / pointer.read_text().strip()
    return path if (path / MODEL_FILE).is_file() else None
