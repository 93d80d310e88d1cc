"""The packaged training settings (``pipeline/data/it/headings-train.yaml``), or a user's file."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.tables.nlp import read_yaml
from pipeline.tables.training import TrainingDataError, TrainingSettings


def load_training_settings(path: Path | None = None) -> TrainingSettings:
    if path is None:
        return TrainingSettings.from_dict(read_yaml("headings-train.yaml"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TrainingDataError(f"{path}: cannot read the training settings ({error})") from None
    if not isinstance(data, dict):
        raise TrainingDataError(f"{path}: expected a mapping of training settings")
    return TrainingSettings.from_dict(data)
