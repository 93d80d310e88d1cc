"""Anonymous speaker labels renamed after named turns (a cloud VTT's cues, the tracks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from pipeline.artifacts import Diarization, Turn


class Named(Protocol):
    start: float
    end: float
    speaker: str | None


def name_speakers(diarization: Diarization, named: Sequence[Named]) -> Diarization:
    """Rename anonymous labels after the named turns they overlap most, one to one."""
    from scipy.optimize import linear_sum_assignment

    labels = diarization.speakers
    names = sorted({n.speaker for n in named if n.speaker})
    if not labels or not names:
        return diarization
    overlap = np.array([[_overlap(diarization.turns, label, named, name) for name in names] for label in labels])
    rows, columns = linear_sum_assignment(-overlap)
    talk = {label: sum(t.duration for t in diarization.turns if t.speaker == label) for label in labels}
    mapping = {
        labels[r]: names[c] for r, c in zip(rows, columns, strict=True) if overlap[r, c] >= 0.3 * talk[labels[r]]
    }
    turns = [replace(t, speaker=mapping.get(t.speaker, t.speaker)) for t in diarization.turns]
    return replace(diarization, turns=turns)


def _overlap(turns: list[Turn], label: str, named: Sequence[Named], name: str) -> float:
    return sum(
        max(0.0, min(t.end, n.end) - max(t.start, n.start))
        for t in turns
        if t.speaker == label
        for n in named
        if n.speaker == name
    )
