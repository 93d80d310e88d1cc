"""Zoom local recordings: ``YYYY-MM-DD HH.MM.SS <Topic> <MeetingID>`` folders with the mixed recording,
``chat.txt`` and ``Audio Record/`` per-participant tracks."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.artifacts import (
    DateSource,
    ParticipantTrack,
    Session,
)
from pipeline.errors import NotConverted, RecordingError
from pipeline.ingest.folders import (
    AUDIO_RECORD_DIR,
    EMPTY_FILE,
    NO_MIXED_RECORDING,
    NO_RECORDINGS,
    NOT_CONVERTED,
    _children,
    _finish,
    _is_media,
    _is_placeholder,
    _media_role,
    _mtime_date,
    _mtime_warning,
    _natural_key,
    _read_first_chat,
    _session_files,
    _source_files,
)
from pipeline.ingest.names import parse_folder_name
from pipeline.ingest.tracks import parse_track_names

_LOCAL_MARKER = re.compile(
    r"^(zoom_\d+\.mp4|audio_only(_\d+)?\.m4a|playback\.m3u|recording\.conf"
    r"|meeting_saved_chat\.txt|double_click_to_convert.*\.zoom)$",
    re.IGNORECASE,
)


_PART_FAMILY = re.compile(r"^(audio_only|zoom)(_\d+)?\.", re.IGNORECASE)


def _ingest_local(folder: Path) -> Session:
    files = _session_files(folder)
    if not any(_is_media(file) for file in files):
        if any(_is_placeholder(file) for file in files):
            raise NotConverted(folder, NOT_CONVERTED)
        raise RecordingError(folder, NO_RECORDINGS)
    warnings: list[str] = []
    audio = _pick_audio(folder, _local_audio_candidates(files), warnings)
    session = Session(
        session_id="",
        kind="zoom-local",
        folder=str(folder.absolute()),
        topic=folder.name,
        audio=audio.as_posix(),
        files=_source_files(folder, files),
        tracks=_read_tracks(folder, files, warnings),
        chat=_read_first_chat(folder, files, warnings),
        warnings=warnings,
    )
    _set_local_header(session, folder, audio)
    return _finish(session)


def _set_local_header(session: Session, folder: Path, audio: Path) -> None:
    header = parse_folder_name(folder.name)
    if header is None:
        session.date, session.start_time = _mtime_date(folder / audio)
        session.date_source = DateSource.MTIME
        session.warnings.append(_mtime_warning(audio.as_posix(), folder.name))
        return
    session.date, session.start_time = header.date, header.start_time
    session.topic = header.topic or folder.name
    session.meeting_id = header.meeting_id


def _is_zoom_local(folder: Path) -> bool:
    if parse_folder_name(folder.name) is not None:
        return True
    return any(
        _LOCAL_MARKER.match(child.name) or (child.is_dir() and child.name.casefold() == AUDIO_RECORD_DIR)
        for child in _children(folder)
    )


def _local_audio_candidates(files: list[Path]) -> list[Path]:
    """Top-level media, best first: audio_only.m4a, audio_only_N.m4a, zoom_N.mp4, the rest."""

    def rank(file: Path) -> int:
        name = file.name.casefold()
        if name == "audio_only.m4a":
            return 0
        if name.startswith("audio_only"):
            return 1
        return 2 if name.startswith("zoom_") else 3

    top_level = [file for file in files if len(file.parts) == 1 and _is_media(file)]
    return sorted(top_level, key=lambda file: (rank(file), _natural_key(file.name)))


def _pick_audio(folder: Path, candidates: list[Path], warnings: list[str]) -> Path:
    """The first non-empty candidate; warn about empty ones and about multi-part recordings."""
    if not candidates:
        raise RecordingError(folder, NO_MIXED_RECORDING)
    for candidate in candidates:
        if (folder / candidate).stat().st_size == 0:
            warnings.append(f"{candidate.as_posix()}: {EMPTY_FILE}, not used")
            continue
        _warn_parts(candidate, candidates, warnings)
        return candidate
    raise RecordingError(folder / candidates[0], EMPTY_FILE)


def _warn_parts(chosen: Path, candidates: list[Path], warnings: list[str]) -> None:
    family = _part_family(chosen)
    parts = [c.as_posix() for c in candidates if family and _part_family(c) == family]
    if len(parts) > 1:
        warnings.append(
            f"the recording is in {len(parts)} parts ({', '.join(parts)}); only {chosen.as_posix()} is used"
        )


def _part_family(file: Path) -> str | None:
    match = _PART_FAMILY.match(file.name)
    return None if match is None else match[1].casefold()


def _read_tracks(folder: Path, files: list[Path], warnings: list[str]) -> list[ParticipantTrack]:
    tracks = []
    participant_files = [file for file in files if _media_role(file) == "participant-track"]
    for file, name in zip(participant_files, parse_track_names([f.name for f in participant_files]), strict=True):
        if name is None:
            warnings.append(
                f"{file.as_posix()}: no participant name in the file name "
                "(expected audio<Name><digits>.m4a); track skipped"
            )
        elif (folder / file).stat().st_size == 0:
            warnings.append(f"{file.as_posix()}: {EMPTY_FILE}; track skipped")
        else:
            tracks.append(ParticipantTrack(name, file.as_posix()))
    return tracks
