"""Ingest: find what Zoom (or anyone) recorded and describe each recording as a ``Session``.

Reads folder names, file names, chat and transcript text; decodes no audio.

Rules where Zoom's layout leaves a choice:

* Local folder names are ``YYYY-MM-DD HH.MM.SS <Topic>[ <MeetingID>]``; a trailing run of
  9-11 digits is the meeting id. Zoom writes ``:`` as ``_``; only ``"_ "`` (underscore then
  space, as in ``"Riunione_ bilancio"``) is turned back into ``": "``, other underscores stay.
* Track files are ``Audio Record/audio<DisplayName><digits>.m4a``. The trailing digit run is
  Zoom's id, at most 11 digits long: digits beyond the last 11 belong to the name
  (``audioUtente212345678901`` -> "Utente2"); a run of 11 or fewer is all id, so a name digit
  followed by a short id cannot be told apart and is dropped.
* Every media file under ``Audio Record/`` has role ``participant-track``; ``Session.tracks``
  holds only the usable ones (a name could be parsed, not empty). Skipped ones get a warning.
* Cloud times (``GMT<date>-<time>``) are UTC and kept as UTC; a session warning says so.
* Dates in plain file names: ``YYYY-MM-DD``/``YYYYMMDD`` (``-``, ``_`` or ``.``) or
  ``DD-MM-YYYY``, each optionally followed by a time ``HH.MM[.SS]``; else the file's mtime.
* Chat files are read as UTF-8 (BOM allowed), falling back to cp1252. The Italian client's
  ``Da <Nome> a Tutti:`` headers are read too, with "Tutti" kept as "Everyone".
* Files and folders whose name starts with ``.`` are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple, TypeVar

import webvtt
from slugify import slugify
from webvtt.errors import MalformedCaptionError, MalformedFileError

from pipeline.artifacts import (
    ChatMessage,
    ParticipantTrack,
    Session,
    SourceFile,
    VttCue,
)
from pipeline.errors import NotConverted, RecordingError

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

ZOOM_ID_MAX_DIGITS = 11  # track-name ids seen from Zoom are 8-11 digits long
MAX_DISCOVERY_DEPTH = 3  # recordings/<year>/<month>/<session folder>
AUDIO_RECORD_DIR = "audio record"

_LOCAL_FOLDER = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}\.\d{2}\.\d{2})\s+"
    r"(?P<topic>.*?)(?:\s+(?P<id>\d{9,11}))?\s*$"
)
_LOCAL_MARKER = re.compile(
    r"^(zoom_\d+\.mp4|audio_only(_\d+)?\.m4a|playback\.m3u|recording\.conf"
    r"|meeting_saved_chat\.txt|double_click_to_convert.*\.zoom)$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"^double_click_to_convert.*\.zoom$", re.IGNORECASE)
_CLOUD_STAMP = re.compile(r"^GMT(?P<date>\d{8})-(?P<time>\d{6})")
_PART_FAMILY = re.compile(r"^(audio_only|zoom)(_\d+)?\.", re.IGNORECASE)

_TIME_SUFFIX = r"(?:[ _T-]*(?P<H>\d{2})[.:_h-]?(?P<M>\d{2})(?:[.:_m-]?(?P<S>\d{2}))?)?(?!\d)"
_DATE_IN_NAME = (
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>\d{2})(?P=sep)(?P<d>\d{2})" + _TIME_SUFFIX),
    re.compile(r"(?<!\d)(?P<d>\d{2})(?P<sep>[-_.])(?P<m>\d{2})(?P=sep)(?P<y>(?:19|20)\d{2})" + _TIME_SUFFIX),
)

_TRACK_NAME = re.compile(r"^audio(?P<body>.*?)(?P<digits>\d*)$", re.IGNORECASE | re.DOTALL)

_PRIVATE_MARK = re.compile(r"\s*\((?:direct message|privately|messaggio diretto|in privato)\)\s*$", re.IGNORECASE)
_VTT_SPEAKER = re.compile(r"^(?P<speaker>[^:?!,;\n]{1,60}?):\s+(?P<text>\S.*)$", re.DOTALL)
_VTT_SPEAKER_MAX_WORDS = 6

T = TypeVar("T")


# --------------------------------------------------------------------------- names


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


def parse_track_name(filename: str) -> str | None:
    """``audioMarioRossi12345678.m4a`` -> "Mario Rossi"; None when no name is in it."""
    match = _TRACK_NAME.match(Path(filename).stem)
    if match is None:
        return None
    digits = match["digits"]
    name_digits = digits[:-ZOOM_ID_MAX_DIGITS] if len(digits) > ZOOM_ID_MAX_DIGITS else ""
    words = _split_camel_case(match["body"] + name_digits).replace("_", " ").split()
    name = " ".join(words).strip(" -'")
    return name if any(ch.isalpha() for ch in name) else None


def _split_camel_case(text: str) -> str:
    pieces: list[str] = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else ""
        following = text[index + 1 : index + 2]
        if pieces and _starts_word(previous, char, following):
            pieces.append(" ")
        pieces.append(char)
    return "".join(pieces)


def _starts_word(previous: str, char: str, following: str) -> bool:
    if not char.isupper():
        return False
    # "AnnaFerri", "Utente2Rossi", and the last capital of a run: "ABCTeam" -> "ABC Team"
    return previous.islower() or previous.isdigit() or (previous.isupper() and following.islower())


def session_id_for(day: str | None, start_time: str | None, label: str) -> str:
    """Readable, filesystem-safe id: ``2005-03-01-1012-remote-control-design-meeting``."""
    clock = start_time[:5].replace(":", "") if start_time else ""
    parts = [part for part in (day, clock, label) if part]
    return slugify("-".join(parts), max_length=100, word_boundary=True) or "session"


# --------------------------------------------------------------------------- chat


@dataclass
class _DraftMessage:
    time: str
    sender: str
    recipient: str
    lines: list[str] = field(default_factory=list)

    def message(self) -> ChatMessage:
        return ChatMessage(self.time, self.sender, self.recipient, "\n".join(self.lines).strip())


def _chat_header_patterns() -> list[re.Pattern[str]]:
    clock = r"^(?P<time>\d{1,2}:\d{2}:\d{2})"
    sender, recipient = r"(?P<sender>[^:\t]+?)", r"(?P<recipient>[^:\t]+?)"
    patterns = [
        clock + rf"\s+{word_from}{gap}{sender}{gap}{word_to}{gap}{recipient}\s*:(?P<text>.*)$"
        for word_from, word_to in (("From", "to"), ("Da", "a"))
        for gap in (r"\s{2,}", r"\s+")  # Zoom doubles the spaces; try that reading first
    ]
    patterns.append(clock + rf"\s+(?:From|Da)\s+{sender}\s*:(?P<text>.*)$")
    patterns.append(clock + rf"\t{sender}:(?P<text>.*)$")  # cloud: "HH:MM:SS\tName:\ttext"
    return [re.compile(pattern) for pattern in patterns]


_CHAT_HEADERS = _chat_header_patterns()


def parse_chat(text: str) -> list[ChatMessage]:
    """Read a Zoom chat file (local ``chat.txt``/``meeting_saved_chat.txt`` or cloud ``newChat``).

    Lines that follow a header and are not headers themselves continue its message.
    """
    drafts: list[_DraftMessage] = []
    for line in text.splitlines():
        draft = _chat_header(line)
        if draft is not None:
            drafts.append(draft)
        elif drafts:
            drafts[-1].lines.append(line.removeprefix("\t"))
    return [draft.message() for draft in drafts]


def read_chat(path: Path) -> list[ChatMessage]:
    return parse_chat(_read_text(path))


def _chat_header(line: str) -> _DraftMessage | None:
    for pattern in _CHAT_HEADERS:
        match = pattern.match(line)
        if match is not None:
            hours, rest = match["time"].split(":", 1)
            groups = match.groupdict()
            draft = _DraftMessage(
                f"{int(hours):02d}:{rest}",
                _clean_name(match["sender"]),
                _clean_recipient(groups.get("recipient") or "Everyone"),
            )
            if match["text"].strip():
                draft.lines.append(match["text"].strip())
            return draft
    return None


def _clean_name(name: str) -> str:
    return " ".join(_PRIVATE_MARK.sub("", name).split())


def _clean_recipient(name: str) -> str:
    name = _clean_name(name)
    return "Everyone" if name == "Tutti" else name


def _is_everyone(name: str) -> bool:
    return name.casefold().startswith(("everyone", "tutti"))


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --------------------------------------------------------------------------- vtt


def parse_vtt(text: str) -> list[VttCue]:
    """Read a Zoom cloud transcript; cue text ``"Name: words"`` gives the speaker.

    Raises webvtt's ``MalformedFileError``/``MalformedCaptionError`` on a broken file.
    """
    return [_vtt_cue(caption) for caption in webvtt.from_string(text) if caption.text.strip()]


def read_vtt(path: Path) -> list[VttCue]:
    return parse_vtt(_read_text(path))


def _vtt_cue(caption: webvtt.Caption) -> VttCue:
    text = " ".join(caption.text.split())
    speaker = caption.voice
    if speaker is None:
        speaker, text = split_speaker(text)
    return VttCue(
        start=caption.start_time.in_milliseconds() / 1000,
        end=caption.end_time.in_milliseconds() / 1000,
        speaker=speaker,
        text=text,
    )


def split_speaker(text: str) -> tuple[str | None, str]:
    """``"Mario Rossi: Buongiorno"`` -> ("Mario Rossi", "Buongiorno"); no name -> (None, text)."""
    match = _VTT_SPEAKER.match(text)
    if match is None or len(match["speaker"].split()) > _VTT_SPEAKER_MAX_WORDS:
        return None, text
    return match["speaker"].strip(), match["text"].strip()


# --------------------------------------------------------------------------- discovery


def discover(path: Path) -> list[Session | RecordingError]:
    """Every recording under ``path``: a session folder, a media file, or a folder of them.

    Unusable recordings come back as their ``RecordingError`` so the caller can report them
    and go on; a path with no recordings at all raises ``RecordingError``.
    """
    path = Path(path)
    if not path.exists():
        raise RecordingError(path, "no such file or folder")
    if path.is_file():
        if not (_is_media(path) or _is_placeholder(path)):
            raise RecordingError(path, "not an audio or video file")
        return [_attempt(ingest_file, path)]
    if not _contains_recordings(path, depth=0):
        raise RecordingError(path, NO_RECORDINGS)
    return _with_unique_ids(sorted(_discover_folder(path, depth=0), key=_sort_key))


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
        session.warnings.append(_utc_warning(session.start_time))
    elif found is not None:
        session.date, session.start_time = found.date, found.start_time
    else:
        session.date, session.start_time = _mtime_date(path)
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


# --------------------------------------------------------------------------- zoom local


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
    for file in files:
        if _media_role(file) != "participant-track":
            continue
        name = parse_track_name(file.name)
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


# --------------------------------------------------------------------------- zoom cloud


def _ingest_cloud(folder: Path, stamp: str, dedicated: bool) -> Session:
    """A Zoom cloud download; ``dedicated``: the folder holds only this recording."""
    files = _session_files(folder) if dedicated else _stamped_files(folder, stamp)
    warnings: list[str] = []
    audio = _pick_audio(folder, _cloud_audio_candidates(files), warnings)
    day, start_time = parse_cloud_stamp(f"GMT{stamp}") or (None, None)
    session = Session(
        session_id="",
        kind="zoom-cloud",
        folder=str(folder.absolute()),
        topic=_cloud_topic(folder, dedicated),
        date=day,
        start_time=start_time,
        audio=audio.as_posix(),
        files=_source_files(folder, files),
        chat=_read_first_chat(folder, files, warnings),
        vtt=_read_first_vtt(folder, files, warnings),
        warnings=[_utc_warning(start_time), *warnings],
    )
    return _finish(session)


def _cloud_stamps(folder: Path) -> list[str]:
    stamps = {
        match["date"] + "-" + match["time"]
        for child in _children(folder)
        if child.is_file() and _is_media(child) and (match := _CLOUD_STAMP.match(child.name))
    }
    return sorted(stamps)


def _stamped_files(folder: Path, stamp: str) -> list[Path]:
    return [
        child.relative_to(folder)
        for child in _children(folder)
        if child.is_file() and child.name.startswith(f"GMT{stamp}")
    ]


def _cloud_audio_candidates(files: list[Path]) -> list[Path]:
    """Media best first: .m4a, other audio, then video."""

    def rank(file: Path) -> int:
        suffix = file.suffix.casefold()
        return 0 if suffix == ".m4a" else 1 if suffix in AUDIO_EXTENSIONS else 2

    media = [file for file in files if len(file.parts) == 1 and _is_media(file)]
    return sorted(media, key=lambda file: (rank(file), _natural_key(file.name)))


def _cloud_topic(folder: Path, dedicated: bool) -> str:
    if not dedicated or _CLOUD_STAMP.match(folder.name):
        return CLOUD_TOPIC
    return " ".join(folder.name.split()) or CLOUD_TOPIC


def _read_first_vtt(folder: Path, files: list[Path], warnings: list[str]) -> list[VttCue]:
    transcripts = [file for file in files if _file_role(file) == "transcript-vtt"]
    transcripts.sort(key=lambda file: "transcript" not in file.name.casefold())
    if not transcripts:
        return []
    try:
        return read_vtt(folder / transcripts[0])
    except (MalformedFileError, MalformedCaptionError, OSError) as error:
        warnings.append(f"{transcripts[0].as_posix()}: transcript not read ({error})")
        return []


# --------------------------------------------------------------------------- shared


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


def snapshot(session: Session) -> list[tuple[str, int, int]]:
    """Size and modification time of every file of a session: equal twice means it stood still."""
    root = Path(session.folder)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.exists()]
