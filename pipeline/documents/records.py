"""The records a document's templates see, with Italian field names (``Record.to_dict``); the verbale's
``Minutes`` and its parts."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pipeline.artifacts import SCHEMA_VERSION
from pipeline.audio import DECODED_AUDIO
from pipeline.documents import italian


def it(name: str) -> dict[str, str]:
    """Field metadata: the field's Italian name in templates and JSON."""
    return {"it": name}


class Record:
    """A dataclass whose dict form uses its fields' Italian names: the template fields."""

    def to_dict(self) -> dict[str, Any]:
        return {f.metadata["it"]: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        hints = typing.get_type_hints(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        known = [f for f in fields if f.metadata["it"] in data]
        return cls(**{f.name: _typed(hints[f.name], data[f.metadata["it"]]) for f in known})


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        return [_typed(arguments[0], v) for v in value]
    if origin in (typing.Union, types.UnionType):
        return _typed(next(a for a in arguments if a is not type(None)), value)
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_dict(value)
    return value


@dataclass(frozen=True)
class Moment(Record):
    """A point in the recording: ``[00:01:23]`` in print, a media-fragment link in HTML."""

    seconds: float = field(metadata=it("secondi"))
    clock: str = field(metadata=it("ora"))  # "00:01:23"
    link: str = field(metadata=it("link"))  # "audio.16k.wav#t=83.2", relative to the document


def moment(seconds: float, audio_href: str = DECODED_AUDIO) -> Moment:
    position = int(max(seconds, 0.0) * 10) / 10
    return Moment(round(seconds, 3), italian.timestamp(seconds), f"{audio_href}#t={position:g}")


@dataclass(frozen=True)
class Quote(Record):
    """A sentence as said (``testo``: cleaned in summaries, verbatim in the appendix)."""

    text: str = field(metadata=it("testo"))
    at: Moment = field(metadata=it("tempo"))
    end: float = field(metadata=it("fine"))
    heading: str = field(metadata=it("domanda"))  # criticita | risorse | proposte | rete | altro
    confidence: float = field(metadata=it("affidabilita"))
    doubtful: bool = field(metadata=it("dubbia"))


@dataclass(frozen=True)
class HeadingSummary(Record):
    key: str = field(metadata=it("chiave"))
    title: str = field(metadata=it("titolo"))
    question: str = field(metadata=it("domanda_guida"))
    summary: list[Quote] = field(metadata=it("sintesi"))
    full: list[Quote] = field(metadata=it("testo_integrale"))
    doubtful: bool = field(metadata=it("dubbia"))


@dataclass(frozen=True)
class TableMinutes(Record):
    number: int | None = field(metadata=it("numero"))
    theme: str | None = field(metadata=it("tema"))
    title: str = field(metadata=it("titolo"))
    spokesperson: str | None = field(metadata=it("portavoce"))
    organisation: str | None = field(metadata=it("organizzazione"))
    spokesperson_line: str = field(metadata=it("portavoce_testo"))
    start: Moment = field(metadata=it("inizio"))
    end: Moment = field(metadata=it("fine"))
    headings: list[HeadingSummary] = field(metadata=it("domande"))
    other: list[Quote] = field(metadata=it("altro"))
    confidence: float = field(metadata=it("affidabilita"))
    doubtful: bool = field(metadata=it("dubbio"))
    notes: list[str] = field(metadata=it("note"))


@dataclass(frozen=True)
class Contribution(Record):
    speaker: str = field(metadata=it("oratore"))
    at: Moment = field(metadata=it("tempo"))
    text: str = field(metadata=it("testo"))
    sentences: list[Quote] = field(metadata=it("frasi"))
    table_number: int | None = field(metadata=it("tavolo"))


@dataclass(frozen=True)
class Part(Record):
    kind: str = field(metadata=it("tipo"))
    title: str = field(metadata=it("titolo"))
    start: Moment = field(metadata=it("inizio"))
    contributions: list[Contribution] = field(metadata=it("interventi"))


@dataclass(frozen=True)
class AgendaItem(Record):
    title: str = field(metadata=it("titolo"))
    items: list[str] = field(metadata=it("voci"))


@dataclass(frozen=True)
class PresentPerson(Record):
    """A line of the *presenti*: from Zoom's participants report, or from the recording."""

    name: str = field(metadata=it("nome"))
    organisation: str | None = field(metadata=it("organizzazione"))
    role: str = field(metadata=it("ruolo"))  # organizzatore | partecipante | ospite
    first_join: str | None = field(metadata=it("ingresso"))  # "17:24", local time
    last_leave: str | None = field(metadata=it("uscita"))
    minutes: int | None = field(metadata=it("minuti"))
    spoke: bool = field(metadata=it("intervenuto"))


@dataclass(frozen=True)
class Signatory(Record):
    """Who signs the verbale: the chair and the minute-taker, named by the programme or left blank."""

    role: str = field(metadata=it("ruolo"))  # "Il Presidente", "Il Segretario verbalizzante"
    name: str | None = field(metadata=it("nome"))
    title: str | None = field(metadata=it("qualifica"))


@dataclass(frozen=True)
class Minutes(Record):
    """Everything a verbale template needs; ``to_dict()`` gives the template fields."""

    session_id: str = field(metadata=it("id_sessione"))
    title: str = field(metadata=it("titolo"))
    draft_notice: str = field(metadata=it("bozza"))
    organisation: str | None = field(metadata=it("ente"))
    district: str | None = field(metadata=it("distretto"))
    process: str | None = field(metadata=it("processo"))
    session_number: int | str | None = field(metadata=it("numero_sessione"))
    theme: str = field(metadata=it("tema"))
    zoom_topic: str = field(metadata=it("argomento_zoom"))
    meeting_id: str | None = field(metadata=it("id_riunione"))
    date: str | None = field(metadata=it("data"))
    date_iso: str | None = field(metadata=it("data_iso"))
    weekday: str | None = field(metadata=it("giorno_settimana"))
    start_time: str | None = field(metadata=it("ora_inizio"))
    end_time: str | None = field(metadata=it("ora_fine"))
    duration: str = field(metadata=it("durata"))
    modality: str = field(metadata=it("modalita"))
    preamble: str = field(metadata=it("premessa"))
    participants: list[str] = field(metadata=it("partecipanti"))
    present: list[PresentPerson] = field(metadata=it("presenti"))
    present_source: str = field(metadata=it("fonte_presenze"))
    show_attendance_times: bool = field(metadata=it("mostra_orari_presenze"))
    speakers: list[str] = field(metadata=it("intervenuti"))
    unnamed_connections: list[str] = field(metadata=it("collegamenti_non_nominativi"))
    short_presences: list[str] = field(metadata=it("presenze_brevi"))
    organisations: list[str] = field(metadata=it("organizzazioni"))
    opening_time: str | None = field(metadata=it("ora_apertura"))
    closing_time: str | None = field(metadata=it("ora_chiusura"))
    opening: str = field(metadata=it("apertura_seduta"))
    closing_statement: str = field(metadata=it("chiusura_seduta"))
    place: str = field(metadata=it("luogo"))
    act: str | None = field(metadata=it("atto"))
    protocol: str | None = field(metadata=it("protocollo"))
    chair: Signatory = field(metadata=it("presidente"))
    secretary: Signatory = field(metadata=it("segretario"))
    signatures: list[Signatory] = field(metadata=it("firme"))
    approval_formula: str = field(metadata=it("formula_approvazione"))
    time_note: str | None = field(metadata=it("nota_orari"))
    timezone: str = field(metadata=it("fuso_orario"))
    agenda: list[AgendaItem] = field(metadata=it("ordine_del_giorno"))
    introduction: Part | None = field(metadata=it("introduzione"))
    tables: list[TableMinutes] = field(metadata=it("tavoli"))
    no_tables_notice: str | None = field(metadata=it("avviso_tavoli"))
    missing_tables: list[str] = field(metadata=it("tavoli_non_presentati"))
    discussion: list[Contribution] = field(metadata=it("discussione"))
    closing: Part | None = field(metadata=it("chiusura"))
    doubts: list[str] = field(metadata=it("parti_dubbie"))
    notes: list[str] = field(metadata=it("avvisi"))
    audio: str = field(metadata=it("audio"))
    transcript_file: str = field(metadata=it("trascrizione"))
    schema_version: int = field(default=SCHEMA_VERSION, metadata=it("schema_version"))
