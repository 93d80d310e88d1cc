"""Audio: probe with ffprobe, decode with ffmpeg to 16 kHz mono, in bounded memory.

ffmpeg resamples as it reads, so a three-hour 44.1 kHz stereo recording never sits
in memory at its source rate: the decoded 16-bit WAV goes to disk (it is also the
artifact editors play back), and ``load_samples`` fills one float32 array, the
16 kHz mono form Whisper and pyannote need, one small block at a time.
pydub is used for what it is good at here: finding ffmpeg and reading ffprobe's report.
"""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from pipeline.artifacts import AudioInfo
from pipeline.errors import AudioError, ToolMissing
from pipeline.storage.files import atomic_path

SAMPLE_RATE = 16000
DECODED_AUDIO = "audio.16k.wav"  # a session's recording as the models hear it, in its outputs folder
REVIEW_AUDIO = "audio.review.mp3"  # the review app's listening copy, next to the decoded WAV
_BLOCK = SAMPLE_RATE * 60  # samples converted at a time

Progress = Callable[[float, float], None]  # (seconds done, seconds in all)


def ffmpeg() -> str:
    from pydub.utils import which

    path = which("ffmpeg")
    if path is None:
        raise ToolMissing("ffmpeg is not installed: run ./setup.sh (or apt-get install ffmpeg)")
    return path


def probe_duration(path: Path) -> float:
    """Duration in seconds of the first audio stream; AudioError if there is none."""
    from pydub.utils import mediainfo_json

    if not path.is_file():
        raise AudioError(path, "file not found")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    ffmpeg()
    try:
        info = mediainfo_json(str(path), read_ahead_limit=-1)
    except Exception:  # pydub raises on ffprobe's unparsable output
        info = {}
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioError(path, "no audio stream (truncated, corrupt, or not a media file)")
    duration = _first_float(streams[0].get("duration"), info.get("format", {}).get("duration"))
    if duration is None:
        raise AudioError(path, "cannot tell the duration (truncated or corrupt file)")
    return duration


def _first_float(*values: object) -> float | None:
    for value in values:
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return None


def decode(source: Path, target: Path, progress: Progress | None = None) -> AudioInfo:
    """Write ``source`` as a 16 kHz mono 16-bit WAV at ``target`` (atomically)."""
    total = probe_duration(source)
    with atomic_path(target) as partial:
        command = [
            ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", str(source), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "pcm_s16le", "-f", "wav", "-progress", "pipe:1", str(partial),
        ]  # fmt: skip
        _run_with_progress(command, source, total, progress)
        duration = wav_duration(partial)
    if duration <= 0:
        target.unlink(missing_ok=True)
        raise AudioError(source, "no audio could be decoded (truncated or corrupt file)")
    return AudioInfo(path=str(target), source=str(source), duration=duration)


def review_copy_fresh(target: Path, source: Path) -> bool:
    return target.exists() and (not source.exists() or target.stat().st_mtime >= source.stat().st_mtime)


def encode_review_copy(source: Path, target: Path, bitrate: str = "32k") -> Path:
    """An MP3 of ``source`` that every browser plays and seeks in, written atomically.

    Constant bit rate, so that a browser maps a time to a byte offset exactly and HTTP range
    requests seek at once in a 3-hour file (about 14 MB an hour at 32 kbit/s).
    """
    with atomic_path(target) as partial:
        command = [ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(source), "-ac", "1", "-c:a", "libmp3lame"]
        result = subprocess.run([*command, "-b:a", bitrate, "-f", "mp3", str(partial)], capture_output=True, text=True)
        if result.returncode != 0:
            raise AudioError(
                source,
                f"cannot encode the review copy: {(result.stderr.strip().splitlines() or ['ffmpeg failed'])[-1]}",
            )
    return target


def _run_with_progress(command: list[str], source: Path, total: float, progress: Progress | None) -> None:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and progress and value.isdigit():
            progress(min(int(value) / 1e6, total), total)
    stderr = process.stderr.read() if process.stderr else ""
    if process.wait() != 0:
        reason = (stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
        raise AudioError(source, f"cannot decode: {reason}")
    if progress:
        progress(total, total)


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def load_samples(wav_path: Path) -> np.ndarray:
    """The float32 samples in [-1, 1] of a WAV written by ``decode``, read block by block."""
    with wave.open(str(wav_path), "rb") as wav:
        frames = wav.getnframes()
        if wav.getframerate() != SAMPLE_RATE or wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise AudioError(wav_path, "not a 16 kHz mono 16-bit WAV written by verbali")
    samples = np.empty(frames, dtype=np.float32)
    block = np.empty(_BLOCK, dtype="<i2")
    with wav_path.open("rb") as stream:
        stream.seek(_data_offset(wav_path))
        for start in range(0, frames, _BLOCK):
            count = min(_BLOCK, frames - start)
            stream.readinto(memoryview(block)[:count].cast("B"))
            np.multiply(block[:count], 1 / 32768, out=samples[start : start + count])
    return samples


def _data_offset(wav_path: Path) -> int:
    """Byte offset of the PCM data in a RIFF/WAVE file."""
    with wav_path.open("rb") as stream:
        stream.seek(12)
        while chunk := stream.read(8):
            size = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                return stream.tell()
            stream.seek(size + (size & 1), 1)
    raise AudioError(wav_path, "no data chunk in WAV file")


def frame_levels(source: Path, frame: float = 0.02) -> np.ndarray:
    """Level in dBFS of each ``frame``-second frame of a file, decoded as a stream.

    Used for per-participant tracks: only one frame row per track is kept, never
    the samples, so many long tracks cost little memory.
    """
    samples_per_frame = int(SAMPLE_RATE * frame)
    levels = [_levels(block, samples_per_frame) for block in _pcm_blocks(source, samples_per_frame * 500)]
    return np.concatenate(levels) if levels else np.zeros(0, dtype=np.float32)


def _pcm_blocks(source: Path, block_samples: int) -> Iterator[np.ndarray]:
    probe_duration(source)
    command = [
        ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(source),
        "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    while block := process.stdout.read(block_samples * 2):
        yield np.frombuffer(block, dtype="<i2").astype(np.float32) / 32768
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.wait() != 0:
        raise AudioError(source, f"cannot decode: {(stderr.strip().splitlines() or ['ffmpeg failed'])[-1]}")


def _levels(block: np.ndarray, samples_per_frame: int) -> np.ndarray:
    usable = len(block) // samples_per_frame * samples_per_frame
    if usable == 0:
        return np.zeros(0, dtype=np.float32)
    frames = block[:usable].reshape(-1, samples_per_frame)
    power = np.mean(frames**2, axis=1) + 1e-10
    return (10 * np.log10(power)).astype(np.float32)
