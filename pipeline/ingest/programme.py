"""The optional session programme (``programma.yaml``) that office staff write.

It names the process, the session and, above all, the tables: number, theme,
spokesperson and organisation. The tables stage uses it to name what it finds
and to fix names that speech recognition mangled; nothing requires it.

    processo: "Piano Sociale di Zona 2021-2023"
    ente: "Consorzio Sociale Pavese"
    distretto: "Distretto di Pavia"
    sessione: 2
    tema: "Povertà e inclusione sociale"
    data: 2021-11-22
    tavoli:
      - {numero: 1, tema: "povertà educativa", portavoce: "Giulia Bianchi",
         organizzazione: "Cooperativa sociale Il Ponte"}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pipeline.artifacts import Session
from pipeline.errors import VerbaliError

PROGRAMME_NAMES = ("programma.yaml", "programma.yml", "programme.yaml")
_TOP_KEYS = {
    "processo", "ente", "distretto", "sessione", "tema", "data", "tavoli",
    "presidente", "segretario", "luogo", "atto", "protocollo", "fuso_orario",
}  # fmt: skip
_OFFICIAL_KEYS = {"nome", "qualifica"}
_ACT_KEYS = {"tipo", "numero", "data", "oggetto"}
_TABLE_KEYS = {"numero", "tema", "portavoce", "organizzazione"}


class ProgrammeError(VerbaliError):
    """A programme file that cannot be used: the message names the file and the problem."""

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class TablePlan:
    """One table as planned: its number and, where known, theme and spokesperson."""

    number: int
    theme: str | None = None
    spokesperson: str | None = None
    organisation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "numero": self.number,
            "tema": self.theme,
            "portavoce": self.spokesperson,
            "organizzazione": self.organisation,
        }


@dataclass(frozen=True)
class Official:
    """Who chaired the sitting or took the minutes, as the office names them."""

    name: str
    title: str | None = None  # "Responsabile dell'Ufficio di Piano"

    def to_dict(self) -> dict[str, Any]:
        return {"nome": self.name, "qualifica": self.title}


@dataclass(frozen=True)
class Act:
    """The act that started the procedure: an avviso or a determina, its number and date."""

    kind: str | None = None  # "avviso pubblico", "determinazione dirigenziale"
    number: str | None = None
    date: str | None = None  # ISO
    subject: str | None = None
    text: str | None = None  # the office's own wording, when given as one text

    def to_dict(self) -> dict[str, Any]:
        return {
            "tipo": self.kind, "numero": self.number, "data": self.date, "oggetto": self.subject, "testo": self.text,
        }  # fmt: skip


@dataclass(frozen=True)
class Programme:
    process: str | None = None
    organisation: str | None = None  # the "ente" that runs the process
    district: str | None = None
    session: int | str | None = None
    theme: str | None = None
    date: str | None = None  # ISO "YYYY-MM-DD"
    tables: tuple[TablePlan, ...] = field(default_factory=tuple)
    chair: Official | None = None  # presidente (or RUP)
    secretary: Official | None = None  # segretario verbalizzante
    place: str | None = None  # luogo: for an online sitting, the platform
    act: Act | None = None
    protocol: str | None = None  # protocollo, when the office numbers the verbale beforehand
    timezone: str | None = None  # fuso_orario, IANA name

    def table(self, number: int) -> TablePlan | None:
        return next((t for t in self.tables if t.number == number), None)

    @property
    def numbers(self) -> list[int]:
        return [t.number for t in self.tables]

    def to_dict(self) -> dict[str, Any]:
        return {
            "processo": self.process,
            "ente": self.organisation,
            "distretto": self.district,
            "sessione": self.session,
            "tema": self.theme,
            "data": self.date,
            "tavoli": [t.to_dict() for t in self.tables],
            "presidente": self.chair.to_dict() if self.chair else None,
            "segretario": self.secretary.to_dict() if self.secretary else None,
            "luogo": self.place,
            "atto": self.act.to_dict() if self.act else None,
            "protocollo": self.protocol,
            "fuso_orario": self.timezone,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: object = "programme") -> Programme:
        """Validate the YAML mapping; a problem raises ``ProgrammeError`` naming ``source``."""
        if not isinstance(data, dict):
            raise ProgrammeError(source, "expected a mapping of keys (processo, tema, tavoli, ...)")
        _reject_unknown_keys(data, _TOP_KEYS, source)
        return cls(
            process=_text(data, "processo", source),
            organisation=_text(data, "ente", source),
            district=_text(data, "distretto", source),
            session=_session(data.get("sessione"), source),
            theme=_text(data, "tema", source),
            date=_date(data.get("data"), source),
            tables=_tables(data.get("tavoli"), source),
            chair=_official(data.get("presidente"), "presidente", source),
            secretary=_official(data.get("segretario"), "segretario", source),
            place=_text(data, "luogo", source),
            act=_act(data.get("atto"), source),
            protocol=_text(data, "protocollo", source),
            timezone=_zone(data.get("fuso_orario"), source),
        )


def _reject_unknown_keys(data: dict[str, Any], known: set[str], source: object, where: str = "") -> None:
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise ProgrammeError(source, f"{where}unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _text(data: dict[str, Any], key: str, source: object, where: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise ProgrammeError(source, f"{where}{key!r} should be text, not a {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _official(value: Any, key: str, source: object) -> Official | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Official(value.strip()) if value.strip() else None
    if not isinstance(value, dict):
        raise ProgrammeError(source, f"{key!r} should be a name or {{nome: ..., qualifica: ...}}")
    _reject_unknown_keys(value, _OFFICIAL_KEYS, source, f"{key}: ")
    name = _text(value, "nome", source, f"{key}: ")
    if name is None:
        raise ProgrammeError(source, f"{key}: 'nome' is missing")
    return Official(name, _text(value, "qualifica", source, f"{key}: "))


def _act(value: Any, source: object) -> Act | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Act(text=value.strip()) if value.strip() else None
    if not isinstance(value, dict):
        raise ProgrammeError(source, "'atto' should be a text or {tipo: ..., numero: ..., data: ...}")
    _reject_unknown_keys(value, _ACT_KEYS, source, "atto: ")
    return Act(
        kind=_text(value, "tipo", source, "atto: "),
        number=_text(value, "numero", source, "atto: "),
        date=_date(value.get("data"), source),
        subject=_text(value, "oggetto", source, "atto: "),
    )


def _zone(value: Any, source: object) -> str | None:
    if value is None:
        return None
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgrammeError(source, f"'fuso_orario' {name!r} is not a time zone such as Europe/Rome") from None
    return name


def _session(value: Any, source: object) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, (str, float)):
        return str(value).strip() or None
    raise ProgrammeError(source, "'sessione' should be a number or a short text")


def _date(value: Any, source: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ProgrammeError(source, f"'data' {value!r} is not a date like 2021-11-22") from None


def _tables(value: Any, source: object) -> tuple[TablePlan, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ProgrammeError(source, "'tavoli' should be a list of tables (- {numero: 1, ...})")
    plans = tuple(_table(entry, position, source) for position, entry in enumerate(value, start=1))
    numbers = [p.number for p in plans]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ProgrammeError(source, f"table number {duplicates[0]} appears twice in 'tavoli'")
    return plans


def _table(entry: Any, position: int, source: object) -> TablePlan:
    where = f"tavoli[{position}]: "
    if not isinstance(entry, dict):
        raise ProgrammeError(source, f"{where}expected {{numero: ..., tema: ...}}, got {entry!r}")
    _reject_unknown_keys(entry, _TABLE_KEYS, source, where)
    return TablePlan(
        number=_table_number(entry.get("numero", position), where, source),
        theme=_text(entry, "tema", source, where),
        spokesperson=_text(entry, "portavoce", source, where),
        organisation=_text(entry, "organizzazione", source, where),
    )


def _table_number(value: Any, where: str, source: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProgrammeError(source, f"{where}'numero' should be a whole number from 1, got {value!r}")
    return value


def load_programme(path: Path) -> Programme:
    """Read and check a ``programma.yaml``; any problem raises ``ProgrammeError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProgrammeError(path, f"cannot be read ({error.__class__.__name__}: {error})") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ProgrammeError(path, f"is not valid YAML{where}") from error
    if data is None:
        raise ProgrammeError(path, "is empty")
    return Programme.from_dict(data, path)


def find_programme(session_folder: Path) -> Path | None:
    """The programme beside the recordings: in the session folder, then its parent."""
    folder = Path(session_folder)
    if folder.is_file():
        folder = folder.parent
    for candidate_folder in (folder, folder.parent):
        for name in PROGRAMME_NAMES:
            candidate = candidate_folder / name
            if candidate.is_file():
                return candidate
    return None


def programme_warning(error: ProgrammeError) -> str:
    return f"{error}; the session goes on without the programme (names and themes from the recording only)"


def check_programme(session: Session) -> Programme | None:
    """Read the session's programme at ingest, before any expensive work: a malformed one becomes a
    session warning saying that the session goes on without it (and None)."""
    path = find_programme(Path(session.folder))
    if path is None:
        return None
    try:
        return load_programme(path)
    except ProgrammeError as error:
        session.warnings.append(programme_warning(error))
        return None
