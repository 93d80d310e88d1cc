"""Dates, times and topics from folder and file names; session ids."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import NamedTuple

from slugify import slugify

_LOCAL_FOLDER = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}\.\d{2}\.\d{2})\s+"
    r"(?P<topic>.*?)(?:\s+(?P<id>\d{9,11}))?\s*$"
)


_CLOUD_STAMP = re.compile(r"^GMT(?P<date>\d{8})-(?P<time>\d{6})")


_TIME_SUFFIX = r"(?:[ _T-]*(?P<H>\d{2})[.:_h-]?(?P<M>\d{2})(?:[.:_m-]?(?P<S>\d{2}))?)?(?!\d)"
_DATE_IN_NAME = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})" + _TIME_SUFFIX),
    re.compile(r"(?<!\d)(?P<d>\d{2})(?P<sep>[-_.])(?P<m>\d{2})(?P=sep)(?P<y>(?:19|20)\d{2})" + _TIME_SUFFIX),
)


class FolderName(NamedTuple):
    """What a Zoom local folder name says."""

    date: str
    start_time: str
    topic: str
    meeting_id: str | None


class NameDate(NamedTuple):
    """A date (and maybe a time) found inside a file name, and where it was."""

    date: str
    start_time: str | None
    span: tuple[int, int]


def parse_folder_name(name: str) -> FolderName | None:
    """Read ``2005-03-01 10.12.30 Topic 84512345678``; None if the name is not in that form."""
    match = _LOCAL_FOLDER.match(name)
    if match is None:
        return None
    try:
        when = datetime.strptime(f"{match['date']} {match['time']}", "%Y-%m-%d %H.%M.%S")
    except ValueError:
        return None
    topic = " ".join(match["topic"].replace("_ ", ": ").split())
    return FolderName(when.date().isoformat(), when.time().isoformat(), topic, match["id"])


def date_from_name(name: str) -> NameDate | None:
    """The first valid date (and time, if one follows it) written in a file name."""
    for pattern in _DATE_IN_NAME:
        for match in pattern.finditer(name):
            found = _name_date(match)
            if found is not None:
                return found
    return None


def _name_date(match: re.Match[str]) -> NameDate | None:
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    return NameDate(day.isoformat(), _clock(match["H"], match["M"], match["S"]), match.span())


def _clock(hours: str | None, minutes: str | None, seconds: str | None) -> str | None:
    if hours is None or minutes is None:
        return None
    try:
        return time(int(hours), int(minutes), int(seconds or 0)).isoformat()
    except ValueError:
        return None


def parse_cloud_stamp(name: str) -> tuple[str, str] | None:
    """``GMT20211122-163012_...`` -> ("2021-11-22", "16:30:12") (UTC); None otherwise."""
    match = _CLOUD_STAMP.match(name)
    if match is None:
        return None
    try:
        when = datetime.strptime(match["date"] + match["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return when.date().isoformat(), when.time().isoformat()


def session_id_for(day: str | None, start_time: str | None, label: str) -> str:
    """Readable, filesystem-safe id: ``2005-03-01-1012-remote-control-design-meeting``."""
    clock = start_time[:5].replace(":", "") if start_time else ""
    parts = [part for part in (day, clock, label) if part]
    return slugify("-".join(parts), max_length=100, word_boundary=True) or "session"
