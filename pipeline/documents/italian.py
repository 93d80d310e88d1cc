"""Italian wording for the documents: dates, times, durations, lists, headings.

Written out here rather than taken from a locale: the documents must read the same
on every machine, whatever its locale settings.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
WEEKDAYS = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")
ITALIAN_ZONE = "Europe/Rome"

DRAFT_NOTICE = "BOZZA GENERATA AUTOMATICAMENTE – DA REVISIONARE"
DOUBT_MARK = "da verificare"

HEADING_TITLES = {
    "criticita": "Criticità",
    "risorse": "Risorse",
    "proposte": "Proposte",
    "rete": "Lavoro di rete",
}
GUIDE_QUESTIONS = {
    "criticita": "Quali criticità, storiche o emergenti, sono state rilevate?",
    "risorse": "Quali risorse (servizi, progetti, fondi, esperienze) sono già disponibili sul territorio?",
    "proposte": "Quali proposte sono state avanzate?",
    "rete": "Quale contributo può dare il lavoro di rete?",
}
PART_TITLES = {
    "introduzione": "Introduzione",
    "domande": "Domande e interventi",
    "commenti": "Interventi",
    "conduzione": "Conduzione",
    "chiusura": "Chiusura dei lavori",
    "problemi-tecnici": "Problemi tecnici",
}


def parse_date(iso: str | None) -> dt.date | None:
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(iso[:10])
    except ValueError:
        return None


def long_date(day: dt.date | None) -> str | None:
    """``22 novembre 2021``; the first of the month as ``1° dicembre 2021``, as offices write it."""
    if day is None:
        return None
    number = "1°" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def weekday(day: dt.date | None) -> str | None:
    return None if day is None else WEEKDAYS[day.weekday()]


def clock(moment: dt.datetime | None) -> str | None:
    """``17:30``: the form that follows "ore"."""
    return None if moment is None else f"{moment.hour:02d}:{moment.minute:02d}"


def start_moment(day: str | None, start_time: str | None, *, utc: bool = False) -> dt.datetime | None:
    """The wall-clock start of a session; a UTC stamp (Zoom cloud) becomes Italian time."""
    date = parse_date(day)
    if date is None or not start_time:
        return None
    try:
        time = dt.time.fromisoformat(start_time)
    except ValueError:
        return None
    moment = dt.datetime.combine(date, time)
    if not utc:
        return moment
    try:
        return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(ITALIAN_ZONE)).replace(tzinfo=None)
    except ZoneInfoNotFoundError:  # no time-zone database: keep UTC, the caller says so
        return moment


def timestamp(seconds: float) -> str:
    """``00:01:23``: a position in the recording, as in transcript.txt."""
    whole = max(int(seconds), 0)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def duration_words(seconds: float) -> str:
    """``1 ora e 5 minuti``, ``2 minuti e 36 secondi``, ``45 secondi``."""
    whole = max(round(seconds), 0)
    hours, minutes, rest = whole // 3600, whole % 3600 // 60, whole % 60
    units = [(hours, "ora", "ore"), (minutes, "minuto", "minuti"), (rest, "secondo", "secondi")]
    if hours:
        units = units[:2]  # seconds do not matter past the hour
    said = [_count(value, singular, plural) for value, singular, plural in units if value]
    return join_words(said) or "0 secondi"


def _count(value: int, singular: str, plural: str) -> str:
    return f"{value} {singular if value == 1 else plural}"


def join_words(items: list[str], conjunction: str = "e") -> str:
    """``a, b e c``."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def table_title(number: int | None, theme: str | None) -> str:
    """``Tavolo 1 – povertà educativa``; ``Tavolo (numero non individuato)`` when unknown."""
    name = f"Tavolo {number}" if number is not None else "Tavolo (numero non individuato)"
    return f"{name} – {theme}" if theme else name


def spokesperson_line(name: str | None, organisation: str | None) -> str:
    if name and organisation:
        return f"{name} ({organisation})"
    if name:
        return name
    if organisation:
        return f"non individuato ({organisation})"
    return "non individuato"


def percent(value: float) -> str:
    """``73 %`` with the Italian spacing."""
    return f"{math.floor(value * 100 + 0.5)} %"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def shortened(text: str, words: int = 12) -> str:
    """The first ``words`` words, with an ellipsis where some were left out."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
