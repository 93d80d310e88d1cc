"""Shared fixtures: real models loaded once per test session, real recordings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["PYANNOTE_METRICS_ENABLED"] = "0"

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
AMI = DATA / "ami-es2004a"
AMI_FOLDER = AMI / "2005-03-01 10.12.30 Remote control design meeting 84512345678"
ITALIAN_CLIPS = DATA / "italian-clips"
MODELS = ROOT / "models"


@pytest.fixture(scope="session")
def settings():
    from pipeline.config import Settings

    return Settings(models_dir=MODELS)


@pytest.fixture(scope="session")
def engines(settings):
    from pipeline.runner import Engines

    return Engines(settings)


@pytest.fixture(scope="session")
def pyannote_sample() -> Path:
    import pyannote.audio

    return Path(pyannote.audio.__file__).parent / "sample"


@pytest.fixture(scope="session")
def ami_samples(tmp_path_factory):
    from pipeline.audio import decode, load_samples

    target = tmp_path_factory.mktemp("ami") / "audio.16k.wav"
    return load_samples(Path(decode(AMI_FOLDER / "audio_only.m4a", target).path))


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory) -> Path:
    """The quick-start sample plenary run once through ``verbali run``; shared by the tests that read it."""
    from click.testing import CliRunner

    from pipeline.cli import main

    out = tmp_path_factory.mktemp("sample")
    result = CliRunner().invoke(main, ["run", str(ROOT / "recordings"), "--models", str(MODELS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return next(out.glob("2021-11-22-1730-*"))
