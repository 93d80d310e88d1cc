"""``auto``: trust the per-participant tracks, or diarise the mix and name it after them.

The tracks are measured first (cheap: a speech model per track, a few voice embeddings,
no clustering). Where their bleed is far below the voices (headsets, separate rooms), the
tracks' turns are kept. Where it is not (people sharing a room or a loudspeaker), which
track a voice belongs to is a guess, so pyannote diarises the mix and its speakers
are named after the tracks they overlap most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from pipeline.artifacts import BleedReport, Diarization
from pipeline.config import DiarizeOptions
from pipeline.diarize.naming import name_speakers
from pipeline.diarize.tracks import TrackDiarizer
from pipeline.progress import Hook


def choose(report: BleedReport, options: DiarizeOptions) -> tuple[str, str]:
    """("tracks" or "mix", why) from a recording's bleed measure."""
    if report.attenuation_db is None:
        return "tracks", "no bleed between tracks"
    if report.attenuation_db >= options.auto_min_attenuation_db:
        return "tracks", f"bleed {report.attenuation_db:.1f} dB below the voices"
    return "mix", f"bleed only {report.attenuation_db:.1f} dB below the voices"


class AutoDiarizer:
    def __init__(self, tracks: TrackDiarizer, pyannote: Callable[[], object]) -> None:
        self.tracks = tracks
        self.pyannote = pyannote  # loaded only if the mix is chosen

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        measured = self.tracks.diarize(samples, options, hook)
        choice, reason = choose(measured.bleed, options)
        report = replace(measured.bleed, choice=choice, reason=reason)
        if choice == "tracks":
            return replace(measured, bleed=report)
        mixed = name_speakers(self.pyannote().diarize(samples, options, hook), measured.turns)
        return replace(mixed, bleed=report)
