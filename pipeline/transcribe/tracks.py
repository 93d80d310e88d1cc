"""Transcribe each speaker from their own Zoom track instead of the mix.

A participant's track holds one voice, close to its microphone, with no one talking
over it; the mix holds everyone. For each speaker of the diarization, their turns
(merged when close, padded a little) are cut from their own track (from the mix for
a speaker with no track), joined, transcribed, and their words put back at the times
the turns had. Every word so carries its speaker.

Memory stays bounded: a track is decoded to a 16 kHz WAV on disk and only the turns
are read from it, at most a block's length (``TranscribeOptions.block_seconds``) at a time.
"""

from __future__ import annotations

import tempfile
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from pipeline.artifacts import Diarization, Session, Transcript
from pipeline.audio import SAMPLE_RATE, decode
from pipeline.config import TranscribeOptions
from pipeline.errors import UsageError
from pipeline.progress import Hook, null_hook
from pipeline.transcribe.context import NO_PROMPT, Prompt
from pipeline.transcribe.engine import Transcriber
from pipeline.transcribe.parts import Part, transcribe_parts
from pipeline.transcribe.regions import Region, batches, mix_blocks, speaker_regions

SOURCES = ("auto", "mix", "tracks")


def usable_tracks(session: Session | None, diarization: Diarization | None) -> bool:
    """Two or more tracks, and a diarization whose speakers are named after them."""
    names = {track.name for track in session.tracks} if session else set()
    speakers = set(diarization.speakers) if diarization else set()
    return len(names) >= 2 and bool(speakers & names)


def choose_source(options: TranscribeOptions, session: Session | None, diarization: Diarization | None) -> str:
    """``mix``, ``tracks``, or ``probe`` (``auto`` with usable tracks: try both on a sample)."""
    if options.source not in SOURCES:
        raise UsageError(f"unknown transcription source {options.source!r}; choose one of {', '.join(SOURCES)}")
    usable = usable_tracks(session, diarization)
    if options.source == "tracks" and not usable:
        raise UsageError("--source tracks needs per-participant tracks and speakers named after them")
    if not usable or options.source == "mix":
        return "mix"
    return "tracks" if options.source == "tracks" else "probe"


def probe_sources(
    mix: np.ndarray,
    session: Session,
    diarization: Diarization,
    transcriber: Transcriber,
    options: TranscribeOptions,
    prompt: Prompt = NO_PROMPT,
) -> dict[str, float]:
    """Whisper's mean word probability on the same turns from the mix and from the tracks.

    The turns are the first ``probe_seconds`` of speech, shared among the speakers that
    have a track. Whisper is surer of itself on the cleaner audio: on the fixtures a clear
    lead (``probe_margin``) went with the lower error rate (docs/benchmarks.md).
    """
    duration = len(mix) / SAMPLE_RATE
    tracks = {track.name for track in session.tracks}
    regions = {s: r for s, r in speaker_regions(diarization.turns, duration).items() if s in tracks}
    share = options.probe_seconds / max(1, len(regions))
    sample = {speaker: _first_seconds(own, share) for speaker, own in regions.items()}
    scores = {}
    with tempfile.TemporaryDirectory(prefix="verbali-probe-") as scratch:
        for source in ("mix", "tracks"):
            parts: Iterable[Part]
            if source == "mix":
                parts = [Part(s, own, _cutter(mix, own)) for s, own in sample.items()]
            else:
                parts = _speaker_parts(mix, session, sample, options.block_seconds, Path(scratch))
            words = transcribe_parts(parts, 1.0, duration, transcriber, options, null_hook, prompt).words
            scores[source] = sum(w.probability for w in words) / len(words) if words else 0.0
    return scores


def _first_seconds(regions: list[Region], seconds: float) -> list[Region]:
    chosen: list[Region] = []
    for region in regions:
        room = seconds - sum(r.duration for r in chosen)
        if room <= 1.0:
            break
        chosen.append(Region(region.start, min(region.end, region.start + room)))
    return chosen


def transcribe_mix(
    samples: np.ndarray,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook = null_hook,
    prompt: Prompt = NO_PROMPT,
) -> Transcript:
    """The mix, a block at a time."""
    duration = len(samples) / SAMPLE_RATE
    parts = [Part(None, [block], _slicer(samples, block)) for block in mix_blocks(samples, options.block_seconds)]
    return transcribe_parts(parts, duration, duration, transcriber, options, hook, prompt)


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
    seconds = sum(r.duration for own in regions.values() for r in own)
    with tempfile.TemporaryDirectory(prefix="verbali-track-") as scratch:
        parts = _speaker_parts(mix, session, regions, options.block_seconds, Path(scratch))
        return transcribe_parts(parts, seconds, duration, transcriber, options, hook, prompt)


def _speaker_parts(
    mix: np.ndarray, session: Session, regions: dict[str, list[Region]], block: float, scratch: Path
) -> Iterator[Part]:
    tracks = {track.name: session.path_of(track.path) for track in session.tracks}
    for speaker, own in regions.items():
        if speaker not in tracks:
            yield from (Part(speaker, batch, _cutter(mix, batch)) for batch in batches(own, block))
            continue
        wav = Path(decode(tracks[speaker], scratch / "track.wav").path)
        yield from (Part(speaker, batch, _reader(wav, batch)) for batch in batches(own, block))
        wav.unlink()


def _slicer(samples: np.ndarray, region: Region):
    return lambda: samples[round(region.start * SAMPLE_RATE) : round(region.end * SAMPLE_RATE)]


def _cutter(samples: np.ndarray, regions: list[Region]):
    return lambda: np.concatenate([_slicer(samples, r)() for r in regions])


def _reader(wav_path: Path, regions: list[Region]):
    return lambda: _read_regions(wav_path, regions)


def _read_regions(wav_path: Path, regions: list[Region]) -> np.ndarray:
    """The regions of a 16 kHz mono 16-bit WAV, read without loading the rest."""
    parts = []
    with wave.open(str(wav_path), "rb") as wav:
        frames = wav.getnframes()
        for region in regions:
            first = min(frames, round(region.start * SAMPLE_RATE))
            wav.setpos(first)
            count = min(frames, round(region.end * SAMPLE_RATE)) - first
            parts.append(np.frombuffer(wav.readframes(count), dtype="<i2").astype(np.float32) / 32768)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
