"""verbali from any working directory: the folders come from options, VERBALI_*, else documented defaults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import locations
from pipeline.config import Settings
from tests.conftest import ITALIAN_CLIPS, MODELS, ROOT


def verbali(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VERBALI_")}
    clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), clean.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pipeline", *args]
    return subprocess.run(command, cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=600)


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    folder = tmp_path / "somewhere else"
    folder.mkdir()
    return folder


def test_from_the_checkout_the_defaults_are_its_folders(monkeypatch):
    for name in ("VERBALI_MODELS", "VERBALI_OUTPUTS", "VERBALI_RECORDINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir("/")
    settings = Settings.from_environment()
    assert locations.source_checkout() == ROOT
    assert (settings.models_dir, settings.outputs_dir, settings.recordings_dir) == (
        ROOT / "models",
        ROOT / "outputs",
        ROOT / "recordings",
    )


def test_installed_as_a_package_the_defaults_are_the_users_folders(monkeypatch, tmp_path):
    monkeypatch.setattr(locations, "source_checkout", lambda: None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("VERBALI_MODELS", "VERBALI_OUTPUTS", "VERBALI_RECORDINGS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_environment()
    assert settings.models_dir == tmp_path / "data" / "verbali" / "models"
    assert settings.outputs_dir == tmp_path / "home" / "verbali" / "outputs"
    assert settings.recordings_dir == tmp_path / "home" / "verbali" / "recordings"


def test_the_environment_and_then_the_options_win(monkeypatch, tmp_path):
    monkeypatch.setenv("VERBALI_MODELS", str(tmp_path / "m"))
    monkeypatch.setenv("VERBALI_OUTPUTS", str(tmp_path / "o"))
    settings = Settings.from_environment(outputs_dir=tmp_path / "explicit")
    assert (settings.models_dir, settings.outputs_dir) == (tmp_path / "m", tmp_path / "explicit")


def test_models_list_finds_the_installed_models_from_anywhere(elsewhere):
    result = verbali("models", "list", cwd=elsewhere, COLUMNS="250")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "whisper-base" in line or "pyannote-campplus" in line]
    assert len(rows) == 2  # listed from the packaged manifest, looked for in the checkout's models/


def test_status_and_sintesi_honour_verbali_outputs(elsewhere, tmp_path):
    outputs = tmp_path / "uscite"
    status = verbali("status", cwd=elsewhere, VERBALI_OUTPUTS=str(outputs))
    assert status.returncode == 1 and f"{outputs}: nothing processed yet" in status.stderr
    sintesi = verbali("sintesi", cwd=elsewhere, VERBALI_OUTPUTS=str(outputs))
    assert sintesi.returncode == 0 and "nothing changed" in sintesi.stdout + sintesi.stderr
    assert (outputs / "verbali.db").exists() and not (elsewhere / "outputs").exists()


def test_without_models_run_says_so_once_with_exit_4(elsewhere, tmp_path):
    shutil.copy(ITALIAN_CLIPS / "cheetah_test_it_norm.wav", elsewhere / "registrazione.wav")
    result = verbali(
        "run", "registrazione.wav", "--settle", "0", cwd=elsewhere,
        VERBALI_MODELS=str(tmp_path / "nessun-modello"), VERBALI_OUTPUTS=str(tmp_path / "out"),
    )  # fmt: skip
    assert result.returncode == 4, result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: model whisper-base")
    assert "verbali models install whisper-base" in lines[0]


@pytest.mark.models
def test_run_status_and_sintesi_from_a_folder_outside_the_checkout(elsewhere, tmp_path):
    shutil.copy(ITALIAN_CLIPS / "leopard_test_it.wav", elsewhere / "Plenaria 2021-11-22 17.30.wav")
    outputs = tmp_path / "out"
    run = verbali(
        "run", "Plenaria 2021-11-22 17.30.wav", "--settle", "0", "--diarization", "none", cwd=elsewhere,
        VERBALI_OUTPUTS=str(outputs),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert (outputs / "2021-11-22-1730-plenaria" / "transcript.json").exists()
    status = verbali("status", cwd=elsewhere, VERBALI_OUTPUTS=str(outputs))
    assert status.returncode == 0 and "2021-11-22-1730-plenaria" in status.stdout
    sintesi = verbali("sintesi", "--force", cwd=elsewhere, VERBALI_OUTPUTS=str(outputs))
    assert sintesi.returncode == 0 and "written" in sintesi.stdout + sintesi.stderr
    assert MODELS.resolve() == (ROOT / "models").resolve()
