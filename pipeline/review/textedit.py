"""Editing a sentence's text without losing its word times.

The old and new texts are compared token by token (difflib): a word left unchanged keeps
its time and probability; words replaced share the time of the words they replace;
inserted words share the gap where they go. Words an editor wrote or confirmed get
probability 1.0 (they are no longer doubtful).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from pipeline.artifacts import Word


def retime(old: Sequence[Word], new_text: str) -> list[Word]:
    """``new_text`` as words, timed from ``old`` (which it replaces)."""
    old_tokens = [w.word.strip() for w in old]
    new_tokens = new_text.split()
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    words: list[Word] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words += [Word(w.start, w.end, w.word, w.probability) for w in old[i1:i2]]
        elif j2 > j1:
            start, end = _span(old, i1, i2, words)
            words += _spread(new_tokens[j1:j2], start, end)
    return words


def _span(old: Sequence[Word], i1: int, i2: int, before: Sequence[Word]) -> tuple[float, float]:
    """The time the replaced words took, or the gap where inserted words go."""
    if i2 > i1:
        return old[i1].start, old[i2 - 1].end
    start = before[-1].end if before else (old[0].start if old else 0.0)
    end = old[i1].start if i1 < len(old) else start
    return start, max(start, end)


def _spread(tokens: Sequence[str], start: float, end: float) -> list[Word]:
    step = (end - start) / len(tokens)
    return [
        Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), f" {token}", 1.0)
        for k, token in enumerate(tokens)
    ]


def joined(words: Sequence[Word]) -> str:
    return "".join(w.word if w.word.startswith(" ") else f" {w.word}" for w in words).strip()
