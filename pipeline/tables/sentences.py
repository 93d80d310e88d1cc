"""Sentences: spaCy's sentencizer on each utterance, long unpunctuated runs cut at the longest pauses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from spacy.tokens import Doc, Span

from pipeline.artifacts import Segment, Transcript
from pipeline.tables.nlp import ItalianNlp
from pipeline.tables.options import _DISCOURSE_MARKERS, UNKNOWN_SPEAKER, TablesOptions


@dataclass(frozen=True)
class _Piece:
    """Where a word lies in an utterance's text, and when it was said."""

    start_char: int
    end_char: int
    start: float
    end: float


@dataclass
class Sentence:
    position: int
    segment: int
    speaker: str
    span: Span
    start: float
    end: float

    @property
    def text(self) -> str:
        return self.span.text.strip()

    @cached_property
    def words(self) -> int:
        return sum(1 for token in self.span if token.is_alpha)


def _timed_text(segment: Segment) -> tuple[str, list[_Piece]]:
    words = [w for w in segment.words if w.word.strip()]
    if not words:
        text = " ".join(segment.text.split())
        return text, [_Piece(0, len(text), float(segment.start), float(segment.end))]
    pieces, parts, offset = [], [], 0
    for word in words:
        token = " ".join(word.word.split())
        pieces.append(_Piece(offset, offset + len(token), float(word.start), float(word.end)))
        parts.append(token)
        offset += len(token) + 1
    return " ".join(parts), pieces


def _time_at(pieces: Sequence[_Piece], char: int, *, end: bool) -> float:
    if len(pieces) == 1:  # no word timings: spread the utterance evenly over its text
        piece = pieces[0]
        share = min(max(char / max(piece.end_char, 1), 0.0), 1.0)
        return piece.start + (piece.end - piece.start) * share
    inside = [p for p in pieces if p.start_char <= char < p.end_char + 1]
    piece = inside[0] if inside else min(pieces, key=lambda p: abs(p.start_char - char))
    return piece.end if end else piece.start


def _pause_before(span: Span, index: int, pieces: Sequence[_Piece]) -> float:
    if len(pieces) == 1:
        return 0.0
    previous, token = span[index - 1], span[index]
    return max(
        0.0,
        _time_at(pieces, token.idx, end=False) - _time_at(pieces, previous.idx + len(previous) - 1, end=True),
    )


def _split_long(span: Span, pieces: Sequence[_Piece], options: TablesOptions) -> list[Span]:
    """Cut an unpunctuated run at its longest pause (or a discourse marker) until each part is short."""
    if sum(1 for t in span if t.is_alpha) <= options.max_sentence_words or len(span) < 10:
        return [span]
    candidates = range(5, len(span) - 4)
    best = max(candidates, key=lambda i: _cut_score(span, i, pieces))
    if _cut_score(span, best, pieces) <= 0:
        best = len(span) // 2
    return _split_long(span[:best], pieces, options) + _split_long(span[best:], pieces, options)


def _cut_score(span: Span, index: int, pieces: Sequence[_Piece]) -> float:
    marker = 0.3 if span[index].lower_ in _DISCOURSE_MARKERS else 0.0
    return _pause_before(span, index, pieces) + marker


def _speaker_of(segment: Segment) -> str:
    return (segment.speaker or "").strip() or UNKNOWN_SPEAKER


def _usable(segment: Segment) -> bool:
    try:
        times_ok = math.isfinite(float(segment.start)) and math.isfinite(float(segment.end))
    except (TypeError, ValueError):
        return False
    return times_ok and bool((segment.text or "").strip() or segment.words)


def build_sentences(transcript: Transcript, nlp: ItalianNlp, options: TablesOptions) -> list[Sentence]:
    """Every utterance cut into sentences, each with its time span and speaker."""
    usable = [(i, s) for i, s in enumerate(transcript.segments) if _usable(s)]
    timed = [_timed_text(segment) for _, segment in usable]
    docs = nlp.pipe(text for text, _ in timed)
    sentences: list[Sentence] = []
    for (index, segment), (_, pieces), doc in zip(usable, timed, docs, strict=True):
        for span in _doc_sentences(doc, pieces, options):
            start = _time_at(pieces, span.start_char, end=False)
            end = max(start, _time_at(pieces, span.end_char - 1, end=True))
            sentences.append(Sentence(len(sentences), index, _speaker_of(segment), span, start, end))
    return sentences


def _doc_sentences(doc: Doc, pieces: Sequence[_Piece], options: TablesOptions) -> list[Span]:
    spans = []
    for sent in doc.sents:
        if any(not token.is_space for token in sent):
            spans.extend(_split_long(sent, pieces, options))
    return spans
