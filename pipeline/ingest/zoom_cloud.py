"""Zoom cloud downloads: ``GMT<date>-<time>_Recording*`` files and their WebVTT transcript."""

from __future__ import annotations

import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from pipeline.artifacts import (
    DateSource,
    Session,
    VttCue,
)
from pipeline.ingest.chat import _read_text
from pipeline.ingest.folders import (
    AUDIO_EXTENSIONS,
    CLOUD_TOPIC,
    _children,
    _file_role,
    _finish,
    _is_media,
    _natural_key,
    _read_first_chat,
    _session_files,
    _source_files,
    _utc_warning,
)
from pipeline.ingest.names import _CLOUD_STAMP, parse_cloud_stamp
from pipeline.ingest.zoom_local import _pick_audio

_VTT_SPEAKER = re.compile(r"^(?P<speaker>[^:?!,;\n]{1,60}?):\s+(?P<text>\S.*)$", re.DOTALL)
_VTT_SPEAKER_MAX_WORDS = 6


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
        date_source=DateSource.CLOUD,
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
