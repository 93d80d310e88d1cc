"""The verbale of a session: a context model built from the artifacts, rendered through templates.

``build_minutes`` turns ``session.json``, ``transcript.json``, ``tables.json`` and the
optional programme into ``Minutes``: every field a template needs, already worded in
Italian. Its dict form (``Minutes.to_dict()``, Italian keys, documented in
docs/documents.md) is what the templates see and what ``verbale.json`` holds.

``render_minutes`` writes ``verbale.md`` and ``verbale.html`` from the Jinja2 templates
and ``verbale.docx`` from a Word template (docxtpl), taking an office's own template
from ``RenderOptions.templates_dir`` where there is one and the packaged one
otherwise; ODT and PDF come from the DOCX through LibreOffice when ``soffice`` is
installed. Templates run with ``StrictUndefined``: a field that does not exist is an
error naming the template, the line and the field (``TemplateError``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import re
import shutil
import subprocess
import tempfile
import traceback
import types
import typing
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from rapidfuzz import fuzz

from . import italian
from .artifacts import SCHEMA_VERSION, Segment, Session, Transcript
from .errors import UsageError, VerbaliError
from .files import write_bytes
from .nlp import read_yaml
from .programme import Programme, TablePlan
from .summary import SummaryOptions, carries_content, condense, tidy_spacing
from .tables import HEADINGS, ReportSentence, TableReport, Tables, person_of_label

logger = logging.getLogger("verbali")

PACKAGED_TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("md", "html", "docx", "json", "odt", "pdf")
CONVERTED_FORMATS = ("odt", "pdf")  # made from the DOCX by LibreOffice
AUDIO_FILE = "audio.16k.wav"
TRANSCRIPT_FILE = "transcript.txt"
NO_TABLES = "Nessun resoconto dei tavoli è stato individuato nella registrazione."
DECREE = (
    "ai sensi dell'art. 55 del D.Lgs. n. 117/2017 e delle Linee guida sul rapporto tra Pubbliche "
    "Amministrazioni ed Enti del Terzo settore (D.M. n. 72 del 31 marzo 2021)"
)
SOFFICE_TIMEOUT = 180  # seconds; a first start of LibreOffice builds its profile
_NAME_SIMILARITY = 80.0  # rapidfuzz token-set score to take a heard name for the programme's spelling


class TemplateError(VerbaliError):
    """A template that cannot be used: one line naming the template, the line and the problem."""


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class RenderOptions:
    templates_dir: Path | None = None  # an office's templates; a name not found there comes from the package
    formats: tuple[str, ...] = ("md", "html", "docx")  # any of FORMATS
    summary: SummaryOptions = field(default_factory=SummaryOptions)

    def __post_init__(self) -> None:
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown:
            raise UsageError(f"unknown document format {unknown[0]!r} (known: {', '.join(FORMATS)})")


# --------------------------------------------------------------------------- records with Italian field names


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


def moment(seconds: float, audio_href: str = AUDIO_FILE) -> Moment:
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
    organisations: list[str] = field(metadata=it("organizzazioni"))
    agenda: list[AgendaItem] = field(metadata=it("ordine_del_giorno"))
    introduction: Part | None = field(metadata=it("introduzione"))
    tables: list[TableMinutes] = field(metadata=it("tavoli"))
    no_tables_notice: str | None = field(metadata=it("avviso_tavoli"))
    missing_tables: list[str] = field(metadata=it("tavoli_non_presentati"))
    discussion: list[Contribution] = field(metadata=it("discussione"))
    closing: Part | None = field(metadata=it("chiusura"))
    doubts: list[str] = field(metadata=it("parti_dubbie"))
    notes: list[str] = field(metadata=it("avvisi"))
    technical_notes: list[str] = field(metadata=it("note_tecniche"))
    audio: str = field(metadata=it("audio"))
    transcript_file: str = field(metadata=it("trascrizione"))
    schema_version: int = field(default=SCHEMA_VERSION, metadata=it("schema_version"))


# --------------------------------------------------------------------------- building the minutes


def build_minutes(
    session: Session,
    transcript: Transcript,
    tables: Tables,
    programme: Programme | None,
    duration: float,
    options: RenderOptions = RenderOptions(),
) -> Minutes:
    """The verbale's content: a pure function of the artifacts and the options."""
    duration = duration or transcript.duration
    when = _When.of(session, programme, duration)
    table_minutes = [_table_minutes(t, programme, options.summary) for t in tables.tables]
    speakers = _speaker_names(tables)
    return Minutes(
        session_id=session.session_id,
        title=_title(programme),
        draft_notice=italian.DRAFT_NOTICE,
        organisation=programme.organisation if programme else None,
        district=programme.district if programme else None,
        process=programme.process if programme else None,
        session_number=programme.session if programme else None,
        theme=_theme(session, programme),
        zoom_topic=session.topic,
        meeting_id=session.meeting_id,
        date=italian.long_date(when.day),
        date_iso=when.day.isoformat() if when.day else None,
        weekday=italian.weekday(when.day),
        start_time=italian.clock(when.start),
        end_time=italian.clock(when.end),
        duration=italian.duration_words(duration),
        modality=_modality(session),
        preamble=_preamble(session, programme, when),
        participants=_participants(session, tables),
        organisations=list(tables.organisations),
        agenda=_agenda(programme, tables),
        introduction=_part("introduzione", transcript, tables, speakers, options.summary),
        tables=table_minutes,
        no_tables_notice=_no_tables_notice(tables, programme),
        missing_tables=_missing_tables(tables, programme),
        discussion=_discussion(transcript, tables, speakers, options.summary),
        closing=_part("chiusura", transcript, tables, speakers, options.summary),
        doubts=[note for t in table_minutes for note in _doubts_of(t)],
        notes=when.notes,
        technical_notes=list(session.warnings),
        audio=AUDIO_FILE,
        transcript_file=TRANSCRIPT_FILE,
    )


@dataclass
class _When:
    """Date and wall-clock times of a session, and what an editor should check about them."""

    day: dt.date | None
    start: dt.datetime | None  # wall clock, Italian time
    end: dt.datetime | None
    notes: list[str]

    @classmethod
    def of(cls, session: Session, programme: Programme | None, duration: float) -> _When:
        notes: list[str] = []
        utc = session.kind == "zoom-cloud"
        start = italian.start_moment(session.date, session.start_time, utc=utc)
        day = start.date() if start else italian.parse_date(session.date or (programme.date if programme else None))
        if utc and start:
            notes.append("Orari convertiti in ora italiana dall'orario UTC della registrazione Zoom cloud.")
        if any("modification time" in w for w in session.warnings):
            notes.append("Data e ora ricavate dalla data di modifica del file della registrazione: da verificare.")
        if programme and programme.date and session.date and programme.date != session.date:
            planned = italian.long_date(italian.parse_date(programme.date))
            notes.append(f"Il programma indica la data del {planned}, diversa da quella della registrazione.")
        end = start + dt.timedelta(seconds=duration) if start else None
        return cls(day, start, end, notes)


def _title(programme: Programme | None) -> str:
    number = programme.session if programme else None
    suffix = f" n. {number}" if number is not None else ""
    return f"Verbale della sessione di coprogrammazione{suffix}"


def _theme(session: Session, programme: Programme | None) -> str:
    return (programme.theme if programme and programme.theme else None) or session.topic


def _modality(session: Session) -> str:
    if session.kind in ("zoom-local", "zoom-cloud"):
        return "telematica, su piattaforma Zoom"
    return "telematica (registrazione fornita come file: piattaforma da verificare)"


def _preamble(session: Session, programme: Programme | None, when: _When) -> str:
    day = f"{italian.weekday(when.day)} {italian.long_date(when.day)}" if when.day else "non indicata"
    hours = f", dalle ore {italian.clock(when.start)} alle ore {italian.clock(when.end)}" if when.start else ""
    what = "la sessione" + (f" n. {programme.session}" if programme and programme.session is not None else "")
    process = f" del percorso di coprogrammazione «{programme.process}»" if programme and programme.process else ""
    if not process:
        what += " di coprogrammazione"
    promoter = ""
    if programme and programme.organisation:
        district = f" ({programme.district})" if programme.district else ""
        promoter = f", promosso da {programme.organisation}{district}"
    theme = f", sul tema «{_theme(session, programme)}»"
    held = f"si è svolta in modalità {_modality(session)}"
    return f"In data {day}{hours}, {held}, {what}{process}{promoter}{theme}, {DECREE}."


def _participants(session: Session, tables: Tables) -> list[str]:
    """Zoom names (tracks, chat, VTT) first, then the people heard in the recording; one entry each."""
    devices = [str(d).lower() for d in read_yaml("people.yaml").get("device_prefixes", [])]
    names = [person_of_label(p, devices) for p in session.participants] + list(tables.people)
    kept: list[str] = []
    for name in (n.strip() for n in names if n and n.strip()):
        same = next((i for i, k in enumerate(kept) if _same_person(name, k)), None)
        if same is None:
            kept.append(name)
        elif len(name) > len(kept[same]):  # "Elena Rinaldi" rather than "Elena"
            kept[same] = name
    return kept


def _same_person(name: str, other: str) -> bool:
    """Equal, or one is a word of the other ("Elena" and "Elena Rinaldi", "Riva" and "Laura Riva")."""
    a, b = name.casefold(), other.casefold()
    return a == b or a in b.split() or b in a.split()


def _agenda(programme: Programme | None, tables: Tables) -> list[AgendaItem]:
    if programme and programme.tables:
        planned = [italian.table_title(p.number, p.theme) for p in programme.tables]
    else:
        planned = [italian.table_title(t.table_number, t.theme) for t in tables.tables]
    return [
        AgendaItem("Saluti e introduzione ai lavori", []),
        AgendaItem("Restituzione in plenaria dei tavoli di lavoro", planned),
        AgendaItem("Domande e interventi", []),
        AgendaItem("Conclusioni e prossimi passi", []),
    ]


def _no_tables_notice(tables: Tables, programme: Programme | None) -> str | None:
    if tables.tables:
        return None
    if programme and programme.tables:
        planned = italian.join_words([italian.table_title(p.number, p.theme) for p in programme.tables])
        return f"{NO_TABLES} Il programma prevedeva: {planned}."
    return NO_TABLES


def _missing_tables(tables: Tables, programme: Programme | None) -> list[str]:
    presented = {t.table_number for t in tables.tables}
    missing = []
    for number in tables.announced_not_presented:
        plan = programme.table(number) if programme else None
        missing.append(f"{italian.table_title(number, plan.theme if plan else None)}: annunciato, non presentato.")
    announced = set(tables.announced_not_presented)
    for plan in programme.tables if programme and tables.tables else ():
        if plan.number not in presented and plan.number not in announced:
            title = italian.table_title(plan.number, plan.theme)
            missing.append(f"{title}: previsto dal programma, resoconto non individuato nella registrazione.")
    return missing


# --------------------------------------------------------------------------- tables


def _table_minutes(report: TableReport, programme: Programme | None, options: SummaryOptions) -> TableMinutes:
    plan = programme.table(report.table_number) if programme and report.table_number is not None else None
    name, organisation, notes = _spokesperson(report, plan)
    theme = report.theme or (plan.theme if plan else None)
    headings = [_heading(key, report.sentences, options) for key in HEADINGS]
    if report.doubtful:
        notes.insert(0, f"Attribuzione del resoconto incerta (affidabilità {italian.percent(report.confidence)}).")
    if report.table_number is None:
        notes.append("Numero del tavolo non individuato.")
    return TableMinutes(
        number=report.table_number,
        theme=theme,
        title=italian.table_title(report.table_number, theme),
        spokesperson=name,
        organisation=organisation,
        spokesperson_line=italian.spokesperson_line(name, organisation),
        start=moment(report.start),
        end=moment(report.end),
        headings=headings,
        other=[_quote(s) for s in report.sentences if s.heading not in HEADINGS],
        confidence=round(report.confidence, 3),
        doubtful=report.doubtful,
        notes=notes,
    )


def _spokesperson(report: TableReport, plan: TablePlan | None) -> tuple[str | None, str | None, list[str]]:
    """The heard name and organisation, in the programme's spelling when they are the same."""
    heard, heard_organisation = report.spokesperson.name, report.spokesperson.organisation
    planned = plan.spokesperson if plan else None
    planned_organisation = plan.organisation if plan else None
    notes: list[str] = []
    name = heard or planned
    if heard and planned:
        if _similar(heard, planned):
            name = planned
        else:
            notes.append(f"Il programma indicava come portavoce {planned}.")
    organisation = heard_organisation or planned_organisation
    if heard_organisation and planned_organisation and _similar(heard_organisation, planned_organisation):
        organisation = planned_organisation
    if name is None:
        notes.append("Portavoce non individuato.")
    return name, italian.capitalised(organisation) if organisation else None, notes


def _similar(heard: str, planned: str) -> bool:
    return fuzz.token_set_ratio(heard.casefold(), planned.casefold()) >= _NAME_SIMILARITY


def _heading(key: str, sentences: list[ReportSentence], options: SummaryOptions) -> HeadingSummary:
    full = [s for s in sentences if s.heading == key]
    return HeadingSummary(
        key=key,
        title=italian.HEADING_TITLES[key],
        question=italian.GUIDE_QUESTIONS[key],
        summary=[_quote(s) for s in condense(full, options)],
        full=[_quote(s) for s in full],
        doubtful=any(s.doubtful for s in full),
    )


def _quote(sentence: ReportSentence) -> Quote:
    return Quote(
        text=tidy_spacing(sentence.text),
        at=moment(sentence.start),
        end=round(sentence.end, 3),
        heading=sentence.heading,
        confidence=round(sentence.confidence, 3),
        doubtful=sentence.doubtful,
    )


def _doubts_of(table: TableMinutes) -> list[str]:
    doubts = [f"{table.title}: {note}" for note in table.notes]
    for heading in table.headings:
        for quote in heading.full:
            if quote.doubtful:
                doubts.append(
                    f"{table.title}, {heading.title} [{quote.at.clock}]: domanda guida incerta "
                    f"(affidabilità {italian.percent(quote.confidence)}): «{_shortened(quote.text)}»"
                )
    return doubts


def _shortened(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


# --------------------------------------------------------------------------- introduction, discussion, closing


def _speaker_names(tables: Tables) -> dict[str, str]:
    """How to call each voice: spokespersons by name, the unnamed facilitator as "Conduzione"."""
    names = {t.speaker: t.spokesperson.name for t in tables.tables if t.speaker and t.spokesperson.name}
    facilitator = _facilitator(tables)
    if facilitator and facilitator not in names and person_of_label(facilitator) is None:
        names[facilitator] = f"Conduzione ({facilitator})"
    return names


def _facilitator(tables: Tables) -> str | None:
    """The voice that hands the floor over most often."""
    conducting = Counter(p.speaker for p in tables.other if p.kind == "conduzione" and p.speaker)
    return conducting.most_common(1)[0][0] if conducting else None


def _speaker_display(label: str | None, names: dict[str, str]) -> str:
    if label and label in names:
        return names[label]
    person = person_of_label(label)
    if person:
        return person
    return f"Voce non identificata ({label})" if label else "Voce non identificata"


def _part(
    kind: str, transcript: Transcript, tables: Tables, names: dict[str, str], options: SummaryOptions
) -> Part | None:
    spans = [(p.start, p.end, p.table_number) for p in tables.other if p.kind == kind]
    contributions = [c for span in spans for c in _contributions(transcript, span, names, options)]
    if not contributions:
        return None
    return Part(kind, italian.PART_TITLES[kind], contributions[0].at, contributions)


def _discussion(
    transcript: Transcript, tables: Tables, names: dict[str, str], options: SummaryOptions
) -> list[Contribution]:
    """Questions and comments; in the conduction, what others than the facilitator said."""
    facilitator = _facilitator(tables)
    contributions = []
    for part in tables.other:
        if part.kind in ("domande", "commenti"):
            contributions += _contributions(transcript, (part.start, part.end, part.table_number), names, options)
        elif part.kind == "conduzione":
            span = (part.start, part.end, part.table_number)
            contributions += _contributions(transcript, span, names, options, skip_speaker=facilitator)
    return contributions


def _contributions(
    transcript: Transcript,
    span: tuple[float, float, int | None],
    names: dict[str, str],
    options: SummaryOptions,
    skip_speaker: str | None = None,
) -> list[Contribution]:
    start, end, table_number = span
    part_options = dataclasses.replace(options, max_sentences=options.max_part_sentences, ratio=None)
    contributions = []
    for speaker, sentences in _turns_within(transcript, start, end):
        if skip_speaker is not None and speaker == skip_speaker:
            continue
        kept = [s for s in condense(sentences, part_options) if carries_content(s.text, options)]
        if kept:
            quotes = [_quote(s) for s in kept]
            text = " ".join(q.text for q in quotes)
            contributions.append(
                Contribution(_speaker_display(speaker, names), quotes[0].at, text, quotes, table_number)
            )
    return contributions


def _turns_within(transcript: Transcript, start: float, end: float) -> list[tuple[str | None, list[ReportSentence]]]:
    """Consecutive sentences of one speaker said between ``start`` and ``end``."""
    turns: list[tuple[str | None, list[ReportSentence]]] = []
    for segment in transcript.segments:
        sentences = _sentences_within(segment, start, end)
        if not sentences:
            continue
        if turns and turns[-1][0] == segment.speaker:
            turns[-1][1].extend(sentences)
        else:
            turns.append((segment.speaker, sentences))
    return turns


def _sentences_within(segment: Segment, start: float, end: float) -> list[ReportSentence]:
    """The segment's sentences (cut after . ? ! …) whose words lie between ``start`` and ``end``."""
    if segment.end < start or segment.start > end:
        return []
    words = [w for w in segment.words if w.word.strip() and start - 0.05 <= (w.start + w.end) / 2 <= end + 0.05]
    if not segment.words:
        return [ReportSentence(segment.start, segment.end, segment.text.strip(), "altro")]
    sentences, current = [], []
    for word in words:
        current.append(word)
        if word.word.strip().rstrip("»\"')").endswith((".", "?", "!", "…")):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return [ReportSentence(s[0].start, s[-1].end, " ".join(w.word.strip() for w in s), "altro") for s in sentences]


# --------------------------------------------------------------------------- templates


def render_minutes(
    minutes: Minutes,
    folder: Path,
    options: RenderOptions = RenderOptions(),
    *,
    publish: Callable[[Path, bytes], Path] | None = None,
) -> list[Path]:
    """Write ``verbale.<format>`` for each of ``options.formats``; returns the paths written.

    ``publish`` writes one document (default: an atomic write); the runner may pass its
    edit-safe publisher, which keeps a file an editor changed and writes ``*.bozza.*`` beside it.
    """
    documents = render_documents("verbale", minutes.to_dict(), options)
    write = publish or write_bytes
    return [write(Path(folder) / name, data) for name, data in documents.items()]


def render_documents(stem: str, context: dict[str, Any], options: RenderOptions) -> dict[str, bytes]:
    """``{"<stem>.<format>": content}`` for each format asked for, rendered from ``<stem>.*`` templates."""
    documents: dict[str, bytes] = {}
    for fmt in options.formats:
        if fmt in ("md", "html"):
            documents[f"{stem}.{fmt}"] = render_text(f"{stem}.{fmt}.j2", context, options.templates_dir).encode()
        elif fmt == "json":
            documents[f"{stem}.json"] = (_json(context) + "\n").encode()
    if "docx" in options.formats or set(CONVERTED_FORMATS) & set(options.formats):
        docx = render_docx(f"{stem}.docx", context, options.templates_dir)
        if "docx" in options.formats:
            documents[f"{stem}.docx"] = docx
        documents.update(convert_with_libreoffice(stem, docx, [f for f in options.formats if f in CONVERTED_FORMATS]))
    return documents


def _json(context: dict[str, Any]) -> str:
    return json.dumps(context, ensure_ascii=False, indent=2)


def template_path(name: str, templates_dir: Path | None) -> Path:
    """The office's template of that name if there is one, else the packaged one."""
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise TemplateError(f"{templates_dir}: templates folder not found")
        custom = Path(templates_dir) / name
        if custom.is_file():
            return custom
    return PACKAGED_TEMPLATES / name


def environment(templates_dir: Path | None, *, html: bool) -> jinja2.Environment:
    """Jinja2 with the office's folder first, then the packaged templates; unknown fields are errors."""
    folders = [str(PACKAGED_TEMPLATES)]
    if templates_dir is not None:
        template_path("", templates_dir)  # checks that the folder exists
        folders.insert(0, str(templates_dir))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_text(name: str, context: dict[str, Any], templates_dir: Path | None) -> str:
    """A Markdown or HTML document from its Jinja2 template."""
    path = template_path(name, templates_dir)
    env = environment(templates_dir, html=name.endswith(".html.j2"))
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{_shown(error.filename or path)}, line {error.lineno}: {error.message}") from error
    try:
        return template.render(context)
    except Exception as error:  # whatever an office's template does wrong, say where
        filename, line = _template_frame(error, env)
        where = f", line {line}" if line else ""
        raise TemplateError(f"{_shown(filename or path)}{where}: {_problem(error)}") from error


def _template_frame(error: BaseException, env: jinja2.Environment) -> tuple[str | None, int | None]:
    """The innermost template (an imported macro file included) and line the error happened in."""
    folders = {Path(folder).resolve() for folder in getattr(env.loader, "searchpath", [])}
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve().parent in folders]
    return (frames[-1].filename, frames[-1].lineno) if frames else (None, None)


def _template_line(error: BaseException, filename: str) -> int | None:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _problem(error: BaseException) -> str:
    message = str(error) if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: {error}"
    attribute = re.match(r"^'[^']*' has no attribute '([^']+)'$", message)
    return f"'{attribute.group(1)}' is undefined" if attribute else message


def _shown(path: object) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(Path(str(path)).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- Word


def render_docx(name: str, context: dict[str, Any], templates_dir: Path | None) -> bytes:
    """A Word document from a docxtpl template: the office's letterhead and styles, our fields."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate

    path = template_path(name, templates_dir)
    try:
        template = DocxTemplate(str(path))
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
        template.render(context, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as error:
        raise TemplateError(f"{_shown(path)}{_docx_place(error, path)}: {_problem(error)}") from error
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise TemplateError(f"{_shown(path)}: not a Word (.docx) file ({error})") from error
    buffer = io.BytesIO()
    template.save(buffer)
    return stable_zip(buffer.getvalue())


def _docx_place(error: jinja2.TemplateError, path: Path) -> str:
    """Where in the Word template: the text of the paragraph with the faulty field."""
    context = [line.strip() for line in getattr(error, "docx_context", None) or [] if line.strip()]
    if not context:
        line = _template_line(error, "<template>")
        context = [_docx_paragraph(path, line)] if line else []
    tagged = [line for line in context if "{" in line or "}" in line]
    return f", near «{_shortened(tagged[0], 16)}»" if tagged else ""


def _docx_paragraph(path: Path, line: int) -> str:
    """The text of the body paragraph docxtpl put on ``line`` of the XML it renders."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(path))
    template.render_init()
    xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(template.get_xml()))
    lines = xml.splitlines()
    return re.sub(r"<[^>]+>", "", lines[line - 1]) if 0 < line <= len(lines) else ""


def stable_zip(data: bytes) -> bytes:
    """The same document gives the same bytes: zip entries get a fixed date."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return buffer.getvalue()


def convert_with_libreoffice(stem: str, docx: bytes, formats: Iterable[str]) -> dict[str, bytes]:
    """ODT and PDF from the DOCX when LibreOffice is installed; without it, a note and nothing."""
    formats = list(formats)
    if not formats:
        return {}
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        logger.warning("%s: %s not written: LibreOffice (soffice) is not installed", stem, ", ".join(formats))
        return {}
    converted = {}
    with tempfile.TemporaryDirectory(prefix="verbali-soffice-") as work:
        source = Path(work) / f"{stem}.docx"
        source.write_bytes(docx)
        for fmt in formats:
            output = _soffice_convert(soffice, source, fmt, Path(work))
            if output is not None:
                converted[f"{stem}.{fmt}"] = output.read_bytes()
    return converted


def _soffice_convert(soffice: str, source: Path, fmt: str, work: Path) -> Path | None:
    profile = (work / "profile").as_uri()  # a private profile: runs in parallel do not collide
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt]
    try:
        subprocess.run(
            [*command, "--outdir", str(work / fmt), str(source)],
            check=True,
            capture_output=True,
            timeout=SOFFICE_TIMEOUT,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        logger.warning("%s: LibreOffice could not convert it to %s (%s)", source.stem, fmt, error)
        return None
    output = work / fmt / f"{source.stem}.{fmt}"
    return output if output.is_file() else None
