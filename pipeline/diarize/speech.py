"""What each per-participant track hears, frame by frame: speech and level.

Speech comes from pyannote's segmentation-3.0 network used as voice activity
detection (the way pyannote's own ``VoiceActivityDetection`` pipeline uses it:
the largest local-speaker activation of each window, windows averaged), with no
embeddings and no clustering. The level in the voice band (300-3400 Hz) lets the
tracks be compared with each other to tell a voice from its bleed (see ``tracks``):
a headset's own breathing and handling noise is mostly below 300 Hz, and measured
over the whole band it outshouted the voices it bled from (AMI, docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
FRAME = 0.02  # seconds per frame of every per-track signal
HOP = int(SAMPLE_RATE * FRAME)
VOICE_BAND = (300.0, 3400.0)  # Hz: telephone band; chosen on the benchmark's pool against 200-4000 and 500-4000


@dataclass
class TrackSignals:
    """One track's frame-level signals (FRAME seconds each)."""

    name: str
    speech: np.ndarray  # probability of speech, 0..1
    level: np.ndarray  # dBFS in VOICE_BAND
    samples: np.ndarray | None = None  # the track at SAMPLE_RATE, for the own-voice check (``voices``)

    @property
    def frames(self) -> int:
        return len(self.level)


class SpeechDetector:
    """segmentation-3.0 (or any pyannote segmentation model) as voice activity detection."""

    def __init__(self, model, step: float = 0.5, batch_size: int = 32) -> None:
        from pyannote.audio import Inference

        duration = model.specifications.duration
        self.inference = Inference(
            model,
            duration=duration,
            step=step * duration,
            batch_size=batch_size,
            pre_aggregation_hook=lambda scores: np.max(scores, axis=-1, keepdims=True),
        )

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each FRAME of ``samples`` (16 kHz mono float32)."""
        import torch

        frames = int(np.ceil(len(samples) / HOP))
        if len(samples) < SAMPLE_RATE // 10 or not np.any(samples):
            return np.zeros(frames, dtype=np.float32)
        scores = self.inference({"waveform": torch.from_numpy(samples).unsqueeze(0), "sample_rate": SAMPLE_RATE})
        window = scores.sliding_window
        centres = window.start + window.duration / 2 + window.step * np.arange(len(scores.data))
        wanted = (np.arange(frames) + 0.5) * FRAME
        return np.interp(wanted, centres, np.nan_to_num(scores.data[:, 0])).astype(np.float32)


def track_signals(name: str, samples: np.ndarray, detector: SpeechDetector) -> TrackSignals:
    speech = detector.probabilities(samples)
    return TrackSignals(name, speech, frame_levels(voice_band(samples), len(speech)), samples)


def voice_band(samples: np.ndarray) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    sections = butter(4, VOICE_BAND, btype="bandpass", fs=SAMPLE_RATE, output="sos")
    return sosfilt(sections, samples).astype(np.float32)


def frame_levels(samples: np.ndarray, frames: int) -> np.ndarray:
    padded = np.zeros(frames * HOP, dtype=np.float32)
    padded[: min(len(samples), len(padded))] = samples[: len(padded)]
    power = np.mean(padded.reshape(frames, HOP).astype(np.float64) ** 2, axis=1)
    return (10 * np.log10(power + 1e-10)).astype(np.float32)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in a boolean vector."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
