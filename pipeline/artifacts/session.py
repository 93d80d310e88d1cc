"""``session.json``: what ``ingest`` found in a recording folder (files, tracks, chat, attendance)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.artifacts.schema import SCHEMA_VERSION, check_schema


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
