#!/usr/bin/env python3
"""Score verbali's transcription with and without session context, from the mix or the tracks.

    python scripts/score_transcription.py [--contexts off,hotwords,prompt,both] [--sources mix]
        [--plenaries DIR] [--json out.json]

Items:
- the real Italian read-speech clips in tests/data/italian-clips (no session: the
  context is the vocabulary alone), WER pooled over the clips;
- each synthetic plenary built by scripts/make_sample_plenary.py: the committed sample in
  recordings/ (script scripts/sample_plenary.yaml) and every script in scripts/plenaries/
  whose folder is under --plenaries (build them first with
  ``make_sample_plenary.py --script scripts/plenaries/X.yaml --out DIR``);
- with ``--sources``, also the AMI Zoom folder (English, reference words per speaker).

Per item and configuration it prints WER, cpWER (speaker-attributed: each speaker's words
against the reference speaker's, best pairing) where speakers are known, name accuracy
(the share of the people's and organisations' names said in the reference that the
transcript spells right) and the transcription time. Set ``CT2_FORCE_CPU_ISA=AVX2`` to
measure another instruction set. Run it niced: it transcribes everything once per configuration.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

CLIPS = ROOT / "tests" / "data" / "italian-clips"
AMI = ROOT / "tests" / "data" / "ami-es2004a"
SAMPLE_SCRIPT = ROOT / "scripts" / "sample_plenary.yaml"
VARIANTS = ROOT / "scripts" / "plenaries"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower().replace("’", "'")).split())


# --------------------------------------------------------------------------- items


@dataclass
class Item:
    name: str
    language: str
    reference: str  # all words, in order
    folder: Path | None = None  # a Zoom folder (session, tracks)
    audio: list[Path] = field(default_factory=list)  # plain files (clips), pooled
    by_speaker: dict[str, str] = field(default_factory=dict)  # reference words per speaker
    names: list[str] = field(default_factory=list)  # people's and organisations' names to check
    programme: Path | None = None
    ordered: bool = True  # the reference is in time order (AMI's words are per speaker only: no WER)


def clip_item() -> Item:
    stems = ["leopard_test_it", "cheetah_test_it", "cheetah_test_it_norm"]
    reference = " ".join((CLIPS / f"{stem}.txt").read_text() for stem in stems)
    return Item("italian-clips", "it", reference, audio=[CLIPS / f"{stem}.wav" for stem in stems])


def plenary_item(script: Path, built: Path) -> Item | None:
    maker = _load_maker()
    data, speakers = maker.load_script(script)
    folder = built / maker.folder_name(data["meeting"])
    labels = json.loads(script.with_suffix(".labels.json").read_text())
    if not folder.is_dir():
        print(f"skipped {script.name}: build it into {built} first", file=sys.stderr)
        return None
    by_speaker: dict[str, list[str]] = {}
    for utterance in labels["utterances"]:
        by_speaker.setdefault(utterance["speaker"], []).append(utterance["text"])
    programme = script.with_suffix(".programma.yaml")
    if script == SAMPLE_SCRIPT:
        programme = ROOT / "recordings" / "programma.yaml"
    return Item(
        name=script.stem, language="it", reference=" ".join(u["text"] for u in labels["utterances"]),
        folder=folder, by_speaker={k: " ".join(v) for k, v in by_speaker.items()},
        names=_names(speakers.values()), programme=programme if programme.exists() else None,
    )  # fmt: skip


def ami_item() -> Item:
    folder = next(p for p in AMI.iterdir() if p.is_dir() and p.name[0].isdigit())
    by_speaker = {
        p.name[len("words.") : -len(".txt")].replace("_", " "): p.read_text()
        for p in (AMI / "reference").glob("words.*")
    }
    reference = " ".join(by_speaker.values())
    return Item("ami-es2004a", "en", reference, folder=folder, by_speaker=by_speaker, ordered=False)


def _names(speakers: Any) -> list[str]:
    """Full names, first names said alone, and each part of an organisation's name."""
    names = []
    for speaker in speakers:
        words = speaker.name.split()
        names += [speaker.name, words[0]] if words[0].lower() not in ("ipad",) else [words[-1]]
        names += [part.strip() for part in speaker.organisation.split(" - ") if part.strip()]
    return sorted(set(names), key=len, reverse=True)


@lru_cache(maxsize=1)
def _load_maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_sample_plenary", ROOT / "scripts" / "make_sample_plenary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


# --------------------------------------------------------------------------- measures


def name_counts(text: str, names: list[str]) -> Counter:
    """Occurrences of each name in ``text`` (longest first, no overlaps), case-insensitive."""
    remaining = f" {normalise(text)} "
    counts: Counter = Counter()
    for name in names:
        needle = f" {normalise(name)} "
        counts[name] = remaining.count(needle)
        remaining = remaining.replace(needle, " | ")
    return counts


def name_accuracy(reference: str, hypothesis: str, names: list[str]) -> tuple[int, int]:
    said, heard = name_counts(reference, names), name_counts(hypothesis, names)
    return sum(min(said[n], heard[n]) for n in names), sum(said.values())


def cp_errors(reference: dict[str, str], hypothesis: dict[str, str]) -> tuple[int, int]:
    """cpWER's numerator and denominator: speakers paired to minimise the errors."""
    import jiwer
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    refs, hyps = list(reference), list(hypothesis)
    size = max(len(refs), len(hyps))
    cost = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            ref = normalise(reference[refs[i]]) if i < len(refs) else ""
            hyp = normalise(hypothesis[hyps[j]]) if j < len(hyps) else ""
            cost[i, j] = _errors(jiwer, ref, hyp)
    rows, cols = linear_sum_assignment(cost)
    total = sum(len(normalise(text).split()) for text in reference.values())
    return int(cost[rows, cols].sum()), total


def _errors(jiwer: Any, reference: str, hypothesis: str) -> int:
    if not reference:
        return len(hypothesis.split())
    if not hypothesis:
        return len(reference.split())
    out = jiwer.process_words(reference, hypothesis)
    return out.substitutions + out.deletions + out.insertions


# --------------------------------------------------------------------------- running


def transcribe_item(item: Item, engines: Any, settings: Any, scratch: Path) -> tuple[Any, float]:
    """(transcript, seconds): the item through verbali's transcription stage (and alignment
    on the tracks' diarization, for a Zoom folder); seconds of transcription alone."""
    from pipeline import align, diarize, ingest
    from pipeline.artifacts import Segment, Transcript
    from pipeline.audio import decode, load_samples
    from pipeline.ingest.programme import load_programme
    from pipeline.transcribe import session_context, transcribe

    started = time.perf_counter()
    if item.folder is None:  # clips: no session, the vocabulary alone
        segments: list[Segment] = []
        for path in item.audio:
            samples = load_samples(Path(decode(path, scratch / f"{path.stem}.wav").path))
            part = transcribe(samples, engines.transcriber, settings.transcribe, context=session_context(None))
            segments += part.segments
        return Transcript(item.language, segments), time.perf_counter() - started
    session = next(s for s in ingest.discover(item.folder) if hasattr(s, "tracks"))
    programme = load_programme(item.programme) if item.programme else None
    samples = load_samples(Path(decode(session.audio_path, scratch / f"{item.name}.wav").path))
    turns = diarize.diarize(samples, session, diarize.track_diarizer(session, engines), settings.diarize)
    started = time.perf_counter()
    raw = transcribe(
        samples, engines.transcriber, settings.transcribe, context=session_context(session, programme),
        session=session, diarization=turns,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return align.align(raw, turns, settings.align), seconds


def score(item: Item, transcript: Any, seconds: float) -> dict[str, Any]:
    import jiwer

    hypothesis = transcript.text
    words = transcript.words
    result: dict[str, Any] = {"seconds": round(seconds, 2), "text": hypothesis, "words": len(words)}
    result["mean_probability"] = sum(w.probability for w in words) / max(1, len(words))
    result.update(source=getattr(transcript, "source", "mix"), probe=getattr(transcript, "source_probe", {}))
    if item.ordered:
        result["wer"] = jiwer.wer(normalise(item.reference), normalise(hypothesis))
    if item.names:
        right, said = name_accuracy(item.reference, hypothesis, item.names)
        result.update(names_right=right, names_said=said)
    speakers = {s.speaker for s in transcript.segments if s.speaker}
    if item.by_speaker and speakers:
        by_speaker: dict[str, list[str]] = {}
        for segment in transcript.segments:
            by_speaker.setdefault(segment.speaker or "?", []).append(segment.text)
        errors, total = cp_errors(item.by_speaker, {k: " ".join(v) for k, v in by_speaker.items()})
        result["cpwer"] = errors / total
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    from pipeline.config import Settings, TranscribeOptions
    from pipeline.runner import Engines

    items = [clip_item()] + ([ami_item()] if "tracks" in args.sources else [])
    scripts = [SAMPLE_SCRIPT, *sorted(VARIANTS.glob("*.yaml"))]
    items += [i for s in scripts if not s.name.endswith(".programma.yaml") for i in [_plenary(s, args)] if i]
    results: dict[str, Any] = {}
    engines = None
    for source in args.sources.split(","):
        for context in args.contexts.split(","):
            settings = Settings(models_dir=ROOT / "models")
            engines = engines or Engines(settings)
            for item in items:
                if source != "mix" and item.folder is None:
                    continue
                options = TranscribeOptions(context=context, language=item.language, source=source)
                with tempfile.TemporaryDirectory(prefix="verbali-score-") as scratch:
                    transcript, seconds = transcribe_item(item, engines, _with(settings, options), Path(scratch))
                key = f"{source}/{context}"
                results.setdefault(item.name, {})[key] = score(item, transcript, seconds)
                print(f"{item.name:28} {key:18} {_line(results[item.name][key])}", flush=True)
    return results


def _plenary(script: Path, args: argparse.Namespace) -> Item | None:
    return plenary_item(script, ROOT / "recordings" if script == SAMPLE_SCRIPT else args.plenaries)


def _with(settings: Any, options: Any) -> Any:
    from dataclasses import replace

    return replace(settings, transcribe=options)


def _line(result: dict[str, Any]) -> str:
    parts = [f"WER {result['wer']:.3f}"] if "wer" in result else []
    if "cpwer" in result:
        parts.append(f"cpWER {result['cpwer']:.3f}")
    if "names_said" in result:
        parts.append(f"names {result['names_right']}/{result['names_said']}")
    parts.append(f"p̄ {result['mean_probability']:.3f}  {result['seconds']:.1f} s  from {result['source']}")
    parts += [f"probe {json.dumps(result['probe'])}"] if result["probe"] else []
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", default="off,hotwords,prompt,both")
    parser.add_argument("--sources", default="mix", help="mix,tracks: also score the AMI folder")
    parser.add_argument("--plenaries", type=Path, default=Path(tempfile.gettempdir()) / "verbali-plenaries")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args)
    summary = {"isa": os.environ.get("CT2_FORCE_CPU_ISA", "native"), "results": results}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
