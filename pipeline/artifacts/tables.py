"""``tables.json``: the tables' reports sorted under the guide questions, and the rest of the plenary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.artifacts.schema import SCHEMA_VERSION, check_schema, rounded


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
            "start": rounded(self.start),
            "end": rounded(self.end),
            "text": self.text,
            "heading": self.heading,
            "confidence": rounded(self.confidence),
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
            "start": rounded(self.start),
            "end": rounded(self.end),
            "speaker": self.speaker,
            "evidence": list(self.evidence),
            "confidence": rounded(self.confidence),
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
            "start": rounded(self.start),
            "end": rounded(self.end),
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
