"""What the pages show: the sessions list, and a session's transcript as sentences with their words."""

from __future__ import annotations

import bisect
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts import Transcript
from pipeline.review.corrections import Reviewed
from pipeline.review.documents import has_artifacts, load_artifacts
from pipeline.review.freeze import read_approval
from pipeline.review.records import CORRECTIONS_FILE, read_corrections
from pipeline.review.sentences import inside, plain_sentences

SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
LOW_PROBABILITY = 0.5  # a word heard with less is marked for checking
HEADING_TITLES = {
    "criticita": "Criticità",
    "risorse": "Risorse",
    "proposte": "Proposte",
    "rete": "Lavoro di rete",
    "altro": "Altro",
}
OPERATION_LABELS = {
    "rename_speaker": "oratore rinominato",
    "merge_speakers": "oratori uniti",
    "reassign_sentence": "frase attribuita a un altro oratore",
    "set_table": "dati del tavolo",
    "move_table_bound": "inizio o fine del tavolo",
    "move_heading": "frase spostata sotto un'altra domanda",
    "fix_text": "testo corretto",
    "replace": "cerca e sostituisci",
    "undo": "annullamento",
}
STATES = {
    "running": "in lavorazione",
    "draft": "bozza",
    "review": "in revisione",
    "approved": "approvato",
    "failed": "non riuscita",
}


def valid_session_id(session_id: str) -> bool:
    return bool(SESSION_ID.match(session_id)) and ".." not in session_id


# --------------------------------------------------------------------------- sessions list


@dataclass
class SessionSummary:
    session_id: str
    state: str  # a key of STATES
    topic: str = ""
    date: str = ""
    tables: int = 0
    doubtful: int = 0
    corrections: int = 0
    progress: dict[str, Any] | None = None
    detail: str | None = None

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def summarise(folder: Path, running: dict[str, Any] | None = None, failed: str | None = None) -> SessionSummary:
    session = _json(folder / "session.json") or {}
    summary = SessionSummary(folder.name, "running", session.get("topic", ""), session.get("date") or "")
    summary.corrections = len(read_corrections(folder)) if folder.exists() else 0
    if has_artifacts(folder):
        summary.tables, summary.doubtful = _counts(folder, _stamp(folder))
    if running is not None:
        summary.progress = running
    elif failed:
        summary.state, summary.detail = "failed", failed
    elif read_approval(folder):
        summary.state = "approved"
    elif not (folder / "verbale.json").exists():
        summary.state = "running"
    else:
        summary.state = "review" if summary.corrections else "draft"
    return summary


def _stamp(folder: Path) -> tuple[float, ...]:
    names = ("tables.json", "transcript.json", CORRECTIONS_FILE)
    return tuple((folder / n).stat().st_mtime if (folder / n).exists() else 0.0 for n in names)


@functools.lru_cache(maxsize=512)
def _counts(folder: Path, stamp: tuple[float, ...]) -> tuple[int, int]:
    """Tables and doubtful sentences, as the session's page shows them (cached until a file changes)."""
    reviewed = load_artifacts(folder).reviewed()
    return len(reviewed.tables.tables), sum(item.doubtful for item in items_of(reviewed))


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --------------------------------------------------------------------------- one session


@dataclass
class WordView:
    start: float
    end: float
    text: str
    low: bool


@dataclass
class Item:
    """A sentence as the page shows it."""

    start: float
    end: float
    text: str
    speaker: str | None
    table: int | None = None  # index in tables.tables
    heading: str | None = None
    doubtful: bool = False
    words: list[WordView] = field(default_factory=list)
    opens_table: bool = False


def items_of(reviewed: Reviewed) -> list[Item]:
    """Every sentence in time order: the tables' report sentences, and the rest cut at . ? !"""
    transcript, tables = reviewed.transcript, reviewed.tables
    timeline = _Timeline(transcript)
    items: list[Item] = []
    for index, table in enumerate(tables.tables):
        for position, sentence in enumerate(table.sentences):
            item = Item(sentence.start, sentence.end, sentence.text, None, index, sentence.heading, sentence.doubtful)
            item.opens_table = position == 0
            items.append(item)
    reported = [(s.start, s.end) for t in tables.tables for s in t.sentences]
    for sentence in plain_sentences(transcript, 0.0, float("inf")):
        # what no report sentence says is shown too: a question that interrupts a report, for one
        if not any(_mostly_within(sentence, start, end) for start, end in reported):
            items.append(Item(sentence.start, sentence.end, sentence.text, None))
    for item in items:
        item.words, item.speaker = timeline.words_between(item.start, item.end)
        item.doubtful = item.doubtful or any(w.low for w in item.words)
    items.sort(key=lambda i: (i.start, i.end))
    _mark_table_openings(items)
    return items


def _mostly_within(sentence, start: float, end: float) -> bool:
    overlap = min(sentence.end, end) - max(sentence.start, start)
    return overlap > 0.5 * max(sentence.end - sentence.start, 0.01)


def _mark_table_openings(items: list[Item]) -> None:
    seen: set[int] = set()
    for item in items:
        item.opens_table = item.table is not None and item.table not in seen
        if item.table is not None:
            seen.add(item.table)


class _Timeline:
    def __init__(self, transcript: Transcript):
        pairs = [(w, s.speaker) for s in transcript.segments for w in s.words if w.word.strip()]
        pairs.sort(key=lambda p: p[0].start)
        self.words = [p[0] for p in pairs]
        self.speakers = [p[1] for p in pairs]
        self.starts = [w.start for w in self.words]

    def words_between(self, start: float, end: float) -> tuple[list[WordView], str | None]:
        first = bisect.bisect_left(self.starts, start - 1.0)
        last = bisect.bisect_right(self.starts, end + 0.05)
        chosen = [i for i in range(first, last) if inside(self.words[i], start, end)]
        views = [
            WordView(self.words[i].start, self.words[i].end, self.words[i].word.strip(),
                     self.words[i].probability < LOW_PROBABILITY)
            for i in chosen
        ]  # fmt: skip
        return views, (self.speakers[chosen[0]] if chosen else None)


def speakers_of(reviewed: Reviewed) -> list[str]:
    seen: dict[str, None] = {}
    for segment in reviewed.transcript.segments:
        if segment.speaker:
            seen.setdefault(segment.speaker)
    return list(seen)
