"""Transcribe each speaker from their own Zoom track instead of the mix.

A participant's track holds one voice, close to its microphone, with no one talking
over it; the mix holds everyone. For each speaker of the diarization, their turns
(merged when close, padded a little) are cut from their own track (from the mix for
a speaker with no track), joined into one stretch of audio, transcribed, and their
words put back at the times the turns had. Every word so carries its speaker.

Memory stays bounded by one speaker's speech: a track is decoded to a 16 kHz WAV on
disk and only the turns are read from it.
"""

from __future__ import annotations

import bisect
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifacts import Diarization, Segment, Session, Transcript, Turn, Word
from pipeline.audio import SAMPLE_RATE, decode
from pipeline.config import TranscribeOptions
from pipeline.errors import UsageError
from pipeline.progress import Hook, null_hook
from pipeline.transcribe.context import NO_PROMPT, Prompt
from pipeline.transcribe.engine import Transcriber

JOIN_GAP = 0.6  # turns of one speaker closer than this are cut as one region
PAD = 0.2  # seconds of their track kept around each region


SOURCES = ("auto", "mix", "tracks")


def choose_source(options: TranscribeOptions, session: Session | None, diarization: Diarization | None) -> str:
    """``mix`` or ``tracks``: tracks when asked (or, for ``auto``, when the session has two
    or more tracks and the diarization's speakers are named after them)."""
    if options.source not in SOURCES:
        raise UsageError(f"unknown transcription source {options.source!r}; choose one of {', '.join(SOURCES)}")
    names = {track.name for track in session.tracks} if session else set()
    speakers = set(diarization.speakers) if diarization else set()
    usable = len(names) >= 2 and bool(speakers & names)
    if options.source == "tracks" and not usable:
        raise UsageError("--source tracks needs per-participant tracks and speakers named after them")
    return "tracks" if usable and options.source in ("tracks", "auto") else "mix"


@dataclass(frozen=True)
class Region:
    start: float
    end: float


def speaker_regions(turns: list[Turn], duration: float) -> dict[str, list[Region]]:
    """Each speaker's turns, padded and merged, clipped to the recording."""
    regions: dict[str, list[Region]] = {}
    for turn in sorted(turns):
        start, end = max(0.0, turn.start - PAD), min(duration, turn.end + PAD)
        own = regions.setdefault(turn.speaker, [])
        if own and start - own[-1].end < JOIN_GAP:
            own[-1] = Region(own[-1].start, max(own[-1].end, end))
        elif end > start:
            own.append(Region(start, end))
    return regions


class TimeMap:
    """Times in the joined regions back to times in the recording."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions
        self.offsets = list(np.cumsum([0.0] + [r.end - r.start for r in regions[:-1]]))

    def index(self, joined: float) -> int:
        return max(0, bisect.bisect_right(self.offsets, joined) - 1)

    def original(self, joined: float, index: int) -> float:
        region = self.regions[index]
        return min(region.end, region.start + max(0.0, joined - self.offsets[index]))


def transcribe_by_speaker(
    mix: np.ndarray,
    session: Session,
    diarization: Diarization,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook = null_hook,
    prompt: Prompt = NO_PROMPT,
) -> Transcript:
    duration = len(mix) / SAMPLE_RATE
    regions = speaker_regions(diarization.turns, duration)
    tracks = {track.name: session.path_of(track.path) for track in session.tracks}
    total = sum(r.end - r.start for own in regions.values() for r in own)
    progress = _Progress(hook, total)
    segments: list[Segment] = []
    language, probability = options.language or "", 1.0
    with tempfile.TemporaryDirectory(prefix="verbali-track-") as scratch:
        for speaker, own in regions.items():
            audio = _read_regions(tracks[speaker], own, Path(scratch)) if speaker in tracks else _cut(mix, own)
            part = transcriber.transcribe(audio, options, progress.for_part(), prompt)
            segments += _placed(part.segments, TimeMap(own), speaker)
            language, probability = part.language, part.language_probability
            progress.done(sum(r.end - r.start for r in own))
    segments.sort(key=lambda s: (s.start, s.end))
    return Transcript(language, segments, duration, transcriber.name, probability)


def _placed(segments: list[Segment], times: TimeMap, speaker: str) -> list[Segment]:
    """The segments at recording times, split where they cross from one region to the next."""
    placed: list[Segment] = []
    for segment in segments:
        current: list[Word] = []
        region = None
        for word in segment.words:
            index = times.index((word.start + word.end) / 2)
            if current and index != region:
                placed.append(_segment(current, speaker))
                current = []
            region = index
            start, end = times.original(word.start, index), times.original(word.end, index)
            current.append(Word(start, max(start, end), word.word, word.probability))
        if current:
            placed.append(_segment(current, speaker))
    return placed


def _segment(words: list[Word], speaker: str) -> Segment:
    text = "".join(w.word for w in words).strip()
    return Segment(words[0].start, words[-1].end, text, words, speaker=speaker)


def _cut(samples: np.ndarray, regions: list[Region]) -> np.ndarray:
    parts = [samples[round(r.start * SAMPLE_RATE) : round(r.end * SAMPLE_RATE)] for r in regions]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _read_regions(track: Path, regions: list[Region], scratch: Path) -> np.ndarray:
    """The regions of a track, read from its 16 kHz WAV without loading the rest."""
    wav_path = Path(decode(track, scratch / f"{track.stem}.wav").path)
    parts = []
    with wave.open(str(wav_path), "rb") as wav:
        frames = wav.getnframes()
        for region in regions:
            first = min(frames, round(region.start * SAMPLE_RATE))
            wav.setpos(first)
            count = min(frames, round(region.end * SAMPLE_RATE)) - first
            parts.append(np.frombuffer(wav.readframes(count), dtype="<i2").astype(np.float32) / 32768)
    wav_path.unlink()
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


class _Progress:
    """One "transcription" bar over all the speakers' parts."""

    def __init__(self, hook: Hook, total: float) -> None:
        self.hook, self.total, self.completed = hook, total, 0.0

    def for_part(self) -> Callable[..., None]:
        def part(step: str, artifact: object = None, file: object = None, *, total=None, completed=None) -> None:
            if completed is not None:
                self.hook(step, total=self.total, completed=min(self.total, self.completed + completed))

        return part

    def done(self, seconds: float) -> None:
        self.completed += seconds
