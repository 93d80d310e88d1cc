"""Turns: consecutive sentences of one speaker; one voice for a whole recording told apart by what it says."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from pipeline.tables.options import FACILITATOR, UNKNOWN_SPEAKER
from pipeline.tables.sentences import Sentence
from pipeline.tables.signals import Signals


@dataclass
class Turn:
    """Consecutive sentences of one speaker."""

    speaker: str
    sentences: list[Sentence]
    signals: list[Signals]
    self_report: bool = False  # the facilitator presenting an absent spokesperson's table

    @property
    def start(self) -> float:
        return self.sentences[0].start

    @property
    def end(self) -> float:
        return self.sentences[-1].end

    @cached_property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)

    def opening(self, count: int) -> list[Signals]:
        return self.signals[:count]

    @property
    def has_handover(self) -> bool:
        return any(s.handover for s in self.signals)

    @property
    def has_question(self) -> bool:
        return any(s.question for s in self.signals)


def build_turns(sentences: Sequence[Sentence], signals: Sequence[Signals]) -> list[Turn]:
    turns: list[Turn] = []
    for sentence, signal in zip(sentences, signals, strict=True):
        if turns and turns[-1].speaker == sentence.speaker:
            turns[-1].sentences.append(sentence)
            turns[-1].signals.append(signal)
        else:
            turns.append(Turn(sentence.speaker, [sentence], [signal]))
    return turns


def relabel_single_speaker(sentences: list[Sentence], signals: Sequence[Signals]) -> bool:
    """With one voice for the whole recording, tell facilitator from presenters by what they say.

    Returns whether it relabelled: the recording opens with the facilitator;
    hand-overs, closings and questions to the room are the facilitator's; what
    follows a hand-over, or a self-introduction, is a new pseudo presenter's.
    """
    voices = Counter(s.speaker for s in sentences if s.speaker != UNKNOWN_SPEAKER)
    if len(voices) > 1 or not sentences:
        return False
    current, presenter, said, invited = FACILITATOR, 0, 0, False
    for sentence, signal in zip(sentences, signals, strict=True):
        introduces = signal.speaks_for_table or bool(signal.intro_name)
        if _sounds_like_facilitator(signal, current):
            current, invited = FACILITATOR, invited or signal.handover
        elif (current == FACILITATOR and (invited or introduces)) or (said > 12 and introduces):
            presenter, said, invited = presenter + 1, 0, False
            current = f"voce {presenter}"
        said += sentence.words
        sentence.speaker = current
    return True


def _sounds_like_facilitator(signal: Signals, current: str) -> bool:
    if signal.handover or "CLOSING" in signal.labels:
        return True
    return current == FACILITATOR and signal.question and "QUESTION" in signal.labels
