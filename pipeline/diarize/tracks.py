"""Who spoke when from Zoom's per-participant tracks, bleed told apart from speech.

Each track's speech is found by a speech model (``speech.SpeechDetector``). A voice
is often heard on several tracks (headsets in one room, a laptop microphone near a
loudspeaker): where several tracks hear speech at once, it belongs to the track that
hears it loudest in the voice band (levels averaged over a second). Another track
keeps it too where it is ``track_own_voice_db`` above what it hears of the others'
voices: each pair's bleed is measured on the recording (how much quieter track j
is than track i where i is the loudest), so a participant who talks over someone
louder is kept, while the bleed of that louder voice is not. Where a track is above
its predicted bleed by less than that, its audio is compared with each participant's
voice (``voices``): it is kept if it sounds like its owner rather than the loudest. How much
quieter the bleed is than the voice, and how much of the detected speech was bleed,
is the recording's bleed measure, which ``auto`` uses to trust the tracks or not.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from pipeline.artifacts import BleedReport, Diarization, Session, TrackBleed, Turn
from pipeline.config import DiarizeOptions
from pipeline.diarize.speech import FRAME, SpeechDetector, TrackSignals, runs, track_signals
from pipeline.diarize.voices import Embed, keep_own_voices
from pipeline.progress import Hook

LEVEL_WINDOW = 50  # frames (1 s) over which levels are compared: a syllable's dips do not flip the owner
MIN_GAIN_FRAMES = 10  # a track must be the loudest this often before its bleed into others is measured
NOISE_FLOOR_PERCENTILE = 10
NOISE_FLOOR_MARGIN_DB = 6.0


class TrackDiarizer:
    """Speaker turns from per-participant tracks, labelled with display names."""

    def __init__(self, session: Session, detector: SpeechDetector, embed: Embed | None = None) -> None:
        self.tracks = [(t.name, session.path_of(t.path)) for t in session.tracks]
        self.detector = detector
        self.embed = embed  # None: no own-voice check, the levels alone decide

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        signals = []
        for done, (name, path) in enumerate(self.tracks):
            hook("diarization", total=len(self.tracks), completed=done)
            signals.append(track_signals(name, _track_samples(path), self.detector))
        hook("diarization", total=len(self.tracks), completed=len(self.tracks))
        return diarize_signals(signals, options, self.embed)


def _track_samples(path: Path) -> np.ndarray:
    from pipeline import audio

    with tempfile.TemporaryDirectory(prefix="verbali-track-") as folder:
        decoded = audio.decode(path, Path(folder) / "track.wav")
        return audio.load_samples(Path(decoded.path))


def diarize_signals(signals: list[TrackSignals], options: DiarizeOptions, embed: Embed | None = None) -> Diarization:
    """Turns of each track's own speech, and the recording's bleed measure."""
    signals = _same_length(signals)
    active = np.stack([s.speech >= options.track_speech_threshold for s in signals])
    levels = np.stack([_moving_average(s.level, LEVEL_WINDOW) for s in signals])
    heard = np.where(active, levels, -np.inf)
    loudest = heard.max(axis=0, keepdims=True)
    own = active & (heard >= loudest - options.track_overlap_db)
    above = above_bleed(levels, active)
    own |= active & (above >= options.track_own_voice_db)
    if embed is not None and options.track_voice_margin is not None and all(s.samples is not None for s in signals):
        own = keep_own_voices(
            [s.samples for s in signals], active, own, above, levels, embed, options.track_voice_margin
        )
    bleed = active & ~own
    turns = [
        Turn(round(start * FRAME, 3), round(end * FRAME, 3), s.name)
        for s, row in zip(signals, own, strict=True)
        for start, end in runs(clean(row, options))
    ]
    attenuation = np.broadcast_to(loudest, levels.shape) - levels
    return Diarization(sorted(turns), "tracks", bleed_report(signals, active, bleed, attenuation))


def bleed_gains(levels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """gains[i, j]: the median dB by which track j hears track i's voice, relative to track i,
    over the frames where track i is the loudest (-inf where it never is)."""
    count = len(levels)
    loudest = np.where(active, levels, -np.inf).argmax(axis=0)
    speech = active.any(axis=0)
    gains = np.full((count, count), -np.inf)
    for source in range(count):
        frames = speech & (loudest == source)
        if frames.sum() > MIN_GAIN_FRAMES:
            gains[source] = np.median(levels[:, frames] - levels[source, frames], axis=1)
            gains[source, source] = -np.inf
    return gains


def above_bleed(levels: np.ndarray, active: np.ndarray) -> np.ndarray:
    """How many dB each track is above what it would hear of the other tracks' voices (and
    above its own noise floor): high where its participant talks over someone louder."""
    gains = bleed_gains(levels, active)
    floors = np.percentile(levels, NOISE_FLOOR_PERCENTILE, axis=1) + NOISE_FLOOR_MARGIN_DB
    above = np.empty_like(levels)
    for track in range(len(levels)):
        heard_from_others = np.where(active, levels + gains[:, track : track + 1], -np.inf).max(axis=0)
        above[track] = levels[track] - np.maximum(heard_from_others, floors[track])
    return above


def _same_length(signals: list[TrackSignals]) -> list[TrackSignals]:
    length = max(s.frames for s in signals)

    def pad(values: np.ndarray, fill: float) -> np.ndarray:
        return np.pad(values, (0, length - len(values)), constant_values=fill)

    return [TrackSignals(s.name, pad(s.speech, 0), pad(s.level, -100), s.samples) for s in signals]


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Centred mean; the ends repeat the first and last values (zeros would read as 0 dBFS, loud)."""
    padded = np.pad(values, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, np.ones(width) / width, mode="valid")


def bleed_report(
    signals: list[TrackSignals], active: np.ndarray, bleed: np.ndarray, attenuation: np.ndarray
) -> BleedReport:
    heard = attenuation[bleed]
    tracks = [
        TrackBleed(s.name, round(float((a & ~b).sum()) * FRAME, 2), round(float(b.sum()) * FRAME, 2))
        for s, a, b in zip(signals, active, bleed, strict=True)
    ]
    return BleedReport(
        attenuation_db=round(float(np.median(heard)), 1) if len(heard) else None,
        bleed_share=round(float(bleed.sum() / max(active.sum(), 1)), 3),
        tracks=tracks,
    )


def clean(active: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Fill short gaps, then drop turns too short to be speech."""
    cleaned = active.copy()
    fill = round(options.track_fill_gap / FRAME)
    for start, end in runs(~cleaned):
        if start > 0 and end < len(cleaned) and end - start <= fill:
            cleaned[start:end] = True
    shortest = round(options.track_min_turn / FRAME)
    for start, end in runs(cleaned):
        if end - start < shortest:
            cleaned[start:end] = False
    return cleaned
