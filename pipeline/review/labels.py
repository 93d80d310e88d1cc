"""Approved sessions as training data: the labelled format of ``tests/data/plenaries/``.

For each approved session, ``<session-id>.transcript.json`` (the corrected transcript, each
utterance cut where a report sentence begins or ends, so that every segment has one table
and one heading) and ``<session-id>.labels.json`` (tables with number, theme, spokesperson,
speaker and times; per segment its table and heading; organisations; the other parts),
which ``scripts/score_tables.py`` and the tables stage's tuning read as they read the
hand-labelled plenaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.artifacts import Segment, Tables, Transcript
from pipeline.review.documents import has_artifacts, load_artifacts
from pipeline.review.freeze import read_approval
from pipeline.review.sentences import inside
from pipeline.review.textedit import joined
from pipeline.storage.files import write_json


def approved_sessions(outputs_dir: Path) -> list[Path]:
    return [
        p.parent
        for p in sorted(outputs_dir.glob("*/session.json"))
        if read_approval(p.parent) and has_artifacts(p.parent)
    ]


def export_labels(outputs_dir: Path, target: Path) -> list[Path]:
    """Write the labels of every approved session into ``target``; returns the files written."""
    written = []
    for folder in approved_sessions(outputs_dir):
        reviewed = load_artifacts(folder).reviewed()
        transcript, labels = labelled(folder.name, reviewed.transcript, reviewed.tables)
        written.append(write_json(target / f"{folder.name}.transcript.json", transcript))
        written.append(write_json(target / f"{folder.name}.labels.json", labels))
    return written


def labelled(name: str, transcript: Transcript, tables: Tables) -> tuple[dict[str, Any], dict[str, Any]]:
    segments, units = _cut_at_report_sentences(transcript, tables)
    cut = Transcript(transcript.language, segments, transcript.duration, transcript.model, 1.0)
    labels = {
        "session": name,
        "tables": [
            {
                "table_number": t.table_number,
                "theme": t.theme,
                "spokesperson": {
                    "name": t.spokesperson.name,
                    "organisation": t.spokesperson.organisation,
                    "heard_as": None,
                },
                "speaker": t.speaker,
                "start": round(t.start, 3),
                "end": round(t.end, 3),
            }
            for t in tables.tables
        ],
        "announced_not_presented": list(tables.announced_not_presented),
        "segments": [
            {"index": i, "table_number": table, "heading": heading} for i, (table, heading) in enumerate(units)
        ],
        "organisations": list(tables.organisations),
        "other": [{"kind": o.kind, "start": round(o.start, 3), "end": round(o.end, 3)} for o in tables.other],
    }
    return cut.to_dict(), labels


def _cut_at_report_sentences(
    transcript: Transcript, tables: Tables
) -> tuple[list[Segment], list[tuple[int | None, str | None]]]:
    segments: list[Segment] = []
    units: list[tuple[int | None, str | None]] = []
    for segment in transcript.segments:
        run: list = []
        key: tuple[int | None, str | None] | None = None
        for word in segment.words:
            word_key = _label_of(word, tables)
            if run and word_key != key:
                segments.append(_piece(segment, run))
                units.append(key)  # type: ignore[arg-type]
                run = []
            run.append(word)
            key = word_key
        if run:
            segments.append(_piece(segment, run))
            units.append(key)  # type: ignore[arg-type]
    return segments, units


def _label_of(word, tables: Tables) -> tuple[int | None, str | None]:
    """A word in a report sentence belongs to its table and heading; any other word to no report
    (an interruption inside a report is not part of it, as in the plenaries' labelling rules)."""
    for table in tables.tables:
        if inside(word, table.start, table.end):
            for sentence in table.sentences:
                if inside(word, sentence.start, sentence.end):
                    return table.table_number, sentence.heading
    return None, None


def _piece(segment: Segment, words: list) -> Segment:
    return Segment(words[0].start, words[-1].end, joined(words), list(words), segment.speaker, segment.overlap)
