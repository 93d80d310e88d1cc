"""The synthesis document of a co-programming process: all its sessions, brought together.

A process is the programme's ``processo``; sessions without a programme (or whose
programme names no process) form the process ``senza-processo``. ``build_synthesis``
is a pure function of the sessions' artifacts: the caller decides when to rebuild it
(``synthesis_fingerprint`` changes when any of its inputs does).

What it does, so an editor can follow it:

* items: every sentence of a table's report under one of the four guide questions that
  carries content (``pipeline.documents.summary``: cleaned of fillers; heading announcements and
  remarks about the connection left out), with its session, table, spokesperson, time;
* points: items of the same guide question that say the same thing are grouped. Two
  items are compared on their content words (no articles, prepositions and the like,
  final vowels ignored so "famiglia" = "famiglie") with rapidfuzz ``token_set_ratio``;
  an item joins the group holding its most similar item when that score reaches
  ``similarity`` and they share at least ``min_shared_words`` content words;
* a point's wording is the item most similar to the others; it "recurs" in as many
  tables as said it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from slugify import slugify

from pipeline.artifacts import SCHEMA_VERSION, Session
from pipeline.audio import DECODED_AUDIO
from pipeline.documents import italian
from pipeline.documents.records import Minutes, Moment, Record, TableMinutes, it, moment
from pipeline.documents.rendering import PACKAGED_TEMPLATES, RenderOptions, render_documents
from pipeline.documents.summary import SummaryOptions, carries_content, clean, content_words
from pipeline.ingest.programme import Programme
from pipeline.storage.files import write_bytes
from pipeline.storage.fingerprint import digest, folder_content
from pipeline.tables import HEADINGS, ReportSentence, Tables

NO_PROCESS = "senza-processo"
NO_PROCESS_NAME = "Sessioni senza programma (processo non indicato)"
SYNTHESIS_VERSION = 1  # bumped when the same inputs would give a different synthesis
_ROOT_LETTERS = 5  # a word this long that begins another shares its root ("sport", "sportive")
_FEW_ITEMS = 3  # a word in this many items is never "common", however few the items
HEADING_CODES = {"criticita": "CR", "risorse": "RI", "proposte": "PR", "rete": "RE"}

SessionInputs = tuple[Session, Tables, Programme | None, Minutes]


@dataclass(frozen=True)
class SynthesisOptions:
    similarity: float = 60.0  # rapidfuzz token_set_ratio (0-100) of two items' content words to group them
    min_shared_words: int = 3  # and at least this many content words in common
    common_share: float = 0.1  # words in more than this share of the items ("ragazzi", "servizi") do not count
    min_content_words: int = 3  # an item has at least this many content words
    templates_dir: Path | None = None  # an office's sintesi.* templates
    formats: tuple[str, ...] = ("md", "html", "docx")

    def render_options(self) -> RenderOptions:
        return RenderOptions(templates_dir=self.templates_dir, formats=self.formats)


def process_slug(programme: Programme | None) -> str:
    """The folder name of a process: ``piano-sociale-di-zona-2021-2023``, or ``senza-processo``."""
    name = programme.process if programme else None
    return slugify(name) if name and slugify(name) else NO_PROCESS


def group_by_process(sessions: Sequence[SessionInputs]) -> dict[str, list[SessionInputs]]:
    """Sessions by process slug, in the order given."""
    groups: dict[str, list[SessionInputs]] = {}
    for inputs in sessions:
        groups.setdefault(process_slug(inputs[2]), []).append(inputs)
    return groups


def synthesis_fingerprint(sessions: Sequence[SessionInputs], options: SynthesisOptions = SynthesisOptions()) -> str:
    """Changes when any input of ``build_synthesis`` or ``render_synthesis`` changes."""
    inputs = [(s.to_dict(), t.to_dict(), p.to_dict() if p else None, m.to_dict()) for s, t, p, m in _in_order(sessions)]
    templates = [folder_content(PACKAGED_TEMPLATES), folder_content(options.templates_dir)]
    return digest("synthesis", SYNTHESIS_VERSION, options, inputs, templates)


# --------------------------------------------------------------------------- the document's records


@dataclass(frozen=True)
class SessionEntry(Record):
    session_id: str = field(metadata=it("id_sessione"))
    label: str = field(metadata=it("etichetta"))  # "Sessione n. 2 del 22 novembre 2021"
    number: int | str | None = field(metadata=it("numero"))
    theme: str = field(metadata=it("tema"))
    date: str | None = field(metadata=it("data"))
    table_count: int = field(metadata=it("tavoli"))
    minutes_link: str = field(metadata=it("verbale"))  # "../<session-id>/verbale.html"


@dataclass(frozen=True)
class Item(Record):
    """One sentence of one table's report: a row of the traceability table."""

    number: int = field(metadata=it("numero"))
    point: str = field(metadata=it("codice"))  # the point it belongs to: "PR-3"
    heading: str = field(metadata=it("domanda"))
    heading_title: str = field(metadata=it("titolo_domanda"))
    text: str = field(metadata=it("testo"))
    session_id: str = field(metadata=it("id_sessione"))
    session: str = field(metadata=it("sessione"))
    table: str = field(metadata=it("tavolo"))
    spokesperson: str = field(metadata=it("portavoce"))
    at: Moment = field(metadata=it("tempo"))
    doubtful: bool = field(metadata=it("dubbia"))


@dataclass(frozen=True)
class Reference(Record):
    text: str = field(metadata=it("testo"))  # "Sessione del 22 novembre 2021, Tavolo 1"
    at: Moment = field(metadata=it("tempo"))
    item: int = field(metadata=it("voce"))


@dataclass(frozen=True)
class Point(Record):
    """Items of one guide question that say the same thing."""

    code: str = field(metadata=it("codice"))
    heading: str = field(metadata=it("domanda"))
    heading_title: str = field(metadata=it("titolo_domanda"))
    text: str = field(metadata=it("testo"))
    tables: int = field(metadata=it("ricorrenze"))  # distinct tables that said it
    sessions: int = field(metadata=it("sessioni"))
    items: list[int] = field(metadata=it("voci"))
    references: list[Reference] = field(metadata=it("riferimenti"))
    other_wordings: list[str] = field(metadata=it("altre_formulazioni"))
    doubtful: bool = field(metadata=it("dubbio"))


@dataclass(frozen=True)
class HeadingPoints(Record):
    key: str = field(metadata=it("chiave"))
    title: str = field(metadata=it("titolo"))
    points: list[Point] = field(metadata=it("punti"))


@dataclass(frozen=True)
class TablePoint(Record):
    """A point as one table put it."""

    code: str = field(metadata=it("codice"))
    text: str = field(metadata=it("testo"))
    tables: int = field(metadata=it("ricorrenze"))
    at: Moment = field(metadata=it("tempo"))
    doubtful: bool = field(metadata=it("dubbia"))


@dataclass(frozen=True)
class TableHeading(Record):
    key: str = field(metadata=it("chiave"))
    title: str = field(metadata=it("titolo"))
    points: list[TablePoint] = field(metadata=it("punti"))


@dataclass(frozen=True)
class TableSection(Record):
    title: str = field(metadata=it("titolo"))
    session: str = field(metadata=it("sessione"))
    spokesperson: str = field(metadata=it("portavoce"))
    doubtful: bool = field(metadata=it("dubbio"))
    headings: list[TableHeading] = field(metadata=it("domande"))


@dataclass(frozen=True)
class ThemeSection(Record):
    theme: str = field(metadata=it("tema"))
    tables: list[TableSection] = field(metadata=it("tavoli"))


@dataclass(frozen=True)
class Synthesis(Record):
    """Everything a sintesi template needs; ``to_dict()`` gives the template fields."""

    process_id: str = field(metadata=it("id_processo"))
    process: str = field(metadata=it("processo"))
    organisation: str | None = field(metadata=it("ente"))
    district: str | None = field(metadata=it("distretto"))
    title: str = field(metadata=it("titolo"))
    draft_notice: str = field(metadata=it("bozza"))
    period: str | None = field(metadata=it("periodo"))
    sessions: list[SessionEntry] = field(metadata=it("sessioni"))
    themes: list[ThemeSection] = field(metadata=it("temi"))
    recurring: list[Point] = field(metadata=it("punti_ricorrenti"))
    proposals: list[Point] = field(metadata=it("proposte"))
    by_heading: list[HeadingPoints] = field(metadata=it("punti_per_domanda"))
    items: list[Item] = field(metadata=it("voci"))
    similarity: float = field(metadata=it("soglia_somiglianza"))
    doubts: list[str] = field(metadata=it("parti_dubbie"))
    notes: list[str] = field(metadata=it("avvisi"))
    schema_version: int = field(default=SCHEMA_VERSION, metadata=it("schema_version"))


# --------------------------------------------------------------------------- building it


@dataclass
class _Draft:
    """An item before it has a number and a point."""

    sentence: ReportSentence
    text: str
    words: set[str]
    session: SessionEntry
    table: TableMinutes
    table_key: tuple[str, int]


def build_synthesis(sessions: Sequence[SessionInputs], options: SynthesisOptions = SynthesisOptions()) -> Synthesis:
    """The synthesis of one process's sessions: a pure function of their artifacts."""
    ordered = _in_order(sessions)
    slugs = {process_slug(p) for _, _, p, _ in ordered}
    if len(slugs) > 1:
        raise ValueError(f"sessions of several processes given together: {sorted(slugs)} (see group_by_process)")
    entries = [_session_entry(s, t, m) for s, t, _, m in ordered]
    drafts = [d for entry, inputs in zip(entries, ordered, strict=True) for d in _drafts(entry, *inputs, options)]
    drafts = _without_common_words(drafts, options)
    groups = _group(drafts, options)
    codes = _point_codes(groups)
    numbers = {id(d): n for n, d in enumerate(drafts, start=1)}  # items numbered in the order they were said
    items = sorted((_item(d, numbers[id(d)], codes[id(g)]) for g in groups for d in g), key=lambda i: i.number)
    points = [_point(g, codes[id(g)], numbers) for g in groups]
    programmes = [p for _, _, p, _ in ordered if p]
    return Synthesis(
        process_id=slugs.pop() if slugs else NO_PROCESS,
        process=next((p.process for p in programmes if p.process), None) or NO_PROCESS_NAME,
        organisation=next((p.organisation for p in programmes if p.organisation), None),
        district=next((p.district for p in programmes if p.district), None),
        title="Documento istruttorio di sintesi della coprogrammazione",
        draft_notice=italian.DRAFT_NOTICE,
        period=_period([m for _, _, _, m in ordered]),
        sessions=entries,
        themes=_themes(entries, ordered, groups, codes),
        recurring=sorted((p for p in points if p.tables > 1), key=lambda p: (-p.tables, -len(p.items), p.code)),
        proposals=[p for p in points if p.heading == "proposte"],
        by_heading=[
            HeadingPoints(k, italian.HEADING_TITLES[k], [p for p in points if p.heading == k]) for k in HEADINGS
        ],
        items=items,
        similarity=options.similarity,
        doubts=[f"Voce {i.number} ({i.session}, {i.table}, [{i.at.clock}])" for i in items if i.doubtful],
        notes=[f"{e.label}: nessun resoconto dei tavoli individuato." for e in entries if not e.table_count],
    )


def _in_order(sessions: Sequence[SessionInputs]) -> list[SessionInputs]:
    return sorted(sessions, key=lambda s: (s[3].date_iso or "9999", s[3].start_time or "", s[0].session_id))


def _session_entry(session: Session, tables: Tables, minutes: Minutes) -> SessionEntry:
    number = f" n. {minutes.session_number}" if minutes.session_number is not None else ""
    when = f" del {minutes.date}" if minutes.date else f" {session.session_id}"
    return SessionEntry(
        session_id=session.session_id,
        label=f"Sessione{number}{when}",
        number=minutes.session_number,
        theme=minutes.theme,
        date=minutes.date,
        table_count=len(tables.tables),
        minutes_link=f"../{session.session_id}/verbale.html",
    )


def _drafts(
    entry: SessionEntry,
    session: Session,
    tables: Tables,
    programme: Programme | None,
    minutes: Minutes,
    options: SynthesisOptions,
) -> list[_Draft]:
    if len(minutes.tables) != len(tables.tables):
        raise ValueError(f"{session.session_id}: the minutes were built from other tables than those given")
    content = SummaryOptions(min_content_words=options.min_content_words)
    drafts = []
    for index, (report, table) in enumerate(zip(tables.tables, minutes.tables, strict=True)):
        for sentence in (s for s in report.sentences if s.heading in HEADINGS):
            text = italian.capitalised(clean(sentence.text))
            if carries_content(text, content):
                drafts.append(_Draft(sentence, text, content_words(text), entry, table, (session.session_id, index)))
    return drafts


def _without_common_words(drafts: list[_Draft], options: SynthesisOptions) -> list[_Draft]:
    """Words said all through the process ("ragazzi", "servizi") tell nothing about which point an item makes."""
    counts = Counter(word for d in drafts for word in d.words)
    limit = max(_FEW_ITEMS, options.common_share * len(drafts))
    common = {word for word, count in counts.items() if count > limit}
    return [dataclasses.replace(d, words=d.words - common) for d in drafts]


def _group(drafts: list[_Draft], options: SynthesisOptions) -> list[list[_Draft]]:
    """Each item joins the group of its most similar earlier item of the same guide question, if close enough."""
    groups: list[list[_Draft]] = []
    for draft in drafts:
        best, best_score = None, options.similarity
        for group in groups:
            if group[0].sentence.heading != draft.sentence.heading:
                continue
            score = max(_similarity(draft, other, options) for other in group)
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            groups.append([draft])
        else:
            best.append(draft)
    return sorted(groups, key=lambda g: HEADINGS.index(g[0].sentence.heading))  # stable: first said first


def _similarity(one: _Draft, other: _Draft, options: SynthesisOptions) -> float:
    theirs = {_same_root(word, one.words) for word in other.words}
    if len(one.words & theirs) < options.min_shared_words:
        return 0.0
    return fuzz.token_set_ratio(" ".join(sorted(one.words)), " ".join(sorted(theirs)))


def _same_root(word: str, words: set[str]) -> str:
    """``word``, or the word of ``words`` it shares its root with ("sport" and "sportiv", "cultur" and "cultural")."""
    if word in words:
        return word
    for candidate in sorted(words):
        short, long = sorted((word, candidate), key=len)
        if len(short) >= _ROOT_LETTERS and long.startswith(short):
            return candidate
    return word


def _point_codes(groups: list[list[_Draft]]) -> dict[int, str]:
    counters = dict.fromkeys(HEADINGS, 0)
    codes = {}
    for group in groups:
        heading = group[0].sentence.heading
        counters[heading] += 1
        codes[id(group)] = f"{HEADING_CODES[heading]}-{counters[heading]}"
    return codes


def _item(draft: _Draft, number: int, code: str) -> Item:
    return Item(
        number=number,
        point=code,
        heading=draft.sentence.heading,
        heading_title=italian.HEADING_TITLES[draft.sentence.heading],
        text=draft.text,
        session_id=draft.session.session_id,
        session=draft.session.label,
        table=draft.table.title,
        spokesperson=draft.table.spokesperson_line,
        at=_moment(draft),
        doubtful=draft.sentence.doubtful or draft.table.doubtful,
    )


def _moment(draft: _Draft) -> Moment:
    return moment(draft.sentence.start, f"../{draft.session.session_id}/{DECODED_AUDIO}")


def _point(group: list[_Draft], code: str, numbers: dict[int, int]) -> Point:
    wording = _central(group)
    heading = group[0].sentence.heading
    return Point(
        code=code,
        heading=heading,
        heading_title=italian.HEADING_TITLES[heading],
        text=wording.text,
        tables=len({d.table_key for d in group}),
        sessions=len({d.session.session_id for d in group}),
        items=[numbers[id(d)] for d in group],
        references=[Reference(f"{d.session.label}, {d.table.title}", _moment(d), numbers[id(d)]) for d in group],
        other_wordings=list(dict.fromkeys(d.text for d in group if d is not wording)),
        doubtful=any(d.sentence.doubtful or d.table.doubtful for d in group),
    )


def _central(group: list[_Draft]) -> _Draft:
    """The item most like the others (the first said on a tie): the point's wording."""
    if len(group) <= 2:
        return group[0]
    options = SynthesisOptions(min_shared_words=0)
    return max(group, key=lambda d: sum(_similarity(d, o, options) for o in group if o is not d))


def _period(minutes: list[Minutes]) -> str | None:
    dates = sorted({(m.date_iso, m.date) for m in minutes if m.date_iso})
    if not dates:
        return None
    if len(dates) == 1:
        return dates[0][1]
    return f"dal {dates[0][1]} al {dates[-1][1]}"


def _themes(
    entries: list[SessionEntry],
    ordered: list[SessionInputs],
    groups: list[list[_Draft]],
    codes: dict[int, str],
) -> list[ThemeSection]:
    group_of = {id(d): g for g in groups for d in g}
    drafts_by_table: dict[tuple[str, int], list[_Draft]] = {}
    for group in groups:
        for draft in group:
            drafts_by_table.setdefault(draft.table_key, []).append(draft)
    sections: dict[str, list[TableSection]] = {}
    for entry, (session, _, _, minutes) in zip(entries, ordered, strict=True):
        for index, table in enumerate(minutes.tables):
            drafts = sorted(drafts_by_table.get((session.session_id, index), []), key=lambda d: d.sentence.start)
            section = _table_section(entry, table, drafts, group_of, codes)
            sections.setdefault(minutes.theme, []).append(section)
    return [ThemeSection(theme, tables) for theme, tables in sections.items()]


def _table_section(
    entry: SessionEntry,
    table: TableMinutes,
    drafts: list[_Draft],
    group_of: dict[int, list[_Draft]],
    codes: dict[int, str],
) -> TableSection:
    headings = []
    for key in HEADINGS:
        points: dict[str, TablePoint] = {}
        for draft in (d for d in drafts if d.sentence.heading == key):
            group = group_of[id(draft)]
            code = codes[id(group)]
            if code not in points:  # a point this table made twice is listed once
                tables = len({d.table_key for d in group})
                doubtful = draft.sentence.doubtful or table.doubtful
                points[code] = TablePoint(code, draft.text, tables, _moment(draft), doubtful)
        headings.append(TableHeading(key, italian.HEADING_TITLES[key], list(points.values())))
    return TableSection(table.title, entry.label, table.spokesperson_line, table.doubtful, headings)


# --------------------------------------------------------------------------- rendering


def render_synthesis(
    synthesis: Synthesis,
    folder: Path,
    options: SynthesisOptions = SynthesisOptions(),
    *,
    publish: Callable[[Path, bytes], Path] | None = None,
) -> list[Path]:
    """Write ``sintesi.<format>`` into ``folder`` (``outputs/<process>/``); returns the paths written."""
    documents = render_documents("sintesi", synthesis.to_dict(), options.render_options())
    write = publish or write_bytes
    return [write(Path(folder) / name, data) for name, data in documents.items()]
