"""Transcribe a recording part by part, each part a list of regions joined end to end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from pipeline.artifacts import Segment, Transcript
from pipeline.config import TranscribeOptions
from pipeline.progress import Hook
from pipeline.transcribe.context import Prompt
from pipeline.transcribe.engine import Transcriber
from pipeline.transcribe.regions import Region, TimeMap, placed


@dataclass(frozen=True)
class Part:
    speaker: str | None  # None: words get their speaker at alignment
    regions: list[Region]
    load: Callable[[], np.ndarray]  # the regions' samples, joined


def transcribe_parts(
    parts: Iterable[Part],
    seconds: float,
    duration: float,
    transcriber: Transcriber,
    options: TranscribeOptions,
    hook: Hook,
    prompt: Prompt,
) -> Transcript:
    """``seconds``: the parts' total length, for one progress bar over all of them."""
    segments: list[Segment] = []
    language, probability, done = options.language or "", 1.0, 0.0
    hook("transcription", total=seconds, completed=0.0)
    for part in parts:
        progress = _offset(hook, seconds, done)
        result = transcriber.transcribe(part.load(), options, progress, prompt)
        segments += placed(result.segments, TimeMap(part.regions), part.speaker)
        language, probability = result.language, result.language_probability
        done += sum(r.duration for r in part.regions)
        hook("transcription", total=seconds, completed=min(done, seconds))
    segments.sort(key=lambda s: (s.start, s.end))
    return Transcript(language, segments, duration, transcriber.name, probability)


def _offset(hook: Hook, whole: float, done: float) -> Hook:
    """The engine's progress within a part, as progress over all the parts."""

    def progress(step: str, artifact: object = None, file: object = None, *, total=None, completed=None) -> None:
        if completed is not None:
            hook(step, total=whole, completed=min(whole, done + completed))

    return progress
