"""Finding what a correction points at, in artifacts that may have been made again.

A correction names its sentence or table by an *anchor*: its start, end and text as the
editor saw them. In the artifacts it was made on, the anchor matches exactly. After a
re-run (a new Whisper model, a new diarisation) times move a little and words change:
the sentence is found where the time overlaps and the text is still similar enough,
and is reported as unmatched where it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from pipeline.artifacts import Segment, Transcript, Word

# Similarity (rapidfuzz ratio, 0-100) a re-transcribed sentence must keep to carry a correction.
MIN_SIMILARITY = 75.0
# How far (seconds) a re-run may have moved a sentence's edges.
TIME_SLACK = 1.5
_EDGE = 0.05


@dataclass(frozen=True)
class Anchor:
    start: float
    end: float
    text: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> Anchor:
        if not isinstance(data, dict) or not {"start", "end"} <= data.keys():
            raise ValueError("an anchor needs start and end")
        start, end = float(data["start"]), float(data["end"])
        if not 0 <= start <= end:
            raise ValueError("an anchor needs 0 <= start <= end")
        return cls(start, end, str(data.get("text", "")))

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "text": self.text}


@dataclass(frozen=True)
class WordSpan:
    """Words ``first`` to ``last`` (exclusive) of segment ``segment``."""

    segment: int
    first: int
    last: int


def normalised(text: str) -> str:
    return " ".join(text.lower().replace("'", " ").split())


def similarity(a: str, b: str) -> float:
    return fuzz.ratio(normalised(a), normalised(b))


def words_text(words: Sequence[Word]) -> str:
    return " ".join(w.word.strip() for w in words)


def _midpoint(word: Word) -> float:
    return (word.start + word.end) / 2


def find_words(transcript: Transcript, anchor: Anchor) -> WordSpan | None:
    """The words of one segment that say the anchored sentence, or None if it cannot be found."""
    best: tuple[float, float, WordSpan] | None = None
    for index, segment in enumerate(transcript.segments):
        if segment.end < anchor.start - TIME_SLACK or segment.start > anchor.end + TIME_SLACK:
            continue
        found = _best_window(segment, anchor)
        if found is not None:
            score = (found[0], -abs(segment.words[found[1]].start - anchor.start))
            if best is None or score > best[:2]:
                best = (*score, WordSpan(index, found[1], found[2]))
    return best[2] if best else None


def _best_window(segment: Segment, anchor: Anchor) -> tuple[float, int, int] | None:
    words = segment.words
    strict = [i for i, w in enumerate(words) if anchor.start - _EDGE <= _midpoint(w) <= anchor.end + _EDGE]
    if strict:
        score = similarity(words_text(words[strict[0] : strict[-1] + 1]), anchor.text) if anchor.text else 100.0
        if score >= MIN_SIMILARITY:
            return score, strict[0], strict[-1] + 1
    if not anchor.text:
        return None
    near = [i for i, w in enumerate(words) if anchor.start - TIME_SLACK <= _midpoint(w) <= anchor.end + TIME_SLACK]
    best: tuple[float, int, int] | None = None
    for a, first in enumerate(near):
        for last in near[a:]:
            score = similarity(words_text(words[first : last + 1]), anchor.text)
            if best is None or score > best[0]:
                best = (score, first, last + 1)
    return best if best and best[0] >= MIN_SIMILARITY else None


def find_by_time_and_text(items: Sequence[Any], anchor: Anchor, text_of=lambda item: item.text) -> int | None:
    """Index of the item (with ``start``, ``end``) that overlaps the anchor and reads most like it."""
    best: tuple[float, float, int] | None = None
    for index, item in enumerate(items):
        if item.end < anchor.start - TIME_SLACK or item.start > anchor.end + TIME_SLACK:
            continue
        score = similarity(text_of(item), anchor.text) if anchor.text else 100.0
        closeness = -abs(item.start - anchor.start) - abs(item.end - anchor.end)
        if score >= MIN_SIMILARITY and (best is None or (score, closeness) > best[:2]):
            best = (score, closeness, index)
    return best[2] if best else None


def find_by_overlap(items: Sequence[Any], anchor: Anchor, minimum: float = 0.5) -> int | None:
    """Index of the item whose time span overlaps the anchor's most (intersection over union)."""
    best: tuple[float, int] | None = None
    for index, item in enumerate(items):
        overlap = min(item.end, anchor.end) - max(item.start, anchor.start)
        union = max(item.end, anchor.end) - min(item.start, anchor.start)
        share = overlap / union if union > 0 else float(overlap >= 0)
        if share >= minimum and (best is None or share > best[0]):
            best = (share, index)
    return best[1] if best else None
