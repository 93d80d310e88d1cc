"""The quick-start sample end to end: Italian audio in, named speakers and tables out."""

import json
import re

import jiwer
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.tables import Tables
from tests.conftest import MODELS, ROOT
from tests.test_tables import score_tables

pytestmark = pytest.mark.models
LABELS = ROOT / "scripts" / "sample_plenary.labels.json"


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = CliRunner().invoke(main, ["run", str(ROOT / "recordings"), "--models", str(MODELS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return next(out.glob("2021-11-22-1730-*"))


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def test_speakers_are_named_from_the_zoom_tracks(sample_output):
    transcript = json.loads((sample_output / "transcript.json").read_text())
    labels = json.loads(LABELS.read_text())
    speakers = {s["speaker"] for s in transcript["segments"]}
    assert speakers == {u["speaker"] for u in labels["utterances"]}
    reference = _words(" ".join(u["text"] for u in labels["utterances"]))
    wer = jiwer.wer(reference, _words(" ".join(s["text"] for s in transcript["segments"])))
    assert wer <= 0.20, f"WER {wer:.3f} (measured 0.16 on 2026-11-23)"


def test_tables_found_end_to_end_against_the_hand_labels(sample_output):
    """Scores the pipeline's own tables.json, made from the audio."""
    _, labels = score_tables.LabelledSession("sample", sample_output / "transcript.json", LABELS).load()
    tables = Tables.from_dict(json.loads((sample_output / "tables.json").read_text()))
    scores = score_tables.score_session(tables, labels)
    assert (scores.recall, scores.precision, scores.number_accuracy, scores.name_accuracy) == (1.0, 1.0, 1.0, 1.0)
    assert scores.boundary_error <= 2.5, "measured 1.4 s on 2026-11-23"
    assert scores.heading_accuracy >= 0.5, "measured 0.58 on 2026-11-23 (12 labelled segments)"
