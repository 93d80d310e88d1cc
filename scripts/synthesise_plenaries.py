#!/usr/bin/env python3
"""Speak every labelled plenary of a folder into a Zoom local-recording folder, with timed labels.

    python scripts/synthesise_plenaries.py tests/data/plenaries [--out /work/scratch/audioin] [NAME ...]

For each ``<name>.yaml`` (the schema of ``tests/data/plenaries/README.md``) this writes, under
``<out>/<set>/`` where ``<set>`` is the source folder's name:

* ``recordings/<Zoom folder>/``: what ``scripts/make_sample_plenary.py`` writes (per-participant
  tracks in ``Audio Record/``, mix, chat, recording.conf), plus ``programma.yaml`` when the session
  has a ``<name>.programma.yaml``;
* ``labels/<name>.labels.json``: every utterance with its start/end in the recording, table and
  heading, the tables' spans and spokespersons (the shape ``scripts/score_tables.py --labels`` reads),
  and ``labels/<name>.rttm``.

Speakers keep the YAML's display names; a ``SPEAKER_nn`` label gets the person's name from its
description in ``speakers`` ("facilitatrice, Elena Marchi, Ufficio di Piano" -> "Elena Marchi"), else
"Partecipante N". Each speaker gets a voice of its own from a fixed palette (Festival lp/pc and eSpeak
NG variants with pitch and rate changes) in order of first speaking. The output is deterministic.
Words marked ``~`` (deliberately misheard) are spoken as written, without the mark.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

SCRIPT_DIR = Path(__file__).resolve().parent
ROOT = SCRIPT_DIR.parent
if str(SCRIPT_DIR) not in sys.path:
    sys.path.insert(0, str(SCRIPT_DIR))

import make_sample_plenary as sample  # noqa: E402

DEFAULT_OUT = Path("/work/scratch/audioin")
FIRST_TRACK = 16778240  # Zoom's numeric suffixes of per-participant files, as in the sample
TRACK_STEP = 1024
TAIL_S = 1.5
FIRST_PAUSE_S = 1.2
MEETING_TIME = "17:30:00"
DIARISATION_LABEL = re.compile(r"^SPEAKER_\d+$")
FULL_NAME = re.compile(r"\b(?:don |suor )?[A-ZÀ-Ý][a-zà-ÿ']+(?: [A-ZÀ-Ý][a-zà-ÿ']+)+")
FIRST_NAME = re.compile(r"^(?:don |suor )?[A-ZÀ-Ý][a-zà-ÿ']+$")


@dataclass(frozen=True)
class Voice:
    voice: str
    pitch: float
    speed: float


# Distinct enough to tell apart by ear; after the last one the palette repeats a semitone higher.
VOICES = (
    Voice("festival:lp_diphone", 0.0, 1.0),
    Voice("festival:pc_diphone", 0.0, 1.0),
    Voice("festival:lp_diphone", -3.0, 1.05),
    Voice("festival:pc_diphone", -2.5, 0.97),
    Voice("espeak-ng:it+klatt", 4.0, 0.74),
    Voice("festival:lp_diphone", 2.5, 0.95),
    Voice("festival:pc_diphone", 2.0, 1.05),
    Voice("espeak-ng:it+m3", 0.0, 0.8),
    Voice("espeak-ng:it+f2", 2.0, 0.8),
    Voice("festival:lp_diphone", -5.0, 1.0),
    Voice("festival:pc_diphone", -4.5, 0.93),
    Voice("espeak-ng:it+klatt4", -2.0, 0.78),
)


def load_plenary_builder() -> ModuleType:
    """``tests/data/plenaries/build.py``, which validates a plenary YAML."""
    path = ROOT / "tests" / "data" / "plenaries" / "build.py"
    spec = importlib.util.spec_from_file_location("plenaries_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


builder = load_plenary_builder()


# --------------------------------------------------------------------------- speakers


def display_name(label: str, description: str | None, position: int) -> str:
    """The Zoom display name for a speaker label of the YAML."""
    if not DIARISATION_LABEL.match(label):
        return label
    parts = [p.strip() for p in (description or "").split(",")]
    for part in parts:
        found = FULL_NAME.search(part)
        if found and not _looks_like_organisation(found.group(0)):
            return found.group(0)
    for part in parts:
        if FIRST_NAME.match(part):
            return part
    return f"Partecipante {position + 1}"


def _looks_like_organisation(name: str) -> bool:
    return name.split()[0] in {"Ufficio", "Comune", "Consorzio", "Cooperativa", "Associazione", "Azienda", "Caritas"}


def display_names(utterances: list[Any], descriptions: dict[str, str]) -> dict[str, str]:
    """Label -> unique display name, in order of first speaking."""
    names: dict[str, str] = {}
    for utterance in utterances:
        label = utterance.speaker
        if label in names:
            continue
        name = display_name(label, descriptions.get(label), len(names))
        while name in names.values():
            name = f"{name} ({len(names) + 1})"
        names[label] = name
    return names


def speakers_for(names: dict[str, str]) -> dict[str, sample.Speaker]:
    speakers = {}
    for position, name in enumerate(names.values()):
        voice = VOICES[position % len(VOICES)]
        shift = float(position // len(VOICES))
        speakers[name] = sample.Speaker(
            name=name,
            voice=voice.voice,
            pitch=voice.pitch + shift,
            speed=voice.speed,
            role="participant",
            organisation="",
            track=FIRST_TRACK + TRACK_STEP * position,
        )
    return speakers


# --------------------------------------------------------------------------- script


def spoken_text(tokens: tuple[tuple[str, bool], ...]) -> str:
    return " ".join(word for word, _ in tokens)


def meeting_of(name: str) -> dict[str, Any]:
    """Zoom meeting facts derived from the session name alone (stable across runs)."""
    date = builder.SESSION_DATE.search(name)
    assert date is not None, name
    place = name[: date.start()].strip("-").replace("-", " ")
    checksum = zlib.crc32(name.encode())
    return {
        "date": date.group(1),
        "time": MEETING_TIME,
        "topic": f"Coprogrammazione {place}",
        "meeting_id": str(80_000_000_000 + checksum % 10_000_000_000),
        "lead_in_s": FIRST_PAUSE_S,
        "tail_s": TAIL_S,
        "seed": checksum,
    }


def script_of(session: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The plenary in the script shape ``make_sample_plenary`` speaks."""
    utterances = []
    for position, utterance in enumerate(session["utterances"]):
        line: dict[str, Any] = {
            "speaker": names[utterance.speaker],
            "text": spoken_text(utterance.tokens),
            "table": utterance.table,
            "heading": utterance.heading,
        }
        if utterance.pause_ms is not None and position > 0:
            line["pause"] = utterance.pause_ms / 1000
        utterances.append(line)
    meeting = meeting_of(session["session"])
    first_pause = session["utterances"][0].pause_ms
    if first_pause is not None:
        meeting["lead_in_s"] = first_pause / 1000
    return {"meeting": meeting, "utterances": utterances, "chat": []}


# --------------------------------------------------------------------------- labels


def timed_labels(
    session: dict[str, Any], names: dict[str, str], placed: list[sample.Placed], recording: str, duration: float
) -> dict[str, Any]:
    """The gold labels with times in the recording (score_tables' utterance shape)."""
    tables = []
    for table in session["tables"]:
        mine = [p for p in placed if p.table == table["table_number"]]
        people = table["people"]
        item = {"table_number": table["table_number"], "theme": table["theme"], "spokesperson": people[0]}
        if len(people) > 1:
            item["spokespersons"] = people
        item.update({"speaker": mine[0].speaker, "start": mine[0].start, "end": mine[-1].end})
        tables.append(item)
    tables.sort(key=lambda t: t["start"])
    return {
        "session": session["session"],
        "recording": recording,
        "duration": round(duration, 3),
        "speakers": names,
        "tables": tables,
        "announced_not_presented": session["announced"],
        "organisations": session["organisations"],
        "utterances": [
            {
                "index": i,
                "speaker": p.speaker,
                "start": p.start,
                "end": p.end,
                "table": p.table,
                "heading": p.heading,
            }
            for i, p in enumerate(placed)
        ],
    }


# --------------------------------------------------------------------------- main


def synthesise_session(source: Path, out: Path) -> Path:
    """One plenary YAML -> Zoom folder under ``out/recordings`` and labels under ``out/labels``."""
    session = builder.load_session(source)
    descriptions = (yaml.safe_load(source.read_text(encoding="utf-8")) or {}).get("speakers") or {}
    names = display_names(session["utterances"], descriptions)
    script = script_of(session, names)
    programme = source.with_name(f"{source.stem}.programma.yaml")
    extra = {"programma.yaml": programme.read_bytes()} if programme.is_file() else {}
    folder, placed, duration = sample.synthesise_folder(script, speakers_for(names), out / "recordings", extra)
    labels_dir = out / "labels"
    labels_dir.mkdir(parents=True, exist_ok=True)
    data = timed_labels(session, names, placed, folder.name, duration)
    sample.write_atomic(labels_dir / f"{source.stem}.labels.json", json.dumps(data, indent=1, ensure_ascii=False))
    sample.write_atomic(labels_dir / f"{source.stem}.rttm", sample.rttm(sample.turns_of(placed)))
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of plenary YAML files (e.g. tests/data/heldout)")
    parser.add_argument("sessions", nargs="*", help="only these session names")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output root (default {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="redo sessions whose labels already exist")
    args = parser.parse_args(argv)
    out = args.out / args.folder.resolve().name
    sources = builder.sources(args.folder)
    if args.sessions:
        sources = [s for s in sources if s.stem in set(args.sessions)]
    for source in sources:
        if (out / "labels" / f"{source.stem}.labels.json").exists() and not args.force:
            print(f"{source.stem}: already there")
            continue
        began = time.monotonic()
        folder = synthesise_session(source, out)
        print(f"{source.stem}: {folder.name} ({time.monotonic() - began:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
