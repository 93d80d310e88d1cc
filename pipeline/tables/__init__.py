"""Find the tables' reports in a plenary and give each sentence its guide question.

In a "coprogrammazione" plenary the facilitator hands the floor from table to
table and each table's spokesperson ("portavoce") presents its synthesis along
four guide questions: criticità, risorse, proposte, rete. This stage reads the
speaker-attributed transcript and writes ``tables.json``:

1. sentences: spaCy's sentencizer on each utterance, long unpunctuated runs cut
   at the longest pauses between words;
2. signals per sentence, from the patterns in ``pipeline/data/it/``: hand-overs,
   self-introductions, table references (number, ordinal, theme), names,
   organisations, questions, closings, heading cues and announcements;
3. reports: a turn that follows a hand-over, opens with a self-introduction or
   names its table starts a report; the report runs over that speaker's turns,
   across short interjections, until someone else takes the floor;
4. identity: table number, theme and spokesperson from every signal, checked
   against the programme and the session's participants where given;
5. headings: the most likely sequence of headings for a report's sentences
   (an announced heading carries over, lexical cues move it, the guide
   questions' order is preferred), with each sentence's posterior as confidence.

A module per step; ``find_tables`` (``assembly``) runs them and never raises on odd input: it
returns no tables or doubtful ones.
"""

from pipeline.artifacts import OtherPart, ReportSentence, Spokesperson, TableReport, Tables
from pipeline.tables.assembly import find_tables
from pipeline.tables.identity import is_name_label, person_of_label
from pipeline.tables.options import ALTRO, HEADINGS, STATES, TablesOptions

__all__ = [
    "ALTRO",
    "HEADINGS",
    "STATES",
    "OtherPart",
    "ReportSentence",
    "Spokesperson",
    "TableReport",
    "Tables",
    "TablesOptions",
    "find_tables",
    "is_name_label",
    "person_of_label",
]
