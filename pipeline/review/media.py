"""The review copy of a session's audio: an MP3 every browser plays and can seek in.

Made with ffmpeg from ``audio.16k.wav`` (constant bit rate, so that a browser maps a time
to a byte offset exactly and HTTP range requests seek at once in a 3-hour file: about
14 MB an hour at 32 kbit/s). Made after processing, or on first request; written atomically.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

from pipeline.errors import ToolMissing, VerbaliError
from pipeline.storage.files import atomic_path

REVIEW_AUDIO = "audio.review.mp3"
SOURCE_AUDIO = "audio.16k.wav"
BITRATE = "32k"
_making = threading.Lock()


def review_audio(folder: Path) -> Path:
    """The session's review copy, made now if missing or older than the decoded audio."""
    target, source = folder / REVIEW_AUDIO, folder / SOURCE_AUDIO
    if _fresh(target, source):
        return target
    if not source.exists():
        raise VerbaliError(f"{folder.name}: nessun audio decodificato ({SOURCE_AUDIO})")
    with _making:
        if not _fresh(target, source):
            _encode(source, target)
    return target


def _fresh(target: Path, source: Path) -> bool:
    return target.exists() and (not source.exists() or target.stat().st_mtime >= source.stat().st_mtime)


def _encode(source: Path, target: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ToolMissing("ffmpeg non è installato: impossibile preparare l'audio per l'ascolto")
    with atomic_path(target) as partial:
        command = [ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(source), "-ac", "1", "-c:a", "libmp3lame"]
        subprocess.run([*command, "-b:a", BITRATE, "-f", "mp3", str(partial)], check=True, capture_output=True)
