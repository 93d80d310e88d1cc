"""Discovery: every session under a path (a folder, a file, a tree of them), or the problem that stops one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pipeline.artifacts import (
    DateSource,
    Session,
    SourceFile,
)
from pipeline.errors import NotConverted, RecordingError, UsageError
from pipeline.ingest.folders import (
    EMPTY_FILE,
    NO_RECORDINGS,
    NOT_CONVERTED,
    _children,
    _finish,
    _is_media,
    _is_placeholder,
    _loose_media,
    _media_role,
    _mtime_date,
    _mtime_warning,
)
from pipeline.ingest.local_time import DEFAULT_TIMEZONE, localise, time_zone
from pipeline.ingest.names import date_from_name, parse_cloud_stamp, parse_folder_name
from pipeline.ingest.participants import attach_attendance
from pipeline.ingest.programme import check_programme
from pipeline.ingest.zoom_cloud import _cloud_stamps, _ingest_cloud
from pipeline.ingest.zoom_local import _ingest_local, _is_zoom_local

MAX_DISCOVERY_DEPTH = 3  # recordings/<year>/<month>/<session folder>


T = TypeVar("T")


def discover(
    path: Path, *, timezone: str = DEFAULT_TIMEZONE, participants: Path | None = None
) -> list[Session | RecordingError]:
    """Every recording under ``path``: a session folder, a media file, or a folder of them.

    Unusable recordings come back as their ``RecordingError`` so the caller can report them
    and go on; a path with no recordings at all raises ``RecordingError``. Times are made local
    to ``timezone`` (or the programme's ``fuso_orario``); Zoom's participants report is read
    from each session folder, or from ``participants`` when ``path`` holds one recording.
    """
    path = Path(path)
    if not path.exists():
        raise RecordingError(path, "no such file or folder")
    time_zone(timezone)
    if path.is_file():
        if not (_is_media(path) or _is_placeholder(path)):
            raise RecordingError(path, "not an audio or video file")
        entries = [_attempt(ingest_file, path)]
    elif not _contains_recordings(path, depth=0):
        raise RecordingError(path, NO_RECORDINGS)
    else:
        entries = _with_unique_ids(sorted(_discover_folder(path, depth=0), key=_sort_key))
    sessions = [entry for entry in entries if isinstance(entry, Session)]
    if participants is not None and len(sessions) != 1:
        raise UsageError(f"--participants names one report, but {path} holds {len(sessions)} recordings")
    for session in sessions:
        _complete(session, timezone, participants)
    return entries


def _complete(session: Session, default_zone: str, participants: Path | None) -> None:
    """The programme checked, local times and the attendance register: what a session needs beyond its
    own files, read before any expensive work."""
    programme = check_programme(session)
    localise(session, (programme.timezone if programme else None) or default_zone)
    attach_attendance(session, participants)


def ingest_folder(folder: Path) -> Session:
    """One session folder: a Zoom local or cloud recording, or a folder holding one file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecordingError(folder, "not a folder")
    if _is_zoom_local(folder):
        return _ingest_local(folder)
    stamps = _cloud_stamps(folder)
    loose = _loose_media(folder)
    if len(stamps) == 1 and not loose:
        return _ingest_cloud(folder, stamps[0], dedicated=True)
    if not stamps and len(loose) == 1:
        return ingest_file(loose[0])
    if not stamps and not loose:
        raise RecordingError(folder, NO_RECORDINGS)
    count = len(stamps) + len(loose)
    raise RecordingError(folder, f"holds {count} separate recordings, not one; discover them")


def ingest_file(path: Path) -> Session:
    """A single audio/video file: a session of kind ``file``."""
    path = Path(path)
    if not path.is_file():
        raise RecordingError(path, "no such file")
    if _is_placeholder(path):
        raise NotConverted(path, NOT_CONVERTED)
    if not _is_media(path):
        raise RecordingError(path, "not an audio or video file")
    size = path.stat().st_size
    if size == 0:
        raise RecordingError(path, EMPTY_FILE)
    session = Session(
        session_id="",
        kind="file",
        folder=str(path.absolute()),
        topic=path.stem,
        audio=path.name,
        files=[SourceFile(path.name, _media_role(path), size)],
    )
    label = _set_file_date(session, path)
    return _finish(session, label)


def _set_file_date(session: Session, path: Path) -> str:
    """Date the session from the file name, else mtime; return the id label (name sans date)."""
    cloud = parse_cloud_stamp(path.name)
    found = date_from_name(path.stem)
    if cloud is not None:
        session.date, session.start_time = cloud
        session.date_source = DateSource.CLOUD
    elif found is not None:
        session.date, session.start_time = found.date, found.start_time
    else:
        session.date, session.start_time = _mtime_date(path)
        session.date_source = DateSource.MTIME
        session.warnings.append(_mtime_warning(path.name))
    if found is None:
        return path.stem
    start, end = found.span
    return (path.stem[:start] + " " + path.stem[end:]).strip() or path.stem


def _discover_folder(folder: Path, depth: int) -> list[Session | RecordingError]:
    if _is_zoom_local(folder):
        return [_attempt(ingest_folder, folder)]
    stamps = _cloud_stamps(folder)
    loose = _loose_media(folder)
    if len(stamps) == 1 and not loose:
        return [_attempt(_ingest_cloud, folder, stamps[0], True)]
    entries = [_attempt(_ingest_cloud, folder, stamp, False) for stamp in stamps]
    entries += [_attempt(ingest_file, media) for media in loose]
    if depth < MAX_DISCOVERY_DEPTH:
        for sub in _children(folder):
            if sub.is_dir():
                entries += _discover_folder(sub, depth + 1)
    return entries


def _attempt(ingest: Callable[..., T], *args: object) -> T | RecordingError:
    try:
        return ingest(*args)
    except RecordingError as error:
        return error


def _contains_recordings(folder: Path, depth: int) -> bool:
    files = [child for child in _children(folder) if child.is_file()]
    if any(_is_media(file) or _is_placeholder(file) for file in files):
        return True
    subfolders = [child for child in _children(folder) if child.is_dir()]
    return depth < MAX_DISCOVERY_DEPTH and any(_contains_recordings(sub, depth + 1) for sub in subfolders)


def _sort_key(entry: Session | RecordingError) -> tuple[str, str, str]:
    if isinstance(entry, Session):
        return entry.date or "~", entry.start_time or "", entry.topic.casefold()
    path = Path(entry.path)
    for name in (path.name, path.parent.name):
        hint = _date_hint(name)
        if hint is not None:
            return hint[0], hint[1] or "", path.name.casefold()
    return "~", "", path.name.casefold()  # undatable errors last


def _date_hint(name: str) -> tuple[str, str | None] | None:
    folder_name = parse_folder_name(name)
    if folder_name is not None:
        return folder_name.date, folder_name.start_time
    found = date_from_name(name)
    return None if found is None else (found.date, found.start_time)


def _with_unique_ids(entries: list[Session | RecordingError]) -> list[Session | RecordingError]:
    """Two sessions must not share an output folder: suffix repeats with -2, -3..."""
    seen: dict[str, int] = {}
    for entry in entries:
        if isinstance(entry, Session):
            seen[entry.session_id] = seen.get(entry.session_id, 0) + 1
            if seen[entry.session_id] > 1:
                entry.session_id = f"{entry.session_id}-{seen[entry.session_id]}"
    return entries


def snapshot(session: Session) -> list[tuple[str, int, int]]:
    """Size and modification time of every file of a session: equal twice means it stood still."""
    root = Path(session.folder)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists()]
