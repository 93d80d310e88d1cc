"""Who spoke when: pyannote.audio on the mix, Zoom's per-participant tracks, or both.

- ``pyannote`` (``pyannote.py``): the speaker diarization pipeline from ``models/``
  (or a hub id) on the mixed recording; its anonymous labels are renamed after a
  Zoom cloud VTT's speakers, or after the per-participant tracks (``naming.py``).
- ``tracks`` (``tracks.py``): speech detected on each track by a speech model,
  bleed between tracks told apart from speech (``speech.py`` holds the signals),
  disputed stretches settled by each participant's own voice (``voices.py``).
- ``auto`` (``auto.py``): with two tracks or more, tracks or the mix named after
  them, by how much the tracks bleed; otherwise pyannote.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from pipeline.artifacts import Diarization, Session
from pipeline.config import DiarizeOptions
from pipeline.diarize.auto import AutoDiarizer, choose
from pipeline.diarize.naming import name_speakers
from pipeline.diarize.pyannote import PyannoteDiarizer
from pipeline.diarize.speech import SpeechDetector
from pipeline.diarize.tracks import TrackDiarizer
from pipeline.diarize.voices import VoiceEmbedder
from pipeline.errors import UsageError
from pipeline.progress import Hook, null_hook

__all__ = [
    "METHODS",
    "AutoDiarizer",
    "Diarizer",
    "PyannoteDiarizer",
    "SpeechDetector",
    "TrackDiarizer",
    "VoiceEmbedder",
    "choose",
    "choose_method",
    "diarize",
    "diarizer_for",
    "name_speakers",
    "track_diarizer",
]

METHODS = ("auto", "pyannote", "tracks", "none")


class Diarizer(Protocol):
    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization: ...


class DiarizationModels(Protocol):
    """Loaded once per run and shared by its sessions (``runner.Engines``)."""

    @property
    def pyannote(self) -> PyannoteDiarizer: ...

    @property
    def speech(self) -> SpeechDetector: ...


def track_diarizer(session: Session, models: DiarizationModels) -> TrackDiarizer:
    """Tracks decided by level and, where disputed, by each participant's own voice."""
    return TrackDiarizer(session, models.speech, VoiceEmbedder(models.pyannote.speaker_embedding))


def choose_method(session: Session, options: DiarizeOptions) -> str:
    if options.method not in METHODS:
        raise UsageError(f"unknown diarization method {options.method!r}; choose one of {', '.join(METHODS)}")
    if options.method == "auto":
        return "auto" if len(session.tracks) >= 2 else "pyannote"
    if options.method == "tracks" and not session.tracks:
        raise UsageError(f"{session.session_id}: --diarization tracks, but the recording has no per-participant tracks")
    return options.method


def diarizer_for(method: str, session: Session, models: DiarizationModels) -> Diarizer | None:
    if method == "pyannote":
        return models.pyannote
    if method == "tracks":
        return track_diarizer(session, models)
    if method == "auto":
        return AutoDiarizer(track_diarizer(session, models), lambda: models.pyannote)
    return None


def diarize(
    samples: np.ndarray,
    session: Session,
    diarizer: Diarizer | None,
    options: DiarizeOptions,
    hook: Hook = null_hook,
    models: DiarizationModels | None = None,
) -> Diarization:
    """The diarisation stage; pyannote's speakers are named after a VTT or the tracks where there are some."""
    if diarizer is None:
        return Diarization([], "none")
    result = diarizer.diarize(samples, options, hook)
    if result.method != "pyannote" or result.bleed is not None:
        return result
    if session.vtt:
        return name_speakers(result, session.vtt)
    if len(session.tracks) >= 2 and models is not None:
        tracks = track_diarizer(session, models).diarize(samples, options, null_hook)
        return name_speakers(result, tracks.turns)
    return result
