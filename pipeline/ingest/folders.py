"""What every kind of session folder shares: file roles, media, placeholders, dates from mtimes, the
finishing touches of a Session, and the names and patterns Zoom uses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pipeline.artifacts import (
    ChatMessage,
    Session,
    SourceFile,
)
from pipeline.errors import RecordingError
from pipeline.ingest.chat import _is_everyone, read_chat
from pipeline.ingest.names import _CLOUD_STAMP, session_id_for

NO_RECORDINGS = "no recordings found (expected a Zoom folder or audio/video files)"
EMPTY_FILE = "empty file (0 bytes)"
NOT_CONVERTED = (
    "Zoom has not converted this recording yet (double_click_to_convert_*.zoom); open it in Zoom, then run again"
)
NO_MIXED_RECORDING = "no mixed recording (audio_only.m4a or zoom_0.mp4), only per-participant tracks"
CLOUD_TOPIC = "Zoom cloud recording"

AUDIO_EXTENSIONS = frozenset(
    {".wav", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac", ".wma", ".aif", ".aiff"}
)
VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".webm", ".mkv", ".mov", ".avi", ".wmv", ".3gp", ".mpg", ".mpeg"})
MEDIA_EXTENSIONS = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS


AUDIO_RECORD_DIR = "audio record"


_PLACEHOLDER = re.compile(r"^double_click_to_convert.*\.zoom$", re.IGNORECASE)


def _finish(session: Session, label: str | None = None) -> Session:
    session.participants = _participants(session)
    session.session_id = session_id_for(session.date, session.start_time, label or session.topic)
    return session


def _participants(session: Session) -> list[str]:
    names: list[str] = [track.name for track in session.tracks]
    names += [message.sender for message in session.chat]
    names += [cue.speaker for cue in session.vtt if cue.speaker]
    unique: dict[str, str] = {}
    for name in names:
        if name and not _is_everyone(name):
            unique.setdefault(" ".join(name.casefold().split()), name)
    return list(unique.values())


def _read_first_chat(folder: Path, files: list[Path], warnings: list[str]) -> list[ChatMessage]:
    preference = {"chat.txt": 0, "meeting_saved_chat.txt": 1}
    chats = [file for file in files if _file_role(file) == "chat"]
    chats.sort(key=lambda file: preference.get(file.name.casefold(), 2))
    if not chats:
        return []
    try:
        return read_chat(folder / chats[0])
    except OSError as error:
        warnings.append(f"{chats[0].as_posix()}: chat not read ({error.strerror})")
        return []


def _session_files(folder: Path) -> list[Path]:
    """Every visible file under the session folder, relative to it, in natural order."""
    found = [file.relative_to(folder) for file in folder.rglob("*") if file.is_file()]
    found = [file for file in found if not any(part.startswith(".") for part in file.parts)]
    return sorted(found, key=lambda file: [_natural_key(part) for part in file.parts])


def _source_files(folder: Path, files: Iterable[Path]) -> list[SourceFile]:
    return [SourceFile(file.as_posix(), _file_role(file), (folder / file).stat().st_size) for file in files]


def _file_role(file: Path) -> str:
    suffix = file.suffix.casefold()
    if suffix in MEDIA_EXTENSIONS:
        return _media_role(file)
    if suffix == ".vtt":
        return "transcript-vtt"
    if suffix == ".txt" and "chat" in file.name.casefold():
        return "chat"
    if suffix in (".m3u", ".m3u8"):
        return "playlist"
    return "config" if suffix == ".conf" else "other"


def _media_role(file: Path) -> str:
    if not _is_media(file):
        return "other"
    if any(part.casefold() == AUDIO_RECORD_DIR for part in file.parts[:-1]):
        return "participant-track"
    return "mixed-video" if file.suffix.casefold() in VIDEO_EXTENSIONS else "mixed-audio"


def _children(folder: Path) -> list[Path]:
    try:
        children = [child for child in folder.iterdir() if not child.name.startswith(".")]
    except OSError as error:
        raise RecordingError(folder, f"cannot read the folder ({error.strerror})") from error
    return sorted(children, key=lambda child: _natural_key(child.name))


def _loose_media(folder: Path) -> list[Path]:
    """Media files directly in ``folder`` that are not part of a Zoom cloud download."""
    return [
        child
        for child in _children(folder)
        if child.is_file() and _is_media(child) and not _CLOUD_STAMP.match(child.name)
    ]


def _is_media(path: Path) -> bool:
    return path.suffix.casefold() in MEDIA_EXTENSIONS


def _is_placeholder(path: Path) -> bool:
    return _PLACEHOLDER.match(path.name) is not None


def _natural_key(name: str) -> list[tuple[int, int | str]]:
    """Sort ``zoom_2`` before ``zoom_10``."""
    return [
        (0, int(piece)) if piece.isdigit() else (1, piece.casefold()) for piece in re.split(r"(\d+)", name) if piece
    ]


def _mtime_date(path: Path) -> tuple[str, str]:
    when = datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    return when.date().isoformat(), when.time().isoformat()


def _mtime_warning(file: str, folder_name: str | None = None) -> str:
    reason = (
        f"folder name {folder_name!r} is not Zoom's 'YYYY-MM-DD HH.MM.SS Topic ID'"
        if folder_name is not None
        else "no date in the file name"
    )
    return f"{reason}: date and time are the modification time of {file}"


def _utc_warning(start_time: str | None) -> str:
    return f"start time {start_time} is UTC (Zoom cloud GMT stamp), not local time"
