"""The data that flows between stages, and its JSON form on disk.

Each stage is a function from artifacts to artifacts. Every artifact is a plain
dataclass that round-trips through ``to_dict``/``from_dict``; the JSON files in
``outputs/<session-id>/`` are exactly those dicts, documented in
``docs/artifacts.md``. ``SCHEMA_VERSION`` is bumped when a field changes meaning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pipeline.errors import VerbaliError

SCHEMA_VERSION = 1

T = TypeVar("T")


def _round(value: float) -> float:
    return round(float(value), 3)


class SchemaMismatch(VerbaliError):
    """An artifact written by another version of verbali, whose fields may mean something else."""


def check_schema(data: dict[str, Any], artifact: str) -> None:
    """Refuse an artifact of another schema version with a clear message (the runner then redoes it)."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        age = "a newer" if version > SCHEMA_VERSION else "an older"
        raise SchemaMismatch(
            f"{artifact} was written by {age} verbali (schema {version}; this one reads {SCHEMA_VERSION}): "
            "run again with --force to redo it"
        )


# --------------------------------------------------------------------------- session


@dataclass(frozen=True)
class SourceFile:
    """One file found in a recording folder and what it is for."""

    path: str  # relative to the session folder
    role: str  # mixed-video | mixed-audio | participant-track | chat | transcript-vtt | playlist | config | other
    size: int


@dataclass(frozen=True)
class ChatMessage:
    time: str  # "HH:MM:SS", wall clock for local recordings, offset from start for cloud ones
    sender: str
    recipient: str  # "Everyone" or a name
    text: str


@dataclass(frozen=True)
class ParticipantTrack:
    """A per-participant audio file from Zoom's "Audio Record" folder."""

    name: str  # display name parsed from the file name
    path: str  # relative to the session folder


@dataclass(frozen=True)
class VttCue:
    """A cue of a Zoom cloud transcript (``..._Recording.transcript.vtt``)."""

    start: float
    end: float
    speaker: str | None
    text: str


@dataclass(frozen=True)
class Attendee:
    """One person in Zoom's participants report, their joins merged."""

    name: str  # the display name without the organisation ("Giulia Bianchi")
    organisation: str | None  # from "Giulia Bianchi - Coop. Il Ponte"
    email: str | None
    host: bool
    guest: bool | None
    first_join: str  # ISO date-time in the session's zone
    last_leave: str
    minutes: float  # time present: the union of the joins, so rejoins and second devices count once
    joins: int
    display_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attendance:
    """Zoom's attendance register (Reports -> Usage -> Participants -> Export) as read."""

    source: str  # the report's file name
    meeting_start: str | None  # ISO, from the report's meeting rows when present
    meeting_end: str | None
    attendees: list[Attendee] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attendance:
        data = dict(data)
        data["attendees"] = [Attendee(**a) for a in data.get("attendees", [])]
        return cls(**data)


class DateSource(StrEnum):
    """Where a session's date and start time come from (what the documents branch on)."""

    NAME = "name"  # the Zoom folder name or the file name
    CLOUD = "cloud"  # a Zoom cloud GMT stamp: UTC
    MTIME = "mtime"  # the file's modification time: to be checked


@dataclass
class Session:
    """What ``ingest`` learned about one recording: the ``session.json`` artifact."""

    session_id: str  # readable and filesystem-safe: "2021-11-22-1730-tavolo-poverta"
    kind: str  # zoom-local | zoom-cloud | file
    folder: str  # absolute path of the session folder (or of the single file)
    topic: str
    date: str | None = None  # ISO "YYYY-MM-DD"
    start_time: str | None = None  # "HH:MM:SS"
    meeting_id: str | None = None
    audio: str | None = None  # relative path of the recording used for the mix
    files: list[SourceFile] = field(default_factory=list)
    tracks: list[ParticipantTrack] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    chat: list[ChatMessage] = field(default_factory=list)
    vtt: list[VttCue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timezone: str | None = None  # IANA zone of date/start_time and of the attendance times
    start_utc: str | None = None  # the UTC original of a Zoom cloud stamp, "2021-11-22T16:30:12Z"
    attendance: Attendance | None = None  # Zoom's participants report, when there is one
    date_source: str = DateSource.NAME
    schema_version: int = SCHEMA_VERSION

    @property
    def in_utc(self) -> bool:
        """Whether date and start time are still Zoom's UTC stamp (not yet made local by ``localise``)."""
        return self.date_source == DateSource.CLOUD and self.start_utc is None

    def path_of(self, relative: str) -> Path:
        folder = Path(self.folder)
        return folder if folder.is_file() else folder / relative

    @property
    def audio_path(self) -> Path | None:
        return None if self.audio is None else self.path_of(self.audio)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        check_schema(data, "session.json")
        data = dict(data)
        data["files"] = [SourceFile(**f) for f in data.get("files", [])]
        data["tracks"] = [ParticipantTrack(**t) for t in data.get("tracks", [])]
        data["chat"] = [ChatMessage(**m) for m in data.get("chat", [])]
        data["vtt"] = [VttCue(**c) for c in data.get("vtt", [])]
        if data.get("attendance") is not None:
            data["attendance"] = Attendance.from_dict(data["attendance"])
        return cls(**data)


# --------------------------------------------------------------------------- audio


@dataclass(frozen=True)
class AudioInfo:
    """The decoded 16 kHz mono form of a session's recording."""

    path: str  # the 16 kHz mono 16-bit WAV written by the audio stage
    source: str  # the file it was decoded from
    duration: float
    sample_rate: int = 16000

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AudioInfo:
        return cls(**data)


# --------------------------------------------------------------------------- transcript


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _round(self.start),
            "end": _round(self.end),
            "word": self.word,
            "probability": _round(self.probability),
        }


@dataclass
class Segment:
    """An utterance: consecutive words of one speaker."""

    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    speaker: str | None = None
    overlap: bool = False  # another speaker talks during part of it

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _round(self.start),
            "end": _round(self.end),
            "speaker": self.speaker,
            "text": self.text,
            "overlap": self.overlap,
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        return cls(
            start=data["start"],
            end=data["end"],
            text=data["text"],
            words=[Word(**w) for w in data.get("words", [])],
            speaker=data.get("speaker"),
            overlap=data.get("overlap", False),
        )


@dataclass
class Transcript:
    """``transcript.json``: what was said, when, and (after alignment) by whom."""

    language: str
    segments: list[Segment] = field(default_factory=list)
    duration: float = 0.0
    model: str = ""
    language_probability: float = 1.0
    source: str = "mix"  # what was transcribed: mix | tracks (each speaker from their own track)
    source_probe: dict[str, float] = field(default_factory=dict)  # auto's evidence: mean word probability
    context: list[str] = field(default_factory=list)  # the session's terms given to Whisper's prompt
    schema_version: int = SCHEMA_VERSION

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "language": self.language,
            "language_probability": _round(self.language_probability),
            "duration": _round(self.duration),
            "model": self.model,
            "source": self.source,
            "source_probe": {k: _round(v) for k, v in self.source_probe.items()},
            "context": list(self.context),
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        check_schema(data, "transcript")
        return cls(
            language=data["language"],
            segments=[Segment.from_dict(s) for s in data.get("segments", [])],
            duration=data.get("duration", 0.0),
            model=data.get("model", ""),
            language_probability=data.get("language_probability", 1.0),
            source=data.get("source", "mix"),
            source_probe=dict(data.get("source_probe", {})),
            context=list(data.get("context", [])),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )


# --------------------------------------------------------------------------- diarization


@dataclass(frozen=True, order=True)
class Turn:
    """A stretch of time in which one speaker talks."""

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class TrackBleed:
    """How much of what one per-participant track heard was its own speech, and how much bleed."""

    name: str
    speech: float  # seconds of the track's own speech
    bleed: float  # seconds of speech heard on the track that belonged to another track


@dataclass(frozen=True)
class BleedReport:
    """How much the per-participant tracks of a recording hear each other, and what ``auto`` chose."""

    attenuation_db: float | None  # median dB by which bleed is quieter than the voice on its own track
    bleed_share: float  # share of the speech heard on all tracks that was bleed
    tracks: list[TrackBleed] = field(default_factory=list)
    choice: str | None = None  # auto's choice: "tracks" or "mix" (pyannote on the mix, named after the tracks)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BleedReport:
        return cls(**{**data, "tracks": [TrackBleed(**t) for t in data.get("tracks", [])]})


@dataclass
class Diarization:
    """Who spoke when: ``diarization.json``, also exported as ``diarization.rttm``."""

    turns: list[Turn] = field(default_factory=list)
    method: str = "none"  # pyannote | tracks | none
    bleed: BleedReport | None = None  # set when per-participant tracks were measured

    def to_dict(self) -> dict[str, Any]:
        data = {
            "schema_version": SCHEMA_VERSION,
            "method": self.method,
            "turns": [
                {"start": _round(t.start), "end": _round(t.end), "speaker": t.speaker} for t in sorted(self.turns)
            ],
        }
        if self.bleed is not None:
            data["bleed"] = self.bleed.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diarization:
        bleed = BleedReport.from_dict(data["bleed"]) if data.get("bleed") else None
        return cls([Turn(**t) for t in data.get("turns", [])], data.get("method", "none"), bleed)

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})

    def to_rttm(self, uri: str) -> str:
        uri = uri.replace(" ", "_")
        return "".join(
            f"SPEAKER {uri} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker.replace(' ', '_')} <NA> <NA>\n"
            for t in sorted(self.turns)
        )

    @classmethod
    def from_rttm(cls, text: str, method: str = "rttm") -> Diarization:
        turns = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 8 and fields[0] == "SPEAKER":
                start, duration = float(fields[3]), float(fields[4])
                turns.append(Turn(start, start + duration, fields[7]))
        return cls(sorted(turns), method)

    def to_annotation(self, uri: str = "session"):  # -> pyannote.core.Annotation
        from pyannote.core import Annotation
        from pyannote.core import Segment as CoreSegment

        annotation = Annotation(uri=uri)
        for turn in self.turns:
            annotation[CoreSegment(turn.start, turn.end)] = turn.speaker
        return annotation


# --------------------------------------------------------------------------- tables


@dataclass
class Spokesperson:
    name: str | None = None
    organisation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "organisation": self.organisation}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Spokesperson:
        data = data or {}
        return cls(data.get("name"), data.get("organisation"))


@dataclass
class ReportSentence:
    start: float
    end: float
    text: str
    heading: str  # criticita | risorse | proposte | rete | altro
    confidence: float = 1.0
    doubtful: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _round(self.start),
            "end": _round(self.end),
            "text": self.text,
            "heading": self.heading,
            "confidence": _round(self.confidence),
            "doubtful": self.doubtful,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportSentence:
        return cls(
            data["start"],
            data["end"],
            data["text"],
            data["heading"],
            data.get("confidence", 1.0),
            data.get("doubtful", False),
        )


@dataclass
class TableReport:
    table_number: int | None
    theme: str | None
    spokesperson: Spokesperson
    start: float
    end: float
    speaker: str | None
    evidence: list[str] = field(default_factory=list)
    sentences: list[ReportSentence] = field(default_factory=list)
    confidence: float = 1.0
    doubtful: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "table_number": self.table_number,
            "theme": self.theme,
            "spokesperson": self.spokesperson.to_dict(),
            "start": _round(self.start),
            "end": _round(self.end),
            "speaker": self.speaker,
            "evidence": list(self.evidence),
            "confidence": _round(self.confidence),
            "doubtful": self.doubtful,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableReport:
        return cls(
            table_number=data.get("table_number"),
            theme=data.get("theme"),
            spokesperson=Spokesperson.from_dict(data.get("spokesperson")),
            start=data["start"],
            end=data["end"],
            speaker=data.get("speaker"),
            evidence=list(data.get("evidence", [])),
            sentences=[ReportSentence.from_dict(s) for s in data.get("sentences", [])],
            confidence=data.get("confidence", 1.0),
            doubtful=data.get("doubtful", False),
        )


@dataclass
class OtherPart:
    """A stretch that is no table's report: introduzione, domande, conduzione, chiusura, ..."""

    kind: str
    start: float
    end: float
    speaker: str | None
    table_number: int | None = None  # the table a "domande" part or an unpresented table is about

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": _round(self.start),
            "end": _round(self.end),
            "speaker": self.speaker,
        }
        if self.table_number is not None:
            data["table_number"] = self.table_number
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OtherPart:
        return cls(data["kind"], data["start"], data["end"], data.get("speaker"), data.get("table_number"))


@dataclass
class Tables:
    """``tables.json``: the tables' reports, the rest of the plenary, who was mentioned."""

    tables: list[TableReport] = field(default_factory=list)
    other: list[OtherPart] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    announced_not_presented: list[int] = field(default_factory=list)
    nlp_model: str = "blank"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "nlp_model": self.nlp_model,
            "tables": [t.to_dict() for t in self.tables],
            "other": [o.to_dict() for o in self.other],
            "organisations": list(self.organisations),
            "people": list(self.people),
            "announced_not_presented": list(self.announced_not_presented),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tables:
        check_schema(data, "tables.json")
        return cls(
            tables=[TableReport.from_dict(t) for t in data.get("tables", [])],
            other=[OtherPart.from_dict(o) for o in data.get("other", [])],
            organisations=list(data.get("organisations", [])),
            people=list(data.get("people", [])),
            announced_not_presented=list(data.get("announced_not_presented", [])),
            nlp_model=data.get("nlp_model", "blank"),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )
