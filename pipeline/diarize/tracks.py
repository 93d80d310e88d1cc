"""Who spoke when from Zoom's per-participant tracks, bleed told apart from speech.

Each track's speech is found by a speech model (``speech.SpeechDetector``), run only where
the track's voice-band level is near its participant's voice (``speech_gate``). A voice
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
from pipeline.diarize.speech import (
    FRAME,
    HOP,
    Progress,
    SpeechDetector,
    TrackSignals,
    frame_levels,
    runs,
    voice_band,
)
from pipeline.diarize.voices import Embed, keep_own_voices
from pipeline.progress import Hook

LEVEL_WINDOW = 50  # frames (1 s) over which levels are compared: a syllable's dips do not flip the owner
MIN_GAIN_FRAMES = 10  # a track must be the loudest this often before its bleed into others is measured
NOISE_FLOOR_PERCENTILE = 10
NOISE_FLOOR_MARGIN_DB = 6.0
GATE_LOUD_PERCENTILE = 99  # a track's loud level: its participant's voice (or, if they hardly speak, loud bleed)
GATE_MARGIN = 50  # frames (1 s) kept open either side of a stretch within the gate


class TrackDiarizer:
    """Speaker turns from per-participant tracks, labelled with display names."""

    def __init__(self, session: Session, detector: SpeechDetector, embed: Embed | None = None) -> None:
        self.tracks = [(t.name, session.path_of(t.path)) for t in session.tracks]
        self.detector = detector
        self.embed = embed  # None: no own-voice check, the levels alone decide

    def diarize(self, samples: np.ndarray, options: DiarizeOptions, hook: Hook) -> Diarization:
        decoded = []
        for done, (_, path) in enumerate(self.tracks):
            hook("diarization", total=2 * len(self.tracks), completed=done)
            decoded.append(_track_samples(path))
        names = [name for name, _ in self.tracks]
        signals = gated_signals(names, decoded, self.detector, options.track_gate_db, _progress(hook, len(self.tracks)))
        hook("diarization", total=2 * len(self.tracks), completed=2 * len(self.tracks))
        return diarize_signals(signals, options, self.embed)


def _progress(hook: Hook, tracks: int) -> Progress:
    """The speech model's share of the stage's progress: the second half, after decoding."""
    return lambda completed, total: hook(
        "diarization", total=2 * tracks, completed=tracks + round(tracks * completed / max(total, 1))
    )


def gated_signals(
    names: list[str],
    samples: list[np.ndarray],
    detector: SpeechDetector,
    gate_db: float | None,
    progress: Progress | None = None,
) -> list[TrackSignals]:
    """Each track's signals, the speech model run only where ``speech_gate`` lets it."""
    levels = [frame_levels(voice_band(x), -(-len(x) // HOP)) for x in samples]
    speech = detector.probabilities_of(samples, speech_gate(levels, gate_db), progress)
    return [TrackSignals(*signals) for signals in zip(names, speech, levels, samples, strict=True)]


def _track_samples(path: Path) -> np.ndarray:
    from pipeline import audio

    with tempfile.TemporaryDirectory(prefix="verbali-track-") as folder:
        decoded = audio.decode(path, Path(folder) / "track.wav")
        return audio.load_samples(Path(decoded.path))


def diarize_signals(signals: list[TrackSignals], options: DiarizeOptions, embed: Embed | None = None) -> Diarization:
    """Turns of each track's own speech, and the recording's bleed measure."""
    signals = _same_length(signals)
    active = np.stack([speech_frames(s.speech, options) for s in signals])
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


def speech_frames(probability: np.ndarray, options: DiarizeOptions) -> np.ndarray:
    """Frames of speech: runs where the probability stays at ``track_offset_threshold`` or above
    and reaches ``track_speech_threshold`` somewhere (pyannote's onset/offset binarisation)."""
    onset = probability >= options.track_speech_threshold
    offset = min(options.track_offset_threshold, options.track_speech_threshold)
    frames = np.zeros_like(onset)
    for start, end in runs(probability >= offset):
        if onset[start:end].any():
            frames[start:end] = True
    return frames


def speech_gate(levels: list[np.ndarray], gate_db: float | None) -> list[np.ndarray | None]:
    """Frames where each track may hear its own participant, for the speech model: its voice-band
    level (averaged over a second) within ``gate_db`` of its loud level, a second either side.
    Elsewhere the track is silent or hears only faint bleed, and the model is not run (None: everywhere)."""
    if gate_db is None:
        return [None] * len(levels)
    gates = []
    for level in levels:
        if not len(level):
            gates.append(np.zeros(0, dtype=bool))
            continue
        smooth = _moving_average(level, LEVEL_WINDOW)
        near = smooth >= np.percentile(smooth, GATE_LOUD_PERCENTILE) - gate_db
        gates.append(np.convolve(near, np.ones(2 * GATE_MARGIN + 1), mode="same") > 0)
    return gates


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
