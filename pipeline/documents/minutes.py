"""The verbale of a session: ``build_minutes`` turns ``session.json``, ``transcript.json``,
``tables.json`` and the optional programme into ``Minutes``, every field a template needs, already
worded in Italian. Its dict form (``Minutes.to_dict()``, Italian keys, documented in
docs/documents.md) is what the templates see and what ``verbale.json`` holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.artifacts import DateSource, Segment, Session, Transcript
from pipeline.audio import DECODED_AUDIO
from pipeline.documents import italian
from pipeline.documents.attendance import AttendanceLists, attendance_lists
from pipeline.documents.records import (
    AgendaItem,
    Contribution,
    HeadingSummary,
    Minutes,
    Part,
    PresentPerson,
    Quote,
    Signatory,
    TableMinutes,
    moment,
)
from pipeline.documents.rendering import RenderOptions
from pipeline.documents.summary import SummaryOptions, carries_content, condense, tidy_spacing
from pipeline.ingest.local_time import DEFAULT_TIMEZONE, localise
from pipeline.ingest.programme import Programme, TablePlan
from pipeline.tables import HEADINGS, ReportSentence, TableReport, Tables, person_of_label

TRANSCRIPT_FILE = "transcript.txt"
APPROVAL_FORMULA = "Letto, approvato e sottoscritto."
NO_TABLES = "Nessun resoconto dei tavoli è stato individuato nella registrazione."
DECREE = (
    "ai sensi dell'art. 55 del D.Lgs. n. 117/2017 e delle Linee guida sul rapporto tra Pubbliche "
    "Amministrazioni ed Enti del Terzo settore (D.M. n. 72 del 31 marzo 2021)"
)


_NAME_SIMILARITY = 80.0  # rapidfuzz token-set score to take a heard name for the programme's spelling


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
    session = localise(session, session.timezone or DEFAULT_TIMEZONE) if session.in_utc else session
    when = _When.of(session, programme, duration)
    table_minutes = [_table_minutes(t, programme, options.summary) for t in tables.tables]
    speakers = _speaker_names(tables)
    people = attendance_lists(session, transcript, tables, programme, options.min_presence_minutes)
    sitting = _Sitting.of(when, people)
    chair, secretary = _signatories(programme)
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
        preamble=_preamble(session, programme, when, sitting),
        participants=[p.name for p in people.present],
        present=[PresentPerson(**dataclasses.asdict(p)) for p in people.present],
        present_source=_present_source(session, people),
        show_attendance_times=options.attendance_times and people.from_register,
        speakers=[italian.spokesperson_line(p.name, p.organisation) for p in people.speakers],
        unnamed_connections=people.devices,
        short_presences=people.below_threshold,
        organisations=_organisations(tables, programme, people),
        opening_time=italian.clock(sitting.opened),
        closing_time=italian.clock(sitting.closed),
        opening=_opening(sitting, chair),
        closing_statement=_closing(sitting, chair),
        place=_place(session, programme),
        act=_act(programme),
        protocol=programme.protocol if programme else None,
        chair=chair,
        secretary=secretary,
        signatures=[chair, secretary],
        approval_formula=APPROVAL_FORMULA,
        time_note=_time_note(session),
        timezone=session.timezone or DEFAULT_TIMEZONE,
        agenda=_agenda(programme, tables),
        introduction=_part("introduzione", transcript, tables, speakers, options.summary),
        tables=table_minutes,
        no_tables_notice=_no_tables_notice(tables, programme),
        missing_tables=_missing_tables(tables, programme),
        discussion=_discussion(transcript, tables, speakers, options.summary),
        closing=_part("chiusura", transcript, tables, speakers, options.summary),
        doubts=[note for t in table_minutes for note in _doubts_of(t)],
        notes=when.notes,
        audio=DECODED_AUDIO,
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
        start = italian.start_moment(session.date, session.start_time)
        day = start.date() if start else italian.parse_date(session.date or (programme.date if programme else None))
        if session.date_source == DateSource.MTIME:
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


def _preamble(session: Session, programme: Programme | None, when: _When, sitting: _Sitting) -> str:
    day = f"{italian.weekday(when.day)} {italian.long_date(when.day)}" if when.day else "non indicata"
    opened, closed = italian.clock(sitting.opened), italian.clock(sitting.closed)
    hours = f", dalle ore {opened} alle ore {closed}" if opened and closed else ""
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
    act = f", avviata con {_act(programme)}" if _act(programme) else ""
    return f"In data {day}{hours}, {held}, {what}{process}{promoter}{theme}{act}, {DECREE}."


@dataclass(frozen=True)
class _Sitting:
    """When the sitting opened and closed: the participants report's meeting, else the recording."""

    opened: dt.datetime | None
    closed: dt.datetime | None
    from_register: bool

    @classmethod
    def of(cls, when: _When, people: AttendanceLists) -> _Sitting:
        if people.opened and people.closed:
            return cls(people.opened, people.closed, True)
        return cls(when.start, when.end, False)


def _opening(sitting: _Sitting, chair: Signatory) -> str:
    who = f"{chair.name}, in qualità di presidente," if chair.name else "Il presidente"
    at = f"alle ore {italian.clock(sitting.opened)}" if sitting.opened else "all'ora indicata"
    return f"{who} dichiara aperta la seduta {at} e constata la presenza dei partecipanti indicati."


def _closing(sitting: _Sitting, chair: Signatory) -> str:
    at = f"alle ore {italian.clock(sitting.closed)}" if sitting.closed else ""
    who = f"{chair.name} dichiara" if chair.name else "il presidente dichiara"
    return f"Esauriti gli interventi, {who} chiusa la seduta {at}".rstrip() + "."


def _signatories(programme: Programme | None) -> tuple[Signatory, Signatory]:
    chair = programme.chair if programme else None
    secretary = programme.secretary if programme else None
    return (
        Signatory("Il Presidente", chair.name if chair else None, chair.title if chair else None),
        Signatory("Il Segretario verbalizzante", secretary.name if secretary else None,
                  secretary.title if secretary else None),
    )  # fmt: skip


def _place(session: Session, programme: Programme | None) -> str:
    if programme and programme.place:
        return programme.place
    if session.kind in ("zoom-local", "zoom-cloud"):
        return "in videoconferenza, su piattaforma Zoom"
    return "in videoconferenza (piattaforma da verificare)"


def _act(programme: Programme | None) -> str | None:
    """``avviso pubblico n. 12/2021 del 15 ottobre 2021`` from the programme's ``atto``."""
    act = programme.act if programme else None
    if act is None:
        return None
    if act.text:
        return act.text
    parts = [act.kind or "l'atto"]
    if act.number:
        parts.append(f"n. {act.number}")
    if act.date:
        parts.append(f"del {italian.long_date(italian.parse_date(act.date))}")
    if act.subject:
        parts.append(f"(«{act.subject}»)")
    return " ".join(parts)


def _time_note(session: Session) -> str | None:
    zone = session.timezone or DEFAULT_TIMEZONE
    local = "ora italiana" if zone == DEFAULT_TIMEZONE else f"ora locale ({zone})"
    if session.start_utc:
        return f"Orari in {local}, convertiti dall'ora UTC indicata da Zoom per la registrazione in cloud."
    if zone != DEFAULT_TIMEZONE:
        return f"Orari in {local}."
    return None


def _present_source(session: Session, people: AttendanceLists) -> str:
    if people.from_register and session.attendance is not None:
        return f"Presenze dal registro dei partecipanti esportato da Zoom ({session.attendance.source})."
    return (
        "Elenco ricavato dalla registrazione (nomi dei collegamenti Zoom e voci riconosciute): "
        "non sostituisce il registro delle presenze."
    )


def _organisations(tables: Tables, programme: Programme | None, people: AttendanceLists) -> list[str]:
    """Organisations named in the session, in the programme's spelling where it names them."""
    planned = [p.organisation for p in programme.tables if p.organisation] if programme else []
    found = [*planned, *(p.organisation for p in people.present if p.organisation), *tables.organisations]
    kept: list[str] = []
    for name in found:
        if name and not any(_similar(name, k) for k in kept):
            kept.append(name)
    return kept


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


def _table_minutes(report: TableReport, programme: Programme | None, options: SummaryOptions) -> TableMinutes:
    plan = programme.table(report.table_number) if programme and report.table_number is not None else None
    name, organisation, notes = _spokesperson(report, plan)
    theme = (plan.theme if plan else None) or report.theme
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
    organisation = heard_organisation or planned_organisation
    if planned and (heard is None or _similar(heard, planned)):
        # the programme is the authority: what was heard only finds the match
        name, organisation = planned, planned_organisation or heard_organisation
    elif heard and planned:
        notes.append(f"Il programma indicava come portavoce {planned}.")
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
                    f"(affidabilità {italian.percent(quote.confidence)}): «{italian.shortened(quote.text)}»"
                )
    return doubts


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
