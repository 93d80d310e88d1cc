"""``transcript.json``: words and utterances, with their speakers once aligned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.artifacts.schema import SCHEMA_VERSION, check_schema, rounded


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": rounded(self.start),
            "end": rounded(self.end),
            "word": self.word,
            "probability": rounded(self.probability),
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
            "start": rounded(self.start),
            "end": rounded(self.end),
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
            "language_probability": rounded(self.language_probability),
            "duration": rounded(self.duration),
            "model": self.model,
            "source": self.source,
            "source_probe": {k: rounded(v) for k, v in self.source_probe.items()},
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
