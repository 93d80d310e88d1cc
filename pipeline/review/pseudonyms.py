"""People's names replaced by their role or organisation, for the version published online.

A table's spokesperson becomes "Portavoce del tavolo 2 (Caritas diocesana)"; the voice that
hands the floor over, "Conduzione"; anyone else named in the session, "Partecipante 1",
"Partecipante 2"... Full names are replaced first, then each of their parts said alone
("Grazie Elena"), with their capitals: "rosa" stays a colour.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pipeline.artifacts import Session, Tables, Transcript
from pipeline.tables.identity import person_of_label

_MIN_PART = 3  # name parts shorter than this ("De") are not replaced alone
# "… (Caritas) (Caritas)": a role that names its organisation, followed by the organisation again
_REPEATED = re.compile(r"(\(([^()]+)\)) \(\2\)", re.IGNORECASE)


def replacements(session: Session, tables: Tables, transcript: Transcript) -> dict[str, str]:
    names: dict[str, str] = {}
    for table in tables.tables:
        role = f"Portavoce del tavolo {table.table_number}" if table.table_number else "Portavoce di un tavolo"
        role = f"{role} ({table.spokesperson.organisation})" if table.spokesperson.organisation else role
        for name in (table.spokesperson.name, person_of_label(table.speaker)):
            if name:
                names.setdefault(name, role)
    facilitator = _facilitator(tables)
    if facilitator:
        names.setdefault(facilitator, "Conduzione")
    others = [*session.participants, *tables.people, *(person_of_label(s.speaker) for s in transcript.segments)]
    for name in others:
        if name and name not in names:
            names[name] = f"Partecipante {sum(v.startswith('Partecipante') for v in names.values()) + 1}"
    return names


def _facilitator(tables: Tables) -> str | None:
    voices = Counter(part.speaker for part in tables.other if part.kind == "conduzione" and part.speaker)
    return person_of_label(voices.most_common(1)[0][0]) if voices else None


def pseudonymise(value: Any, names: dict[str, str], organisations: Iterable[str] = ()) -> Any:
    """``value`` (the verbale's fields) with every name replaced, strings at any depth.

    A part of a name that is also a word of an organisation's name ("Ponte" of "Il Ponte") is
    replaced only within the full name.
    """
    pattern, lookup = _pattern(names, organisations)
    if pattern is None:
        return value
    return _walk(value, lambda text: _REPEATED.sub(r"\1", pattern.sub(lambda m: lookup[m.group(0)], text)))


def _pattern(names: dict[str, str], organisations: Iterable[str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    lookup = dict(names)
    taken = {word for organisation in organisations for word in re.findall(r"\w+", organisation)}
    for name, role in names.items():
        person = re.split(r"[,(]", name)[0]  # "Giulia Ferrari, Caritas" -> "Giulia Ferrari"
        for part in re.findall(r"\w+", person):
            if len(part) >= _MIN_PART and part[0].isupper() and part not in taken:
                lookup.setdefault(part, role)
    if not lookup:
        return None, lookup
    alternatives = "|".join(re.escape(key) for key in sorted(lookup, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), lookup


def _walk(value: Any, replace) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_walk(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, replace) for k, v in value.items()}
    return value
