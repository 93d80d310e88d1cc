"""Who spoke when: pyannote.audio, Zoom's per-participant tracks, or nothing.

- ``pyannote``: the SpeakerDiarization pipeline from ``models/`` (or a hub id); its
  anonymous labels are renamed after a Zoom cloud VTT's speakers, or after the
  per-participant tracks, where those overlap.
- ``tracks``: Zoom's "Audio Record" files. Headset and laptop tracks carry bleed
  from the others, so a track speaks where its (gain-normalised) level is both well
  above its own noise floor and close to the loudest track, not wherever it has energy.
- ``auto``: tracks when there are at least two, else pyannote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from pipeline.artifacts import Diarization, Session, Turn
from pipeline.audio import frame_levels
from pipeline.config import DiarizeOptions, Settings, apply_model_environment
from pipeline.errors import ModelUnavailable, UsageError
from pipeline.models import resolve
from pipeline.progress import Hook, null_hook

FRAME = 0.02  # seconds per level frame for tracks
METHODS = ("auto", "pyannote", "tracks", "none")


class Diarizer(Protocol):
    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization: ...


def choose_method(session: Session, options: DiarizeOptions) -> str:
    if options.method not in METHODS:
        raise UsageError(f"unknown diarization method {options.method!r}; choose one of {', '.join(METHODS)}")
    if options.method == "auto":
        return "tracks" if len(session.tracks) >= 2 else "pyannote"
    if options.method == "tracks" and not session.tracks:
        raise UsageError(f"{session.session_id}: --diarization tracks, but the recording has no per-participant tracks")
    return options.method


# --------------------------------------------------------------------------- pyannote


class PyannoteDiarizer:
    def __init__(self, settings: Settings) -> None:
        options = settings.diarize
        location, from_hub = resolve(settings.models_dir, options.model)
        apply_model_environment(settings, from_hub=from_hub)
        import torch
        from pyannote.audio import Pipeline

        try:
            self.pipeline = Pipeline.from_pretrained(location, token=options.hf_token)
        except Exception as error:  # pyannote and the hub raise many kinds
            raise ModelUnavailable(f"cannot load diarization pipeline {options.model!r}: {error}") from None
        if self.pipeline is None:
            raise ModelUnavailable(f"cannot load diarization pipeline {options.model!r} (gated? pass --hf-token)")
        if options.device in ("auto", "cuda") and torch.cuda.is_available():
            self.pipeline.to(torch.device("cuda"))

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        import torch

        if not np.any(samples):
            return Diarization([], "pyannote")
        audio = {"waveform": torch.from_numpy(samples).unsqueeze(0), "sample_rate": 16000}
        output = self.pipeline(audio, hook=_PyannoteProgress(hook), **_speaker_counts(options))
        annotation = getattr(output, "speaker_diarization", output)
        turns = [Turn(s.start, s.end, str(label)) for s, _, label in annotation.itertracks(yield_label=True)]
        return Diarization(sorted(turns), "pyannote")


def _speaker_counts(options: DiarizeOptions) -> dict[str, int]:
    counts = {
        "num_speakers": options.num_speakers,
        "min_speakers": options.min_speakers,
        "max_speakers": options.max_speakers,
    }
    return {key: value for key, value in counts.items() if value is not None}


class _PyannoteProgress:
    """pyannote reports its internal steps; show them as one "diarization" bar."""

    STEPS = ("segmentation", "embeddings")

    def __init__(self, hook: Hook) -> None:
        self.hook = hook

    def __call__(self, step, artifact=None, file=None, *, total=None, completed=None) -> None:
        if step in self.STEPS and total and completed is not None:
            done = self.STEPS.index(step) + completed / total
            self.hook("diarization", total=len(self.STEPS), completed=done)


class Named(Protocol):
    start: float
    end: float
    speaker: str | None


def name_speakers(diarization: Diarization, named: Sequence[Named]) -> Diarization:
    """Rename anonymous labels after the named turns (VTT cues, tracks) they overlap most, one to one."""
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
    return Diarization(turns, diarization.method)


def _overlap(turns: list[Turn], label: str, named: Sequence[Named], name: str) -> float:
    return sum(
        max(0.0, min(t.end, n.end) - max(t.start, n.start))
        for t in turns
        if t.speaker == label
        for n in named
        if n.speaker == name
    )


# --------------------------------------------------------------------------- tracks


class TrackDiarizer:
    """Speaker turns from per-participant tracks, labelled with display names."""

    def __init__(self, session: Session) -> None:
        self.tracks = [(t.name, session.path_of(t.path)) for t in session.tracks]

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        levels = []
        for done, (_, path) in enumerate(self.tracks):
            hook("diarization", total=len(self.tracks), completed=done)
            levels.append(frame_levels(path, FRAME))
        hook("diarization", total=len(self.tracks), completed=len(self.tracks))
        names = [name for name, _ in self.tracks]
        return tracks_to_diarization(names, levels, options)


def tracks_to_diarization(names: list[str], levels: list[np.ndarray], options: DiarizeOptions) -> Diarization:
    length = max((len(x) for x in levels), default=0)
    if length == 0:
        return Diarization([], "tracks")
    matrix = np.full((len(levels), length), -100.0, dtype=np.float32)
    for row, level in zip(matrix, levels, strict=True):
        row[: len(level)] = _smooth(level)
    active = _dominant(matrix, options)
    turns = [
        Turn(round(start * FRAME, 3), round(end * FRAME, 3), name)
        for name, row in zip(names, active, strict=True)
        for start, end in _runs(_clean(row, options))
    ]
    return Diarization(sorted(turns), "tracks")


def _smooth(level: np.ndarray, width: int = 5) -> np.ndarray:
    return np.convolve(level, np.ones(width) / width, mode="same")


def _dominant(matrix: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Frames in which each track is the likeliest source of what it hears.

    Level alone misleads: a high-gain microphone hears the others louder than their
    own headsets do. So each track's level is compared with the bleed predicted from
    the loudest other track (a line fitted, robustly, to the frames where the track
    only echoes the others), and the track with the largest excess speaks.
    """
    floor = np.percentile(matrix, 10, axis=1, keepdims=True)
    excess = np.stack([_excess_over_bleed(matrix, i) for i in range(len(matrix))]) if len(matrix) > 1 else matrix
    above_floor = matrix > floor + options.track_floor_db
    dominant = excess >= excess.max(axis=0, keepdims=True) - options.track_dominance_db
    return above_floor & dominant


def _excess_over_bleed(matrix: np.ndarray, track: int, rounds: int = 4) -> np.ndarray:
    level = matrix[track]
    others = np.delete(matrix, track, axis=0).max(axis=0)
    usable = others > np.percentile(others, 10) + 10
    if usable.sum() < 10:
        return level - others
    fitted = usable
    for _ in range(rounds):
        slope, intercept = np.polyfit(others[fitted], level[fitted], 1)
        excess = level - (intercept + slope * others)
        fitted = usable & (excess < 3.0)  # refit on what looks like bleed only
        if fitted.sum() < 10:
            break
    return excess


def _clean(active: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Fill short gaps, then drop turns too short to be speech."""
    cleaned = active.copy()
    fill = int(options.track_fill_gap / FRAME)
    for start, end in _runs(~cleaned):
        if start > 0 and end < len(cleaned) and end - start <= fill:
            cleaned[start:end] = True
    shortest = int(options.track_min_turn / FRAME)
    for start, end in _runs(cleaned):
        if end - start < shortest:
            cleaned[start:end] = False
    return cleaned


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in a boolean vector."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


# --------------------------------------------------------------------------- stage


def diarize(
    samples: np.ndarray, session: Session, diarizer: Diarizer | None, options: DiarizeOptions, hook: Hook = null_hook
) -> Diarization:
    if diarizer is None:
        return Diarization([], "none")
    result = diarizer.diarize(samples, options, hook)
    if result.method == "pyannote" and session.vtt:
        result = name_speakers(result, session.vtt)
    elif result.method == "pyannote" and len(session.tracks) >= 2:
        result = name_speakers(result, TrackDiarizer(session).diarize(samples, options, null_hook).turns)
    return result
