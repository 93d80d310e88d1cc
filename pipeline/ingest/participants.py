"""Zoom's participants report: who attended, from when to when.

Zoom exports it from Reports -> Usage -> Participants -> Export as
``participants_<meeting id>.csv``: optionally two rows of meeting information
(``Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants``
and their values) and a blank row, then one row per join with columns such as
``Name (Original Name)``, ``User Email``, ``Join Time``, ``Leave Time``,
``Duration (Minutes)``, ``Guest``. A person who dropped and rejoined has several
rows. Excel in an Italian locale re-saves it with ``;`` and day-first dates; the
Italian web portal names the columns in Italian. All of these are read here.

The times in the report carry no zone: Zoom writes them in the time zone of the
account that exported it, which verbali takes to be the session's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.artifacts import Attendance, Attendee, Session
from pipeline.ingest.display_names import read_display_name

REPORT_PATTERNS = ("participants_*.csv", "partecipanti_*.csv", "participants*.csv")

# Column names as Zoom writes them (English and Italian portal), normalised by _key().
_COLUMNS = {
    "name": ("name (original name)", "name", "nome (nome originale)", "nome", "nome partecipante", "participant"),
    "email": ("user email", "email", "e-mail utente", "e-mail", "email utente", "indirizzo e-mail"),
    "join": ("join time", "ora di ingresso", "ora ingresso", "orario di ingresso", "ora di partecipazione"),
    "leave": ("leave time", "ora di uscita", "ora uscita", "orario di uscita"),
    "minutes": ("duration (minutes)", "durata (minuti)", "durata"),
    "guest": ("guest", "ospite"),
}
_MEETING_COLUMNS = {
    "meeting_id": ("meeting id", "id riunione", "id della riunione"),
    "topic": ("topic", "argomento"),
    "start": ("start time", "ora di inizio", "ora inizio"),
    "end": ("end time", "ora di fine", "ora fine"),
    "host_email": ("user email", "e-mail utente", "email"),
}
_YES = {"yes", "si", "sì", "true", "1", "y"}
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S")
_MONTH_FIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_ISO = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


class ParticipantsReportError(ValueError):
    """A report that cannot be read: the message names the file and, where it can, the row."""


@dataclass(frozen=True)
class Join:
    """One row of the report: one connection of one person."""

    name: str
    original_name: str | None
    email: str | None
    joined: dt.datetime
    left: dt.datetime
    guest: bool | None
    row: int


@dataclass(frozen=True)
class MeetingInfo:
    meeting_id: str | None
    topic: str | None
    start: dt.datetime | None
    end: dt.datetime | None
    host_email: str | None


@dataclass(frozen=True)
class ParticipantsReport:
    path: str
    meeting: MeetingInfo | None
    joins: tuple[Join, ...]


def find_report(folder: Path) -> Path | None:
    """The participants report in a session folder, if Zoom's export was put there."""
    for pattern in REPORT_PATTERNS:
        found = sorted(p for p in folder.glob(pattern) if p.is_file())
        if found:
            return found[0]
    return None


def read_report(path: Path, timezone: ZoneInfo) -> ParticipantsReport:
    rows = _rows(path)
    header_at = _header_row(rows, path)
    meeting = _meeting_info(rows[:header_at], path, timezone)
    columns = _column_positions(rows[header_at], path)
    day_first = _day_first(rows[header_at + 1 :], columns, _delimiter_was_semicolon(path))
    joins = tuple(
        _join(row, columns, path, number, day_first, timezone)
        for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2)
        if any(cell.strip() for cell in row)
    )
    if not joins:
        raise ParticipantsReportError(f"{path}: no participant rows after the header")
    return ParticipantsReport(str(path), meeting, joins)


def _rows(path: Path) -> list[list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ParticipantsReportError(f"{path}: cannot be read ({error.strerror})") from error
    text = _decode(raw)
    delimiter = _delimiter(text)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    lines = text.splitlines() or [""]
    header = next((line for line in lines if _looks_like_header(line)), lines[0])
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def _delimiter_was_semicolon(path: Path) -> bool:
    return _delimiter(_decode(path.read_bytes())) == ";"


def _looks_like_header(line: str) -> bool:
    lowered = _key(line)
    return any(name in lowered for name in ("join time", "ora di ingresso", "ora ingresso", "orario di ingresso"))


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).strip().strip('"').casefold().split())


def _header_row(rows: Sequence[Sequence[str]], path: Path) -> int:
    for index, row in enumerate(rows):
        keys = {_key(cell) for cell in row}
        if keys & set(_COLUMNS["name"]) and keys & set(_COLUMNS["join"]):
            return index
    raise ParticipantsReportError(
        f"{path}: not a Zoom participants report (no header with 'Name (Original Name)' and 'Join Time')"
    )


def _column_positions(header: Sequence[str], path: Path) -> dict[str, int]:
    keys = [_key(cell) for cell in header]
    positions = {}
    for field_name, names in _COLUMNS.items():
        position = next((i for i, key in enumerate(keys) if key in names), None)
        if position is not None:
            positions[field_name] = position
    missing = [f for f in ("name", "join", "leave") if f not in positions]
    if missing:
        raise ParticipantsReportError(f"{path}, row 1 of the table: no '{missing[0]}' column")
    return positions


def _meeting_info(rows: Sequence[Sequence[str]], path: Path, timezone: ZoneInfo) -> MeetingInfo | None:
    filled = [r for r in rows if any(c.strip() for c in r)]
    if len(filled) < 2:
        return None
    keys, values = [_key(c) for c in filled[0]], filled[1]

    def value(field_name: str) -> str | None:
        position = next((i for i, k in enumerate(keys) if k in _MEETING_COLUMNS[field_name]), None)
        if position is None or position >= len(values):
            return None
        return values[position].strip() or None

    day_first = any(_first_number(value(f)) > 12 for f in ("start", "end"))
    return MeetingInfo(
        meeting_id=(value("meeting_id") or "").replace(" ", "") or None,
        topic=value("topic"),
        start=_optional_time(value("start"), day_first, timezone),
        end=_optional_time(value("end"), day_first, timezone),
        host_email=(value("host_email") or "").casefold() or None,
    )


def _first_number(text: str | None) -> int:
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else 0


def _day_first(rows: Iterable[Sequence[str]], columns: dict[str, int], semicolons: bool) -> bool:
    """Day-first when a date's first part exceeds 12; otherwise as the delimiter suggests (Italian Excel: ';')."""
    for row in rows:
        for field_name in ("join", "leave"):
            position = columns[field_name]
            if position < len(row) and "/" in row[position] and _first_number(row[position]) > 12:
                return True
    return semicolons


def _join(
    row: Sequence[str], columns: dict[str, int], path: Path, number: int, day_first: bool, timezone: ZoneInfo
) -> Join:
    def cell(field_name: str) -> str:
        position = columns.get(field_name)
        return row[position].strip() if position is not None and position < len(row) else ""

    name, original = _split_original(cell("name"))
    if not name:
        raise ParticipantsReportError(f"{path}, row {number}: no name")
    joined = _time(cell("join"), day_first, timezone, f"{path}, row {number}: join time")
    left = _time(cell("leave"), day_first, timezone, f"{path}, row {number}: leave time")
    if left < joined:
        raise ParticipantsReportError(f"{path}, row {number}: leave time {cell('leave')!r} is before the join time")
    guest = cell("guest").casefold()
    return Join(
        name=name,
        original_name=original,
        email=cell("email").casefold() or None,
        joined=joined,
        left=left,
        guest=(guest in _YES) if guest else None,
        row=number,
    )


def _split_original(text: str) -> tuple[str, str | None]:
    """``"Giulia Bianchi (iPhone di Giulia)"`` -> ("Giulia Bianchi", "iPhone di Giulia")."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, None


def _optional_time(text: str | None, day_first: bool, timezone: ZoneInfo) -> dt.datetime | None:
    try:
        return _time(text or "", day_first, timezone, "")
    except ParticipantsReportError:
        return None


def _time(text: str, day_first: bool, timezone: ZoneInfo, what: str) -> dt.datetime:
    formats = (*_ISO, *(_DAY_FIRST + _MONTH_FIRST if day_first else _MONTH_FIRST + _DAY_FIRST))
    cleaned = " ".join(text.split())
    for pattern in formats:
        try:
            return dt.datetime.strptime(cleaned, pattern).replace(tzinfo=timezone)
        except ValueError:
            continue
    raise ParticipantsReportError(f"{what} {text!r} is not a date and time")


def split_organisation(display_name: str) -> tuple[str, str | None]:
    """``"Giulia Bianchi - Coop. Il Ponte"`` -> ("Giulia Bianchi", "Coop. Il Ponte"); a device's name stays whole."""
    shown = read_display_name(display_name)
    if shown.device or shown.person is None:
        return shown.raw, None
    return shown.person, shown.organisation


# --------------------------------------------------------------------------- people


def attendance_of(report: ParticipantsReport) -> Attendance:
    """The register as people: one ``Attendee`` per person, in order of first join."""
    groups: dict[str, list[Join]] = {}
    for join in report.joins:
        groups.setdefault(_person_key(join), []).append(join)
    host_email = report.meeting.host_email if report.meeting else None
    people = sorted((_attendee(joins, host_email) for joins in groups.values()), key=lambda a: a.first_join)
    meeting = report.meeting
    return Attendance(
        source=Path(report.path).name,
        meeting_start=meeting.start.isoformat() if meeting and meeting.start else None,
        meeting_end=meeting.end.isoformat() if meeting and meeting.end else None,
        attendees=people,
    )


def attach_attendance(session: Session, report: Path | None = None) -> Session:
    """Read the participants report (``report``, or one found in the session folder) into the session.

    A report that cannot be read leaves the session without one and adds a warning naming the
    file and the row: the recording is still processed.
    """
    folder = Path(session.folder)
    path = report or (find_report(folder) if folder.is_dir() else None)
    if path is None:
        return session
    try:
        session.attendance = attendance_of(read_report(path, ZoneInfo(session.timezone or "Europe/Rome")))
    except ParticipantsReportError as error:
        session.warnings.append(f"participants report not used: {error}")
    return session


def _person_key(join: Join) -> str:
    if join.email:
        return join.email
    return fold(split_organisation(join.name)[0])


def _attendee(joins: Sequence[Join], host_email: str | None) -> Attendee:
    first = min(joins, key=lambda j: j.joined)
    name, organisation = split_organisation(first.name)
    organisation = organisation or next((o for j in joins if (o := split_organisation(j.name)[1])), None)
    roles = {fold(j.original_name or "") for j in joins}
    return Attendee(
        name=name,
        organisation=organisation,
        email=first.email,
        host=bool(host_email and first.email == host_email) or bool(roles & _HOST_MARKS),
        guest=_all_or_none(j.guest for j in joins),
        first_join=first.joined.isoformat(),
        last_leave=max(j.left for j in joins).isoformat(),
        minutes=round(_union_minutes(joins), 1),
        joins=len(joins),
        display_names=list(dict.fromkeys(j.name for j in joins)),
    )


_HOST_MARKS = {"host", "organizzatore", "co-host", "co-organizzatore"}


def _all_or_none(values: Iterable[bool | None]) -> bool | None:
    known = [v for v in values if v is not None]
    return all(known) if known else None


def _union_minutes(joins: Sequence[Join]) -> float:
    spans = sorted((j.joined, j.left) for j in joins)
    total = dt.timedelta()
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start > end:
            total += end - start
            start, end = next_start, next_end
        else:
            end = max(end, next_end)
    return (total + (end - start)).total_seconds() / 60


def fold(text: str) -> str:
    """Case, accents and spacing folded: "Niccolò  D’Amico" -> "niccolo d'amico"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
