"""The data that flows between stages, and its JSON form on disk.

Each stage is a function from artifacts to artifacts. Every artifact is a plain
dataclass that round-trips through ``to_dict``/``from_dict``; the JSON files in
``outputs/<session-id>/`` are exactly those dicts, documented in
``docs/artifacts.md``. ``SCHEMA_VERSION`` is bumped when a field changes meaning.
One module per stage's output, in the order the stages run.
"""

from pipeline.artifacts.audio import AudioInfo
from pipeline.artifacts.diarization import BleedReport, Diarization, TrackBleed, Turn
from pipeline.artifacts.schema import SCHEMA_VERSION, SchemaMismatch, check_schema
from pipeline.artifacts.session import (
    Attendance,
    Attendee,
    ChatMessage,
    DateSource,
    ParticipantTrack,
    Session,
    SourceFile,
    VttCue,
)
from pipeline.artifacts.tables import OtherPart, ReportSentence, Spokesperson, TableReport, Tables
from pipeline.artifacts.transcript import Segment, Transcript, Word

__all__ = [
    "SCHEMA_VERSION",
    "Attendance",
    "Attendee",
    "AudioInfo",
    "BleedReport",
    "ChatMessage",
    "DateSource",
    "Diarization",
    "OtherPart",
    "ParticipantTrack",
    "ReportSentence",
    "SchemaMismatch",
    "Segment",
    "Session",
    "SourceFile",
    "Spokesperson",
    "TableReport",
    "Tables",
    "TrackBleed",
    "Transcript",
    "Turn",
    "VttCue",
    "Word",
    "check_schema",
]
