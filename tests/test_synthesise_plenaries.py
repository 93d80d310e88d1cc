"""The plenary synthesiser's labels: utterance times match the speech in each participant's track."""

import importlib.util
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

TOOLS = ("ffmpeg", "text2wave", "espeak-ng")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS), reason="needs ffmpeg, festival and espeak-ng"
)

SESSION = """\
session: prova-2024-01-09
description: "three speakers, one table, a long pause"
speakers:
  SPEAKER_00: "facilitatrice, Carla Neri, Ufficio di Piano"
  SPEAKER_01: "Bruno Vitali, portavoce tavolo 1"
  SPEAKER_02: "partecipante"
utterances:
  - {speaker: SPEAKER_00, table: null, heading: null, text: "Buonasera, do la parola al tavolo uno."}
  - {speaker: SPEAKER_01, table: 1, heading: altro, pause: 2.0, text: "Grazie, sono Bruno Vitali."}
  - {speaker: SPEAKER_01, table: 1, heading: criticita, text: "Mancano i posti al nido."}
  - {speaker: SPEAKER_02, table: null, heading: null, pause: 3.0, text: "Una domanda~ veloce."}
tables:
  - {table_number: 1, theme: "infanzia", spokesperson: {name: "Bruno Vitali", organisation: null}}
organisations: []
"""


def _synthesiser():
    spec = importlib.util.spec_from_file_location("synthesise_plenaries", ROOT / "scripts" / "synthesise_plenaries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _decode(path):
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", "16000", "-f", "f32le", "-"]
    return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype="<f4")


def _rms_db(x):
    return 10 * np.log10(np.mean(x**2) + 1e-12)


def test_labels_times_match_each_speakers_track(tmp_path):
    source = tmp_path / "prova-2024-01-09.yaml"
    source.write_text(SESSION, encoding="utf-8")
    folder = _synthesiser().synthesise_session(source, tmp_path / "out")
    labels = json.loads((tmp_path / "out" / "labels" / "prova-2024-01-09.labels.json").read_text())

    names = {"SPEAKER_00": "Carla Neri", "SPEAKER_01": "Bruno Vitali", "SPEAKER_02": "Partecipante 3"}
    assert labels["speakers"] == names
    utterances = labels["utterances"]
    assert utterances[0]["start"] == pytest.approx(1.2)
    assert utterances[1]["start"] - utterances[0]["end"] == pytest.approx(2.0, abs=0.002)
    assert utterances[2]["start"] - utterances[1]["end"] == pytest.approx(0.6, abs=0.002)  # same speaker
    assert utterances[3]["start"] - utterances[2]["end"] == pytest.approx(3.0, abs=0.002)
    (table,) = labels["tables"]
    assert (table["start"], table["end"]) == (utterances[1]["start"], utterances[2]["end"])
    assert table["speaker"] == "Bruno Vitali"

    tracks = {p.name: _decode(p) for p in (folder / "Audio Record").glob("*.m4a")}
    assert len(tracks) == 3
    for utterance in utterances:
        own = next(x for name, x in tracks.items() if name.startswith("audio" + utterance["speaker"].replace(" ", "")))
        inside = own[round(utterance["start"] * 16000) : round(utterance["end"] * 16000)]
        # the long pause before the last utterance: a second in its middle, nobody speaking
        silent = own[round((utterances[3]["start"] - 2.0) * 16000) : round((utterances[3]["start"] - 1.0) * 16000)]
        assert _rms_db(inside) - _rms_db(silent) > 30, utterance
