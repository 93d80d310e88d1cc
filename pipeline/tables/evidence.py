"""Why a stretch of the plenary was taken for a table's report: clues the code branches on.

Each piece of evidence is a ``Clue`` (a code) with its details; ``str(evidence)`` is the English
line written to ``tables.json`` for people, which no code reads back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Clue(StrEnum):
    TABLE_HANDOVER = "table-handover"  # the facilitator handed the floor naming the table
    HANDOVER = "handover"  # ... naming a person, or just giving "la parola"
    FACILITATOR_REPORTS = "facilitator-reports"  # "lo riporto io": the facilitator presents a table
    SELF_INTRODUCTION = "self-introduction"  # "sono la portavoce del tavolo ..."
    NAMES_TABLE = "names-table"  # the turn opens naming its table
    INTRODUCES_THEMSELVES = "introduces-themselves"
    ANSWERS_BY_NAME = "answers-by-name"  # the hand-over named someone, and that person speaks
    REPORT_LIKE = "report-like"  # long, dense in heading cues or announcements
    HOLDS_THE_FLOOR = "holds-the-floor"  # after a report, another voice speaks at a report's length
    SECOND_SPOKESPERSON = "second-spokesperson"
    RESUMED = "resumed"  # the report went on after an interruption


TEXT = {
    Clue.FACILITATOR_REPORTS: "the facilitator reports for the table",
    Clue.SELF_INTRODUCTION: "self-introduction",
    Clue.NAMES_TABLE: "names its table",
    Clue.INTRODUCES_THEMSELVES: "introduces themselves",
    Clue.ANSWERS_BY_NAME: "introduces themselves after a hand-over by name",
    Clue.REPORT_LIKE: "report-like turn",
    Clue.HOLDS_THE_FLOOR: "a report's length in one voice, after another report",
    Clue.SECOND_SPOKESPERSON: "second spokesperson",
    Clue.RESUMED: "report resumed after an interruption",
}
HANDOVERS = frozenset({Clue.TABLE_HANDOVER, Clue.HANDOVER})
# the turn says whose it is
OWN = frozenset({Clue.FACILITATOR_REPORTS, Clue.SELF_INTRODUCTION, Clue.NAMES_TABLE, Clue.ANSWERS_BY_NAME})


@dataclass(frozen=True)
class Evidence:
    clue: Clue
    detail: str = ""
    speaker: str = ""  # who handed over

    def __str__(self) -> str:
        if self.clue in HANDOVERS:
            return f"{self.speaker}: hand-over ({self.detail})"
        text = TEXT[self.clue]
        return f"{text} ({self.detail})" if self.detail else text


def clues(evidence: list[Evidence]) -> set[Clue]:
    return {e.clue for e in evidence}
