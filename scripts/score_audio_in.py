#!/usr/bin/env python3
"""Audio-in figures for the tables stage: run the real pipeline on synthesised plenaries and score them.

    python scripts/synthesise_plenaries.py tests/data/heldout          # -> /work/scratch/audioin/heldout
    python scripts/score_audio_in.py /work/scratch/audioin/heldout --totals-only
    python scripts/score_audio_in.py /work/scratch/audioin/plenaries --asr-material tests/data/plenaries-asr

For every ``labels/<name>.labels.json`` of the set, ``python -m pipeline run`` (the defaults a user
gets: Whisper base, the mix, speakers from the tracks) processes ``recordings/<its recording>`` into
``outputs/<name>/`` (its own outputs folder, so that several copies of this script can share a
set: each claims a session before running it); a session already run is not run again. Each
transcript is then scored with
``scripts/score_tables.py``'s functions, without and with the programme (sessions that have one),
and the per-set totals are printed; ``--totals-only`` prints nothing per session (held-out sets).
The run time per audio hour is printed from the sessions' ``outputs/<name>/timing.json``.

``--asr-material DIR`` writes, for each session, ``<name>.transcript.json`` (the pipeline's) and
``<name>.labels.json`` (each ASR segment takes the table and heading of the utterance it overlaps
most in time): the shape ``verbali train --labels`` and ``score_tables.py --plenaries`` read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCRIPT_DIR = Path(__file__).resolve().parent
ROOT = SCRIPT_DIR.parent
for path in (SCRIPT_DIR, ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import score_tables  # noqa: E402

from pipeline.artifacts import Transcript  # noqa: E402
from pipeline.ingest import discover  # noqa: E402
from pipeline.tables import Tables  # noqa: E402

TIMING = "timing.json"
CLAIM = ".claimed"


@dataclass(frozen=True)
class AudioSession:
    """A synthesised plenary: its timed labels, its Zoom folder and the pipeline's output folder."""

    name: str
    labels: Path
    recording: Path
    output: Path  # the pipeline's folder for the session, inside ``run_dir``

    @property
    def run_dir(self) -> Path:
        return self.output.parent

    @property
    def timing(self) -> dict[str, float] | None:
        path = self.run_dir / TIMING
        return json.loads(path.read_text()) if path.is_file() else None

    @property
    def programme(self) -> Path | None:
        path = self.recording / "programma.yaml"
        return path if path.is_file() else None

    @property
    def transcript(self) -> Path:
        return self.output / "transcript.json"

    def labelled(self) -> score_tables.LabelledSession:
        return score_tables.LabelledSession(self.name, self.transcript, self.labels, self.programme)


def audio_sessions(set_dir: Path) -> list[AudioSession]:
    sessions = []
    for labels in sorted((set_dir / "labels").glob("*.labels.json")):
        recording = set_dir / "recordings" / json.loads(labels.read_text(encoding="utf-8"))["recording"]
        (found,) = discover(recording)
        name = labels.name.removesuffix(".labels.json")
        sessions.append(AudioSession(name, labels, recording, set_dir / "outputs" / name / found.session_id))
    return sessions


# --------------------------------------------------------------------------- running


def run_pipeline(session: AudioSession) -> float:
    """``python -m pipeline run`` on one recording with the user's defaults; return the wall time."""
    began = time.monotonic()
    command = [sys.executable, "-m", "pipeline", "run", str(session.recording), "--out", str(session.run_dir)]
    subprocess.run([*command, "--quiet"], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.monotonic() - began


def claim(session: AudioSession) -> bool:
    """Take the session for this process; False when it is done or another process has it."""
    session.run_dir.mkdir(parents=True, exist_ok=True)
    try:
        (session.run_dir / CLAIM).open("x").close()
    except FileExistsError:
        return False
    return session.timing is None


def run_all(sessions: list[AudioSession], limit: int | None = None) -> None:
    runs = 0
    for position, session in enumerate(sessions, 1):
        if limit is not None and runs >= limit:
            return
        if not claim(session):
            continue
        runs += 1
        seconds = run_pipeline(session)
        duration = json.loads(session.labels.read_text(encoding="utf-8"))["duration"]
        (session.run_dir / TIMING).write_text(json.dumps({"wall_s": round(seconds, 1), "audio_s": duration}) + "\n")
        print(f"[{position}/{len(sessions)}] run in {seconds:.0f} s for {duration / 60:.1f} min of audio", flush=True)


def timing_line(sessions: list[AudioSession]) -> str:
    runs = [s.timing for s in sessions if s.timing is not None]
    wall = sum(r["wall_s"] for r in runs)
    audio = sum(r["audio_s"] for r in runs)
    if not audio:
        return "run time: not measured"
    return (
        f"run time: {wall / 60:.1f} min for {audio / 3600:.2f} h of audio in {len(runs)} sessions"
        f" = {wall / 60 / (audio / 3600):.1f} min per audio hour"
    )


# --------------------------------------------------------------------------- scoring


def pipeline_scores(session: AudioSession) -> score_tables.Scores:
    """The tables the pipeline itself wrote (with the programme when the folder has one, and the session)."""
    _, labels = session.labelled().load()
    tables = Tables.from_dict(json.loads((session.output / "tables.json").read_text(encoding="utf-8")))
    return score_tables.score_session(tables, labels)


def print_scores(set_dir: Path, sessions: list[AudioSession], *, totals_only: bool) -> None:
    done = [s for s in sessions if s.timing is not None]
    print(f"== {set_dir.name}: {len(done)}/{len(sessions)} sessions transcribed")
    with_programme = [s for s in done if s.programme is not None]
    runs = {
        "without programme": (
            done,
            {s.name: score_tables.score_one(s.labelled(), use_programme=False)[0] for s in done},
        ),
        "with programme": (
            with_programme,
            {s.name: score_tables.score_one(s.labelled(), use_programme=True)[0] for s in with_programme},
        ),
        "pipeline's tables.json": (done, {s.name: pipeline_scores(s) for s in done}),
    }
    for title, (members, per_session) in runs.items():
        print(f"-- {title} ({len(members)} sessions)")
        if not members:
            continue
        if not totals_only:
            for name, scores in per_session.items():
                print(f"  {name:32} {score_tables.format_scores(scores)}")
        total = sum(per_session.values(), score_tables.Scores())
        print(f"  {'TOTAL':32} {score_tables.format_scores(total)}")
        if title == "without programme":
            print(score_tables.format_headings(total))


# --------------------------------------------------------------------------- ASR training material


def segment_labels(transcript: Transcript, utterances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each ASR segment takes the table and heading of the utterance it overlaps most (none: null)."""
    labelled = []
    for index, segment in enumerate(transcript.segments):
        best = max(utterances, key=lambda u: score_tables._overlap(segment.start, segment.end, u["start"], u["end"]))
        if score_tables._overlap(segment.start, segment.end, best["start"], best["end"]) <= 0:
            best = {"table": None, "heading": None}
        table = best["table"]
        labelled.append({"index": index, "table_number": table, "heading": best["heading"] if table else None})
    return labelled


def write_asr_material(session: AudioSession, folder: Path) -> None:
    data = json.loads(session.labels.read_text(encoding="utf-8"))
    transcript_text = session.transcript.read_text(encoding="utf-8")
    transcript = Transcript.from_dict(json.loads(transcript_text))
    labels = {
        "session": session.name,
        "tables": data["tables"],
        "announced_not_presented": data["announced_not_presented"],
        "segments": segment_labels(transcript, data["utterances"]),
        "organisations": data["organisations"],
        # the labelled utterances' times: a segment often joins several, so training labels each sentence by them
        "utterances": [{k: u[k] for k in ("start", "end", "table", "heading")} for u in data["utterances"]],
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{session.name}.transcript.json").write_text(transcript_text, encoding="utf-8")
    text = json.dumps(labels, indent=1, ensure_ascii=False) + "\n"
    (folder / f"{session.name}.labels.json").write_text(text, encoding="utf-8")
    if session.programme is not None:
        (folder / f"{session.name}.programma.yaml").write_bytes(session.programme.read_bytes())


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set_dir", type=Path, help="a folder written by synthesise_plenaries.py (labels/, recordings/)")
    parser.add_argument("--no-run", action="store_true", help="only score what is already transcribed")
    parser.add_argument("--no-score", action="store_true", help="only run the pipeline (e.g. a second worker)")
    parser.add_argument("--limit", type=int, help="run at most this many sessions")
    parser.add_argument("--reverse", action="store_true", help="run the sessions last first (a second worker)")
    parser.add_argument("--totals-only", action="store_true", help="no per-session lines (held-out sets)")
    parser.add_argument("--asr-material", type=Path, help="write ASR-output training material into this folder")
    args = parser.parse_args(argv)
    sessions = audio_sessions(args.set_dir)
    if not args.no_run:
        run_all(sessions[::-1] if args.reverse else sessions, args.limit)
    if args.no_score:
        return 0
    print_scores(args.set_dir, sessions, totals_only=args.totals_only)
    print(timing_line(sessions))
    if args.asr_material:
        for session in sessions:
            if session.timing is not None:
                write_asr_material(session, args.asr_material)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
