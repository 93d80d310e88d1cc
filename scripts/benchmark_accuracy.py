"""Accuracy figures of the test suite's data, for docs/benchmarks.md: exact numbers, not test bounds.

    python scripts/benchmark_accuracy.py                         # this machine's native kernels
    CT2_FORCE_CPU_ISA=AVX2 python scripts/benchmark_accuracy.py  # as on a machine without AVX-512
    python scripts/benchmark_accuracy.py --whisper-only          # WER only (quick; e.g. for GENERIC)

CTranslate2's int8 kernels differ by instruction set, and so do Whisper's words: the tests assert
bounds with a margin of several errors over the worst figure measured here on any instruction set.
Prints one Markdown table; the word and error counts show how many errors a bound leaves.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jiwer  # noqa: E402

from pipeline.audio import decode, load_samples  # noqa: E402
from pipeline.batch import run_batch  # noqa: E402
from pipeline.config import Settings  # noqa: E402
from pipeline.runner import Engines  # noqa: E402
from pipeline.tables import Tables  # noqa: E402
from pipeline.transcribe import transcribe  # noqa: E402

CLIPS_DIR = ROOT / "tests" / "data" / "italian-clips"
CLIPS = ["leopard_test_it", "cheetah_test_it", "cheetah_test_it_norm"]
SAMPLE = ROOT / "recordings"
LABELS = ROOT / "scripts" / "sample_plenary.labels.json"
AMI = ROOT / "tests" / "data" / "ami-es2004a"


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def wer_row(name: str, references: list[str], hypotheses: list[str]) -> tuple[str, str]:
    measures = jiwer.process_words(references, hypotheses)
    count = sum(len(r.split()) for r in references)
    errors = measures.substitutions + measures.deletions + measures.insertions
    return name, f"{measures.wer:.3f} ({errors} errors in {count} words)"


def clip_texts(engines: Engines, settings: Settings, scratch: Path) -> tuple[list[str], list[str]]:
    references, hypotheses = [], []
    for clip in CLIPS:
        info = decode(CLIPS_DIR / f"{clip}.wav", scratch / f"{clip}.wav")
        transcript = transcribe(load_samples(Path(info.path)), engines.transcriber, settings.transcribe)
        references.append(words((CLIPS_DIR / f"{clip}.txt").read_text()))
        hypotheses.append(words(transcript.text))
    return references, hypotheses


def sample_figures(engines: Engines, settings: Settings, scratch: Path) -> tuple[str, str, list[tuple[str, str]]]:
    from tests.test_tables import score_tables

    out = scratch / "sample"
    report = run_batch([SAMPLE], replace(settings, outputs_dir=out), settle=0, engines=engines)
    assert report.exit_code == 0, report
    folder = report.results[0].folder
    transcript = json.loads((folder / "transcript.json").read_text())
    labels = json.loads(LABELS.read_text())
    reference = words(" ".join(u["text"] for u in labels["utterances"]))
    hypothesis = words(" ".join(s["text"] for s in transcript["segments"]))
    _, labelled = score_tables.LabelledSession("sample", folder / "transcript.json", LABELS).load()
    scores = score_tables.score_session(Tables.from_dict(json.loads((folder / "tables.json").read_text())), labelled)
    named = {s["speaker"] for s in transcript["segments"]} == {u["speaker"] for u in labels["utterances"]}
    rows = [
        ("sample: speakers named as labelled", "yes" if named else "no"),
        (
            "sample: tables recall / precision / number / name",
            f"{scores.recall:.2f} / {scores.precision:.2f} / {scores.number_accuracy:.2f} / {scores.name_accuracy:.2f}",
        ),
        ("sample: boundary error", f"{scores.boundary_error:.1f} s"),
        ("sample: heading accuracy", f"{scores.heading_accuracy:.2f}"),
    ]
    return reference, hypothesis, rows


def diarization_rows(engines: Engines, settings: Settings, scratch: Path) -> list[tuple[str, str]]:
    import pyannote.audio
    from pyannote.database.util import load_rttm
    from pyannote.metrics.diarization import DiarizationErrorRate

    from pipeline.diarize import diarize, track_diarizer
    from pipeline.ingest import ingest_folder
    from tests.test_diarize import _ami_reference

    sample = Path(pyannote.audio.__file__).parent / "sample"
    folder = next(AMI.glob("2005-*"))
    session = ingest_folder(folder)
    samples = load_samples(Path(decode(sample / "sample.wav", scratch / "pyannote.wav").path))
    result = diarize(samples, replace(session, vtt=[], tracks=[]), engines.pyannote, settings.diarize)
    reference = load_rttm(str(sample / "sample.rttm"))["sample"]
    rows = [
        (
            "DER pyannote-campplus, pyannote sample.wav",
            f"{DiarizationErrorRate()(reference, result.to_annotation()):.4f}",
        )
    ]
    tracks = track_diarizer(session, engines).diarize(None, settings.diarize, lambda *a, **k: None)
    rows.append(("DER tracks, AMI ES2004a", f"{DiarizationErrorRate()(_ami_reference(), tracks.to_annotation()):.4f}"))
    mix = load_samples(Path(decode(folder / "audio_only.m4a", scratch / "ami.wav").path))
    named = diarize(mix, session, engines.pyannote, settings.diarize)
    der = DiarizationErrorRate()(_ami_reference(), named.to_annotation())
    rows.append(("DER pyannote on the mix named from the tracks, AMI", f"{der:.4f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whisper-only", action="store_true", help="only the Italian clips' WER")
    args = parser.parse_args()
    settings = Settings(models_dir=ROOT / "models")
    engines = Engines(settings)
    started = time.perf_counter()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        references, hypotheses = clip_texts(engines, settings, scratch)
        rows.append(wer_row("WER, three Italian clips", references, hypotheses))
        if not args.whisper_only:
            reference, hypothesis, sample_rows = sample_figures(engines, settings, scratch)
            rows.append(wer_row("WER, sample plenary (mix)", [reference], [hypothesis]))
            rows.append(wer_row("WER, clips and sample pooled", [*references, reference], [*hypotheses, hypothesis]))
            rows += sample_rows
            rows += diarization_rows(engines, settings, scratch)
    isa = os.environ.get("CT2_FORCE_CPU_ISA", "native")
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, CT2_FORCE_CPU_ISA={isa}, {os.cpu_count()} cores")
    print("\n| what | figure |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
