"""``diarization.json`` (and ``.rttm``): who spoke when, and how the per-participant tracks bled."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pipeline.artifacts.schema import SCHEMA_VERSION, rounded


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
                {"start": rounded(t.start), "end": rounded(t.end), "speaker": t.speaker} for t in sorted(self.turns)
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
