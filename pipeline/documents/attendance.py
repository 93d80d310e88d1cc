"""Who was present and who spoke: the verbale's *presenti* and *intervenuti*.

With Zoom's participants report the *presenti* are its people (joins merged at ingest), with
their organisation from the display name ("Giulia Bianchi - Coop. Il Ponte"), the programme or
the tables stage, in the programme's spelling where the programme names them. Without it, the
list is what the recording shows (track and chat names, voices heard), and the verbale says so.
Connections under a device or room name ("iPad di Paola", "Sala Giunta", "DESKTOP-4F2K1") are
not people: they are listed apart, for the editor to resolve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process

from pipeline.artifacts import Attendee, Session, Transcript
from pipeline.ingest.display_names import read_display_name
from pipeline.ingest.participants import fold, split_organisation
from pipeline.ingest.programme import Programme
from pipeline.tables import Tables, person_of_label
from pipeline.tables.identity import KnownPeople

NAME_MATCH = 85.0  # rapidfuzz token_set_ratio on folded names ("Maria Grazia Rossetti" ~ "Mariagrazia Rosetti")


@dataclass(frozen=True)
class Person:
    name: str
    organisation: str | None = None


@dataclass(frozen=True)
class Presence:
    """One line of the *presenti*: a person, their organisation, role and time present."""

    name: str
    organisation: str | None
    role: str  # "organizzatore" | "partecipante" | "ospite"
    first_join: str | None  # "17:24", in the session's time zone
    last_leave: str | None
    minutes: int | None
    spoke: bool


@dataclass(frozen=True)
class AttendanceLists:
    present: list[Presence]
    speakers: list[Person]
    devices: list[str]  # connections that name no person
    below_threshold: list[str]  # present for less than the minimum
    from_register: bool
    opened: dt.datetime | None  # the sitting's opening and closing, from the register
    closed: dt.datetime | None


def is_device_or_room(name: str) -> bool:
    """A Zoom name that names no person: a device ("iPhone di Marco" names Marco only by first name) or a room."""
    return not name.split() or read_display_name(name).device


def attendance_lists(
    session: Session,
    transcript: Transcript,
    tables: Tables,
    programme: Programme | None,
    min_minutes: float = 0.0,
) -> AttendanceLists:
    known = _known_people(programme, tables)
    speakers = _speakers(transcript, tables, known)
    register = session.attendance
    if register is None:
        present = [Presence(p.name, p.organisation, "partecipante", None, None, None, True) for p in speakers]
        names = [*(n for n in session.participants if not is_device_or_room(n)), *tables.people]
        recorded = [_known(person_of_label(n) or n, known) for n in names]
        present += [
            Presence(p.name, p.organisation, "partecipante", None, None, None, False)
            for p in recorded
            if not _matches(p.name, [s.name for s in speakers])
        ]
        devices = [n for n in session.participants if is_device_or_room(n)]
        return AttendanceLists(_unique(present), speakers, devices, [], False, None, None)
    people = [a for a in register.attendees if not is_device_or_room(a.name)]
    kept = [a for a in people if a.minutes >= min_minutes]
    present = [_presence(a, known, speakers) for a in kept]
    return AttendanceLists(
        present=present,
        speakers=speakers,
        devices=[a.name for a in register.attendees if is_device_or_room(a.name)],
        below_threshold=[_known(a.name, known).name for a in people if a.minutes < min_minutes],
        from_register=True,
        opened=_moment(register.meeting_start) or min((_moment(a.first_join) for a in people), default=None),
        closed=_moment(register.meeting_end) or max((_moment(a.last_leave) for a in people), default=None),
    )


def _known_people(programme: Programme | None, tables: Tables) -> list[Person]:
    """Names in their authoritative spelling: the programme first, then what the tables stage settled."""
    people = []
    if programme:
        for plan in programme.tables:
            if plan.spokesperson:
                people.append(Person(plan.spokesperson, plan.organisation))
        for official in (programme.chair, programme.secretary):
            if official:
                people.append(Person(official.name, None))
    for report in tables.tables:
        if report.spokesperson.name and not _matches(report.spokesperson.name, [p.name for p in people]):
            people.append(Person(report.spokesperson.name, report.spokesperson.organisation))
    return people


def _speakers(transcript: Transcript, tables: Tables, known: Sequence[Person]) -> list[Person]:
    """The people heard speaking, by name, in order of first speaking; unnamed voices are left out."""
    by_label = {t.speaker: t.spokesperson.name for t in tables.tables if t.speaker and t.spokesperson.name}
    names: list[str] = []
    for segment in transcript.segments:
        label = segment.speaker
        name = by_label.get(label) if label else None
        name = name or (person_of_label(label) if label and not is_device_or_room(label) else None)
        if name and not _matches(name, names):
            names.append(name)
    return [_known(name, known) for name in names]


def _known(name: str, known: Sequence[Person]) -> Person:
    """``name`` in the programme's spelling, with its organisation, when it is a known person."""
    plain, organisation = split_organisation(name)
    match = _best(plain, [p.name for p in known])
    if match is None:
        return Person(plain, organisation)
    person = known[match]
    return Person(person.name, person.organisation or organisation)


def _presence(attendee: Attendee, known: Sequence[Person], speakers: Sequence[Person]) -> Presence:
    person = _known(_natural_order(attendee.name), known)
    role = "organizzatore" if attendee.host else "ospite" if attendee.guest else "partecipante"
    return Presence(
        name=person.name,
        organisation=attendee.organisation or person.organisation,
        role=role,
        first_join=_clock(attendee.first_join),
        last_leave=_clock(attendee.last_leave),
        minutes=round(attendee.minutes),
        spoke=_matches(person.name, [s.name for s in speakers]),
    )


def _natural_order(name: str) -> str:
    """``"D'Angelo, Nicolò"`` (surname first, as some accounts are named) -> ``"Nicolò D'Angelo"``."""
    parts = [p.strip() for p in name.split(",")]
    return f"{parts[1]} {parts[0]}" if len(parts) == 2 and all(parts) else name


def _best(name: str, candidates: Sequence[str]) -> int | None:
    if not name or not candidates:
        return None
    folded = [fold(c) for c in candidates]
    found = process.extractOne(fold(name), folded, scorer=_similarity, score_cutoff=NAME_MATCH)
    return found[2] if found else None


def _similarity(one: str, other: str, **_: object) -> float:
    return KnownPeople.similarity(one, other)  # the tables stage's measure: "Mariagrazia" ~ "Maria Grazia"


def _matches(name: str, names: Iterable[str]) -> bool:
    return _best(name, list(names)) is not None


def _unique(present: list[Presence]) -> list[Presence]:
    kept: list[Presence] = []
    for entry in present:
        if not _matches(entry.name, [k.name for k in kept]):
            kept.append(entry)
    return kept


def _moment(iso: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(iso) if iso else None


def _clock(iso: str | None) -> str | None:
    moment = _moment(iso)
    return f"{moment.hour:02d}:{moment.minute:02d}" if moment else None
