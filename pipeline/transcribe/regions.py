"""Stretches of a recording to transcribe, and the way back to the recording's times.

Whisper is given bounded stretches, never a whole long recording at once: faster-whisper
computes the features of everything it is given, so memory would grow with the length.
The mix is cut into blocks at its quietest moment near each block's end; a speaker's turns
are joined into batches of at most a block's length.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from pipeline.artifacts import Segment, Turn, Word

SAMPLE_RATE = 16000
JOIN_GAP = 0.6  # turns of one speaker closer than this are cut as one region
PAD = 0.2  # seconds kept around each turn
QUIET_SEARCH = 30.0  # seconds before a block's end searched for its quietest moment
QUIET_FRAME = 0.1


@dataclass(frozen=True)
class Region:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


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


def batches(regions: list[Region], longest: float) -> Iterator[list[Region]]:
    """Consecutive regions, at most ``longest`` seconds of them at a time (a longer region alone)."""
    batch: list[Region] = []
    for region in regions:
        if batch and sum(r.duration for r in batch) + region.duration > longest:
            yield batch
            batch = []
        batch.append(region)
    if batch:
        yield batch


def mix_blocks(samples: np.ndarray, block: float) -> list[Region]:
    """The whole recording as blocks of about ``block`` seconds, cut where it is quietest."""
    duration = len(samples) / SAMPLE_RATE
    blocks, start = [], 0.0
    while duration - start > block * 1.25:
        cut = _quietest(samples, start + block - QUIET_SEARCH, start + block)
        blocks.append(Region(start, cut))
        start = cut
    return [*blocks, Region(start, duration)]


def _quietest(samples: np.ndarray, start: float, end: float) -> float:
    frame = int(QUIET_FRAME * SAMPLE_RATE)
    window = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    usable = len(window) // frame * frame
    energy = np.square(window[:usable].reshape(-1, frame), dtype=np.float32).mean(axis=1)
    return start + (int(np.argmin(energy)) + 0.5) * QUIET_FRAME


class TimeMap:
    """Times in regions joined end to end back to times in the recording."""

    def __init__(self, regions: list[Region]) -> None:
        self.regions = regions
        self.offsets = list(np.cumsum([0.0] + [r.duration for r in regions[:-1]]))

    def index(self, joined: float) -> int:
        return max(0, bisect.bisect_right(self.offsets, joined) - 1)

    def original(self, joined: float, index: int) -> float:
        region = self.regions[index]
        return min(region.end, region.start + max(0.0, joined - self.offsets[index]))


def placed(segments: list[Segment], times: TimeMap, speaker: str | None) -> list[Segment]:
    """The segments at recording times, split where they cross from one region to the next."""
    result: list[Segment] = []
    for segment in segments:
        current: list[Word] = []
        region = None
        for word in segment.words:
            index = times.index((word.start + word.end) / 2)
            if current and index != region:
                result.append(_segment(current, speaker))
                current = []
            region = index
            start, end = times.original(word.start, index), times.original(word.end, index)
            current.append(Word(start, max(start, end), word.word, word.probability))
        if current:
            result.append(_segment(current, speaker))
    return result


def _segment(words: list[Word], speaker: str | None) -> Segment:
    text = "".join(w.word for w in words).strip()
    return Segment(words[0].start, words[-1].end, text, words, speaker=speaker)
