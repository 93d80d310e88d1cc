"""Sentences of a transcript, as the verbale quotes them (cut after . ? ! …)."""

from __future__ import annotations

from pipeline.artifacts import ReportSentence, Transcript, Word

_EDGE = 0.05
_ENDINGS = (".", "?", "!", "…")


def midpoint(item) -> float:
    return (item.start + item.end) / 2


def inside(item, start: float, end: float) -> bool:
    return start - _EDGE <= midpoint(item) <= end + _EDGE


def split_words(words: list[Word]) -> list[list[Word]]:
    sentences: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if not word.word.strip():
            continue
        current.append(word)
        if word.word.strip().rstrip("»\"')").endswith(_ENDINGS):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def plain_sentences(transcript: Transcript, start: float, end: float, heading: str = "altro") -> list[ReportSentence]:
    """The sentences said between ``start`` and ``end``, each within one utterance."""
    found = []
    for segment in transcript.segments:
        if segment.end < start - _EDGE or segment.start > end + _EDGE:
            continue
        words = [w for w in segment.words if inside(w, start, end)]
        for sentence in split_words(words):
            text = " ".join(w.word.strip() for w in sentence)
            found.append(ReportSentence(sentence[0].start, sentence[-1].end, text, heading))
    return found
