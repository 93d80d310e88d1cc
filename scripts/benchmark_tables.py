"""Speed of the tables stage per hour of transcript, against a plain spaCy pass over the same text.

    python scripts/benchmark_tables.py            # every labelled plenary in tests/data/plenaries, end to end

The labelled plenaries are joined into one long transcript (about an hour), then timed:
the plain baseline is ``spacy.blank("it")`` with a sentencizer over every utterance; the
stage is ``find_tables`` with the packaged heading classifier, and with the rules only.
Each is run three times and the best is kept; ratios are printed against the baseline, and the
CPU time beside the wall-clock one (on a shared machine the wall clock measures the neighbours too).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from pipeline.artifacts import Segment, Transcript, Word  # noqa: E402
from pipeline.tables import TablesOptions, find_tables  # noqa: E402
from pipeline.tables.classifier import load_heading_model  # noqa: E402


def joined_transcript(folder: Path) -> Transcript:
    segments: list[Segment] = []
    offset = 0.0
    for path in sorted(folder.glob("*.transcript.json")):
        part = Transcript.from_dict(json.loads(path.read_text(encoding="utf-8")))
        for s in part.segments:
            words = [Word(w.start + offset, w.end + offset, w.word, w.probability) for w in s.words]
            speaker = f"{path.stem}:{s.speaker}"
            segments.append(Segment(s.start + offset, s.end + offset, s.text, words, speaker))
        offset += float(part.duration or (part.segments[-1].end if part.segments else 0.0)) + 5.0
    return Transcript("it", segments, duration=offset)


def best_of(runs: int, work) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds: on a shared machine the CPU time is what the stage itself costs."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> int:
    transcript = joined_transcript(ROOT / "tests" / "data" / "plenaries")
    hours = (transcript.duration or 0.0) / 3600
    started = time.perf_counter()
    load_heading_model()
    loading = time.perf_counter() - started
    nlp = spacy.blank("it")
    nlp.add_pipe("sentencizer")
    texts = [s.text for s in transcript.segments]
    find_tables(transcript, options=TablesOptions(spacy_model="blank"))  # warm: pipeline and model loaded once
    baseline, _ = best_of(3, lambda: list(nlp.pipe(texts)))
    model, model_cpu = best_of(3, lambda: find_tables(transcript, options=TablesOptions(spacy_model="blank")))
    rules, rules_cpu = best_of(
        3, lambda: find_tables(transcript, options=TablesOptions(spacy_model="blank", heading_model="rules"))
    )
    print(f"transcript: {len(transcript.segments)} utterances, {hours:.2f} h")
    print(f"heading model load (cold): {loading:.2f} s")
    print(f"plain spaCy sentencizer:   {baseline:.2f} s  ({baseline / hours:.2f} s per hour)")
    print(
        f"tables stage, classifier:  {model:.2f} s  ({model / hours:.2f} s per hour, x{model / baseline:.1f} baseline;"
        f" CPU {model_cpu / hours:.2f} s per hour)"
    )
    print(
        f"tables stage, rules only:  {rules:.2f} s  ({rules / hours:.2f} s per hour, x{rules / baseline:.1f} baseline;"
        f" CPU {rules_cpu / hours:.2f} s per hour)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
