"""Align: give each word a speaker and regroup words into speaker utterances.

A word goes to the speaker whose turns overlap it most; a word that falls between
turns goes to the nearest turn. Utterances split where the speaker changes, after
a long pause, or when they grow too long, and are marked ``overlap`` when another
speaker's turn covers part of them.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from pipeline.artifacts import Diarization, Segment, Transcript, Turn, Word
from pipeline.config import AlignOptions

SENTENCE_END = (".", "?", "!")


def align(transcript: Transcript, diarization: Diarization, options: AlignOptions = AlignOptions()) -> Transcript:
    """Words to speakers to utterances. Words transcribed from a speaker's own track
    (their segment already has a speaker) keep it; the others go by the turns."""
    if not diarization.turns:
        return transcript
    index = _TurnIndex(diarization.turns)
    labelled = [
        (word, segment.speaker or index.speaker_of(word)) for segment in transcript.segments for word in segment.words
    ]
    labelled.sort(key=lambda pair: pair[0].start)
    segments = [_segment(words, speaker) for words, speaker in _group(labelled, options)]
    for segment in segments:
        segment.overlap = index.others_during(segment.start, segment.end, segment.speaker)
    return replace(transcript, segments=segments)


class _TurnIndex:
    def __init__(self, turns: list[Turn]) -> None:
        self.turns = sorted(turns)
        self.starts = [t.start for t in self.turns]
        self.longest = max(t.duration for t in self.turns)

    def _near(self, start: float, end: float) -> list[Turn]:
        """Turns that may overlap [start, end] (starts sorted; bounded by the longest turn)."""
        low = bisect.bisect_left(self.starts, start - self.longest)
        high = bisect.bisect_right(self.starts, end)
        return [t for t in self.turns[low:high] if t.end > start]

    def speaker_of(self, word: Word) -> str:
        overlaps: dict[str, float] = {}
        for turn in self._near(word.start, word.end):
            shared = min(turn.end, word.end) - max(turn.start, word.start)
            if shared > 0:
                overlaps[turn.speaker] = overlaps.get(turn.speaker, 0.0) + shared
        if overlaps:
            return max(overlaps, key=overlaps.__getitem__)
        return self._nearest(word).speaker

    def _nearest(self, word: Word) -> Turn:
        middle = (word.start + word.end) / 2
        position = bisect.bisect_left(self.starts, middle)
        candidates = self.turns[max(0, position - 8) : position + 1]
        return min(candidates, key=lambda t: max(t.start - middle, middle - t.end, 0.0))

    def others_during(self, start: float, end: float, speaker: str | None) -> bool:
        return any(t.speaker != speaker and min(t.end, end) - max(t.start, start) > 0.2 for t in self._near(start, end))


def _group(labelled: list[tuple[Word, str]], options: AlignOptions) -> list[tuple[list[Word], str]]:
    """Each speaker's words into utterances, split where another speaker's word comes
    between two of theirs; with words from the tracks, overlapping speech stays whole."""
    starts = [word.start for word, _ in labelled]
    open_groups: dict[str, tuple[list[Word], str]] = {}
    groups: list[tuple[list[Word], str]] = []
    for word, speaker in labelled:
        group = open_groups.get(speaker)
        continues = group and not _starts_new(group, word, speaker, options)
        if continues and not _interrupted(labelled, starts, group[0][-1], word, speaker):
            group[0].append(word)
            continue
        open_groups[speaker] = ([word], speaker)
        groups.append(open_groups[speaker])
    return sorted(groups, key=lambda g: g[0][0].start)


def _interrupted(labelled: list[tuple[Word, str]], starts: list[float], last: Word, word: Word, speaker: str) -> bool:
    """Whether another speaker says a word wholly between ``last`` and ``word``."""
    low, high = bisect.bisect_left(starts, last.end), bisect.bisect_left(starts, word.start)
    return any(other != speaker and w.end <= word.start for w, other in labelled[low:high])


def _starts_new(group: tuple[list[Word], str], word: Word, speaker: str, options: AlignOptions) -> bool:
    words, current = group
    if speaker != current or word.start - words[-1].end > options.max_gap:
        return True
    length = word.end - words[0].start
    at_pause = words[-1].word.strip().endswith((*SENTENCE_END, ","))
    return (length > options.max_segment and at_pause) or length > 2 * options.max_segment


def _segment(words: list[Word], speaker: str) -> Segment:
    text = "".join(w.word for w in words).strip()
    return Segment(start=words[0].start, end=words[-1].end, text=text, words=words, speaker=speaker)
