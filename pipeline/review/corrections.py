"""Applying editors' corrections on top of the generated artifacts.

``apply_corrections(transcript, tables, corrections)`` is a pure function: the artifacts
on disk are never modified; the verbale and the exports are rendered from what it
returns. Each operation is a small function of (transcript, tables, arguments) that
works on copies and says whether it found what it was about. A correction whose
sentence or table cannot be found any more (the recording was transcribed again and
the sentence changed too much) is returned in ``unmatched``, for the editor to redo.

Operations (``op`` and its fields in ``corrections.jsonl``):

=================== ==================================================================
rename_speaker      ``from``, ``to``: everywhere (utterances, tables, spokesperson)
merge_speakers      ``from``, ``into``: the voice ``from`` is ``into``
reassign_sentence   ``sentence`` (anchor), ``speaker``
set_table           ``table`` (anchor); any of ``number``, ``theme``, ``spokesperson``,
                    ``organisation``
move_table_bound    ``table`` (anchor), ``edge`` (start | end), ``time`` (seconds)
move_heading        ``sentence`` (anchor), ``heading`` (criticita | risorse | proposte |
                    rete | altro)
fix_text            ``sentence`` (anchor), ``text``: word times kept for unchanged words
replace             ``find``, ``replace``, ``case_sensitive`` (default false)
undo                ``ids``: the corrections it cancels
=================== ==================================================================

An anchor is ``{"start": s, "end": s, "text": "..."}``, the sentence or table as shown.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts import OtherPart, Segment, Tables, Transcript
from pipeline.review.matching import Anchor, find_by_overlap, find_by_time_and_text, find_words
from pipeline.review.records import Correction, CorrectionError, read_corrections
from pipeline.review.sentences import inside, plain_sentences
from pipeline.review.textedit import joined, retime
from pipeline.tables.options import STATES

HEADINGS = STATES  # criticita, risorse, proposte, rete, altro


class Unmatched(Exception):
    """What a correction was about is not in these artifacts."""


@dataclass
class Reviewed:
    """The artifacts with the corrections applied, and the corrections that found nothing."""

    transcript: Transcript
    tables: Tables
    applied: list[Correction] = field(default_factory=list)
    unmatched: list[tuple[Correction, str]] = field(default_factory=list)
    undone: set[int] = field(default_factory=set)


def apply_corrections(transcript: Transcript, tables: Tables, corrections: Sequence[Correction]) -> Reviewed:
    result = Reviewed(copy.deepcopy(transcript), copy.deepcopy(tables))
    result.undone = undone_ids(corrections)
    for correction in corrections:
        if correction.op == "undo" or correction.id in result.undone:
            continue
        try:
            OPERATIONS[correction.op](result.transcript, result.tables, correction.args)
            result.applied.append(correction)
        except Unmatched as reason:
            result.unmatched.append((correction, str(reason)))
        except (KeyError, ValueError, TypeError) as problem:
            result.unmatched.append((correction, f"correzione non valida ({problem})"))
    return result


def corrected(folder: Path, transcript: Transcript, tables: Tables) -> Reviewed:
    """The session's artifacts with its saved corrections (none: the artifacts as they are)."""
    return apply_corrections(transcript, tables, read_corrections(folder))


def undone_ids(corrections: Iterable[Correction]) -> set[int]:
    return {int(i) for c in corrections if c.op == "undo" for i in c.args.get("ids", [])}


# --------------------------------------------------------------------------- validation


def validate(op: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of a correction as they will be saved; CorrectionError if malformed."""
    if op not in OPERATIONS and op != "undo":
        raise CorrectionError(f"operazione sconosciuta: {op!r}")
    required = REQUIRED[op]
    missing = [name for name in required if args.get(name) in (None, "")]
    if missing:
        raise CorrectionError(f"{op}: manca {', '.join(missing)}")
    clean = {name: args[name] for name in (*required, *OPTIONAL.get(op, ())) if name in args}
    try:
        for name in ("sentence", "table"):
            if name in clean:
                clean[name] = Anchor.from_dict(clean[name]).to_dict()
        _check_values(op, clean)
    except (ValueError, TypeError) as problem:
        raise CorrectionError(f"{op}: {problem}") from None
    return clean


def _check_values(op: str, args: dict[str, Any]) -> None:
    for name in ("from", "to", "into", "speaker", "find", "text", "theme", "spokesperson", "organisation"):
        if name in args and args[name] is not None and not isinstance(args[name], str):
            raise ValueError(f"{name} deve essere un testo")
    if op == "move_heading" and args["heading"] not in HEADINGS:
        raise ValueError(f"intestazione sconosciuta {args['heading']!r} (una di {', '.join(HEADINGS)})")
    if op == "move_table_bound":
        if args["edge"] not in ("start", "end"):
            raise ValueError("edge deve essere start o end")
        args["time"] = float(args["time"])
        if args["time"] < 0:
            raise ValueError("time deve essere positivo")
    if op == "set_table" and args.get("number") not in (None, ""):
        args["number"] = int(args["number"])
        if args["number"] < 1:
            raise ValueError("il numero del tavolo deve essere positivo")
    if op == "set_table" and not set(args) - {"table"}:
        raise ValueError("nulla da cambiare")
    if op == "undo":
        args["ids"] = [int(i) for i in args["ids"]]
    if op == "replace":
        args.setdefault("replace", "")
        args["case_sensitive"] = bool(args.get("case_sensitive", False))


# --------------------------------------------------------------------------- speakers


def rename_speaker(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    old, new = args["from"], args["to"].strip()
    changed = 0
    for item in [*transcript.segments, *tables.tables, *tables.other]:
        if item.speaker == old:
            item.speaker = new
            changed += 1
    for table in tables.tables:
        if table.spokesperson.name == old:
            table.spokesperson.name = new
            changed += 1
    tables.people = [new if person == old else person for person in tables.people]
    if not changed:
        raise Unmatched(f"l'oratore «{old}» non compare più nella trascrizione")


def merge_speakers(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    rename_speaker(transcript, tables, {"from": args["from"], "to": args["into"]})


def reassign_sentence(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    span = _words_of(transcript, args["sentence"])
    segment = transcript.segments[span.segment]
    parts = [segment.words[: span.first], segment.words[span.first : span.last], segment.words[span.last :]]
    speakers = [segment.speaker, args["speaker"], segment.speaker]
    pieces = [
        Segment(words[0].start, words[-1].end, joined(words), list(words), speaker, segment.overlap)
        for words, speaker in zip(parts, speakers, strict=True)
        if words
    ]
    transcript.segments[span.segment : span.segment + 1] = pieces


# --------------------------------------------------------------------------- tables


def set_table(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    table = tables.tables[_table_index(tables, args["table"])]
    if args.get("number") not in (None, ""):
        table.table_number = int(args["number"])
    if args.get("theme") is not None:
        table.theme = args["theme"].strip() or None
    if args.get("spokesperson") is not None:
        table.spokesperson.name = args["spokesperson"].strip() or None
    if args.get("organisation") is not None:
        table.spokesperson.organisation = args["organisation"].strip() or None
    table.doubtful = False
    table.confidence = 1.0


def move_table_bound(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    table = tables.tables[_table_index(tables, args["table"])]
    start, end = (args["time"], table.end) if args["edge"] == "start" else (table.start, args["time"])
    if end <= start:
        raise ValueError("l'inizio del tavolo deve precedere la fine")
    kept = [s for s in table.sentences if inside(s, start, end)]
    added = [s for s in plain_sentences(transcript, start, end) if not any(_overlaps(s, k) for k in kept)]
    table.start, table.end = start, end
    table.sentences = sorted(kept + added, key=lambda s: s.start)
    tables.other = [part for other in tables.other for part in _outside(other, start, end)]


def _overlaps(a: Any, b: Any) -> bool:
    return min(a.end, b.end) - max(a.start, b.start) > 0.05


def _outside(part: OtherPart, start: float, end: float) -> list[OtherPart]:
    """What is left of a non-report part once a table's report covers start..end."""
    pieces = []
    if part.start < start:
        pieces.append(OtherPart(part.kind, part.start, min(part.end, start), part.speaker, part.table_number))
    if part.end > end:
        pieces.append(OtherPart(part.kind, max(part.start, end), part.end, part.speaker, part.table_number))
    return [p for p in pieces if p.end - p.start > 0.05]


def move_heading(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    anchor = Anchor.from_dict(args["sentence"])
    for table in tables.tables:
        index = find_by_time_and_text(table.sentences, anchor)
        if index is not None:
            sentence = table.sentences[index]
            sentence.heading, sentence.doubtful, sentence.confidence = args["heading"], False, 1.0
            return
    raise Unmatched(f"la frase «{_short(anchor.text)}» non è più nel resoconto di un tavolo")


def _table_index(tables: Tables, anchor_data: Any) -> int:
    anchor = Anchor.from_dict(anchor_data)
    index = find_by_overlap(tables.tables, anchor)
    if index is None:
        raise Unmatched(f"nessun tavolo tra {anchor.start:.0f} s e {anchor.end:.0f} s")
    return index


# --------------------------------------------------------------------------- text


def fix_text(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    anchor = Anchor.from_dict(args["sentence"])
    span = _words_of(transcript, anchor)
    segment = transcript.segments[span.segment]
    old = segment.words[span.first : span.last]
    new = retime(old, args["text"])
    _replace_words(segment, span.first, span.last, new)
    for table in tables.tables:
        index = find_by_time_and_text(table.sentences, Anchor(old[0].start, old[-1].end, anchor.text))
        if index is not None:
            sentence = table.sentences[index]
            sentence.text = args["text"].strip()
            if new:
                sentence.start, sentence.end = new[0].start, new[-1].end


def replace_text(transcript: Transcript, tables: Tables, args: Mapping[str, Any]) -> None:
    flags = 0 if args.get("case_sensitive") else re.IGNORECASE
    pattern = re.compile(re.escape(args["find"]), flags)
    swap: Callable[[str], str] = lambda text: pattern.sub(lambda _: args.get("replace", ""), text)  # noqa: E731
    found = 0
    for segment in transcript.segments:
        if pattern.search(segment.text):
            found += 1
            _replace_words(segment, 0, len(segment.words), retime(segment.words, swap(joined(segment.words))))
    for table in tables.tables:
        for sentence in table.sentences:
            sentence.text = swap(sentence.text)
        for name in ("theme",):
            if getattr(table, name):
                setattr(table, name, swap(getattr(table, name)))
        for person in ("name", "organisation"):
            value = getattr(table.spokesperson, person)
            if value:
                setattr(table.spokesperson, person, swap(value))
    if not found:
        raise Unmatched(f"«{args['find']}» non compare più nella trascrizione")


def _replace_words(segment: Segment, first: int, last: int, words: list) -> None:
    segment.words[first:last] = words
    segment.text = joined(segment.words)
    if segment.words:
        segment.start, segment.end = segment.words[0].start, segment.words[-1].end


def _words_of(transcript: Transcript, anchor_data: Any):
    anchor = anchor_data if isinstance(anchor_data, Anchor) else Anchor.from_dict(anchor_data)
    span = find_words(transcript, anchor)
    if span is None:
        raise Unmatched(f"la frase «{_short(anchor.text)}» non si ritrova nella trascrizione")
    return span


def _short(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


OPERATIONS: dict[str, Callable[[Transcript, Tables, Mapping[str, Any]], None]] = {
    "rename_speaker": rename_speaker,
    "merge_speakers": merge_speakers,
    "reassign_sentence": reassign_sentence,
    "set_table": set_table,
    "move_table_bound": move_table_bound,
    "move_heading": move_heading,
    "fix_text": fix_text,
    "replace": replace_text,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "rename_speaker": ("from", "to"),
    "merge_speakers": ("from", "into"),
    "reassign_sentence": ("sentence", "speaker"),
    "set_table": ("table",),
    "move_table_bound": ("table", "edge", "time"),
    "move_heading": ("sentence", "heading"),
    "fix_text": ("sentence", "text"),
    "replace": ("find",),
    "undo": ("ids",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "set_table": ("number", "theme", "spokesperson", "organisation"),
    "replace": ("replace", "case_sensitive"),
}
