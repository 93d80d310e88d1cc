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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
FRAME = 0.02  # seconds per frame of every per-track signal
HOP = int(SAMPLE_RATE * FRAME)
Progress = Callable[[int, int], None]  # (windows computed, windows to compute)
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
    """segmentation-3.0 (or any pyannote segmentation model) as voice activity detection.

    The model slides over each track in windows (``step`` of its duration apart) whose outputs
    are averaged, exactly as pyannote's ``Inference`` does; a window is computed only if it
    covers a frame someone wants (``wanted``), and the windows of all tracks go through the
    network in shared batches. A wanted frame gets the value that sliding over the whole track
    gives (every window that covers it is computed); frames not wanted are 0.
    """

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
        self.window = model.audio.get_num_samples(duration)  # samples
        self.step = round(step * duration * SAMPLE_RATE)  # samples
        self.batch_size = batch_size

    def probabilities(self, samples: np.ndarray, wanted: np.ndarray | None = None) -> np.ndarray:
        """Speech probability of each FRAME of ``samples`` (16 kHz mono float32)."""
        return self.probabilities_of([samples], [wanted])[0]

    def probabilities_of(
        self, tracks: list[np.ndarray], wanted: list[np.ndarray | None], progress: Progress | None = None
    ) -> list[np.ndarray]:
        """``probabilities`` of several tracks, their windows batched together."""
        plans = [self._windows(samples, frames) for samples, frames in zip(tracks, wanted, strict=True)]
        jobs = [(track, index) for track, plan in enumerate(plans) for index in plan.computed]
        outputs = [np.full((len(plan.starts),), None, dtype=object) for plan in plans]
        for first in range(0, len(jobs), self.batch_size):
            batch = jobs[first : first + self.batch_size]
            chunks = np.stack([plans[t].chunk(tracks[t], i, self.window) for t, i in batch])
            scores = self._infer(chunks)
            for (track, index), score in zip(batch, scores, strict=True):
                outputs[track][index] = score
            if progress is not None:
                progress(min(first + self.batch_size, len(jobs)), len(jobs))
        return [
            self._aggregate(plan, scores, len(samples), frames)
            for plan, scores, samples, frames in zip(plans, outputs, tracks, wanted, strict=True)
        ]

    def _windows(self, samples: np.ndarray, wanted: np.ndarray | None) -> _Windows:
        frames = int(np.ceil(len(samples) / HOP))
        if len(samples) < SAMPLE_RATE // 10 or not np.any(samples):
            return _Windows(frames, [], [])
        count = (len(samples) - self.window) // self.step + 1 if len(samples) >= self.window else 0
        starts = [index * self.step for index in range(count)]
        if len(samples) < self.window or (len(samples) - self.window) % self.step:
            starts.append(count * self.step)  # pyannote's last window, zero-padded
        if wanted is None:
            return _Windows(frames, starts, list(range(len(starts))))
        # the frames a window's output reaches through the interpolation below, with some slack
        reach = np.convolve(wanted[:frames], np.ones(2 * WANTED_SLACK + 1), mode="same") > 0
        cumulative = np.concatenate([[0], np.cumsum(reach)])
        computed = []
        for index, start in enumerate(starts):
            first, last = start // HOP, min(frames, -(-(start + self.window) // HOP))
            if cumulative[last] > cumulative[min(first, last)]:
                computed.append(index)
        return _Windows(frames, starts, computed)

    def _infer(self, chunks: np.ndarray) -> np.ndarray:
        import torch

        scores = self.inference.infer(torch.from_numpy(chunks).unsqueeze(1))
        return self.inference.pre_aggregation_hook(scores)

    def _aggregate(self, plan: _Windows, scores: np.ndarray, length: int, wanted: np.ndarray | None) -> np.ndarray:
        from pyannote.core import Segment, SlidingWindow, SlidingWindowFeature

        if not plan.computed:
            return np.zeros(plan.frames, dtype=np.float32)
        shape = next(s for s in scores if s is not None).shape
        stacked = np.stack([s if s is not None else np.full(shape, np.nan, dtype=np.float32) for s in scores])
        duration, step = self.window / SAMPLE_RATE, self.step / SAMPLE_RATE
        aggregated = self.inference.aggregate(
            SlidingWindowFeature(stacked, SlidingWindow(start=0.0, duration=duration, step=step)),
            self.inference.model.receptive_field,
            warm_up=self.inference.warm_up,
            hamming=True,
            missing=0.0,
        )
        if plan.starts[-1] + self.window > length:  # pyannote drops what the last window's padding added
            aggregated.data = aggregated.crop(Segment(0.0, length / SAMPLE_RATE), mode="loose")
        window = aggregated.sliding_window
        centres = window.start + window.duration / 2 + window.step * np.arange(len(aggregated.data))
        wanted_times = (np.arange(plan.frames) + 0.5) * FRAME
        speech = np.interp(wanted_times, centres, np.nan_to_num(aggregated.data[:, 0])).astype(np.float32)
        if wanted is not None:
            speech[~wanted[: plan.frames]] = 0.0
        return speech


WANTED_SLACK = 5  # frames (0.1 s) around a wanted frame whose windows are computed too


@dataclass
class _Windows:
    """Where a track's windows start (samples), and which of them are computed."""

    frames: int
    starts: list[int]
    computed: list[int]

    def chunk(self, samples: np.ndarray, index: int, size: int) -> np.ndarray:
        piece = samples[self.starts[index] : self.starts[index] + size]
        return np.pad(piece, (0, size - len(piece))).astype(np.float32)


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
