"""Local time for every session: Zoom cloud stamps are UTC, the sitting happened in an office's time zone.

``localise`` turns a session whose times came from a ``GMT<date>-<time>`` stamp into the wall clock
of the session's time zone (``--timezone``, or the programme's ``fuso_orario``), and keeps the UTC
original in ``Session.start_utc``. The session id is left as Zoom's stamp made it, so that output
folders stay where earlier runs put them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.artifacts import Session
from pipeline.errors import UsageError

DEFAULT_TIMEZONE = "Europe/Rome"


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown one is a usage error, raised before any work."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (use an IANA name such as Europe/Rome)") from None


def localise(session: Session, zone_name: str) -> Session:
    """Set the session's zone; convert a UTC start (Zoom cloud) to that zone's wall clock."""
    session.timezone = zone_name
    if not session.in_utc or not session.date or not session.start_time:
        return session
    try:
        utc = dt.datetime.combine(dt.date.fromisoformat(session.date), dt.time.fromisoformat(session.start_time))
    except ValueError:
        return session
    utc = utc.replace(tzinfo=dt.UTC)
    local = utc.astimezone(time_zone(zone_name))
    session.start_utc = utc.isoformat().replace("+00:00", "Z")
    session.date, session.start_time = local.date().isoformat(), local.time().replace(tzinfo=None).isoformat()
    return session
