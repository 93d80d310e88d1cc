"""``verbali train``: fit the heading classifier on an office's own labelled (corrected) sessions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.errors import VerbaliError
from pipeline.models import PACKAGED_MANIFEST
from pipeline.tables.classifier import MODEL_FILE, packaged_model_dir
from pipeline.tables.training import record_in_manifest, save_model, train_from_folders
from pipeline.tables.training_config import load_training_settings


@click.command(name="train")
@click.option(
    "--labels",
    "labels_dirs",
    type=click.Path(path_type=Path),
    required=True,
    multiple=True,
    help="Folder of <name>.transcript.json + <name>.labels.json (as tests/data/plenaries, or the review app's "
    "export); repeat it to train on several (e.g. tests/data/plenaries-asr, the same sessions as ASR output).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Where to write the model (model.json) [default: the packaged model's folder].",
)
@click.option("--config", "config", type=click.Path(path_type=Path), help="Training settings (YAML).")
def train(labels_dirs: tuple[Path, ...], out_dir: Path | None, config: Path | None) -> None:
    """Train the heading classifier; use it with the tables option heading_model=<folder>."""
    try:
        settings = load_training_settings(config)
        model = train_from_folders(labels_dirs, settings)
        target = save_model(model, out_dir or packaged_model_dir())
        if out_dir is None:  # the packaged model: its sha256 goes into the packaged manifest
            record_in_manifest(PACKAGED_MANIFEST, target)
    except VerbaliError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    sentences = (model.about or {}).get("sentences", 0)
    transcripts = (model.about or {}).get("sessions", [])
    click.echo(
        f"trained on {len(set(transcripts))} sessions ({len(transcripts)} transcripts), {sentences} report sentences:"
        f" {target.parent / MODEL_FILE}"
    )
