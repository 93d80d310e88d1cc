"""Export a speaker-attributed transcript as subtitles (SRT, WebVTT) and plain text."""

from __future__ import annotations

import datetime as dt

import srt
import webvtt

from pipeline.artifacts import Segment, Transcript


def _label(segment: Segment) -> str:
    return f"{segment.speaker}: " if segment.speaker else ""


def to_srt(transcript: Transcript) -> str:
    subtitles = [
        srt.Subtitle(i, dt.timedelta(seconds=s.start), dt.timedelta(seconds=s.end), _label(s) + s.text)
        for i, s in enumerate(transcript.segments, start=1)
    ]
    return srt.compose(subtitles)


def to_vtt(transcript: Transcript) -> str:
    captions = webvtt.WebVTT()
    for segment in transcript.segments:
        text = f"<v {segment.speaker}>{segment.text}" if segment.speaker else segment.text
        captions.captions.append(webvtt.Caption(_timestamp(segment.start), _timestamp(segment.end), text))
    return captions.content


def _timestamp(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def to_text(transcript: Transcript) -> str:
    """One paragraph per speaker turn: ``[00:01:02 - 00:01:30] Name`` then the words."""
    paragraphs: list[tuple[Segment, list[str], float]] = []
    for segment in transcript.segments:
        if paragraphs and paragraphs[-1][0].speaker == segment.speaker:
            first, texts, _ = paragraphs[-1]
            paragraphs[-1] = (first, [*texts, segment.text], segment.end)
        else:
            paragraphs.append((segment, [segment.text], segment.end))
    blocks = [
        f"[{_clock(first.start)} - {_clock(end)}] {first.speaker or 'Voce'}\n{' '.join(texts)}"
        for first, texts, end in paragraphs
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
