"""The review copy of a session's audio: an MP3 every browser plays and can seek in.

The runner makes it after the stages (``pipeline.audio.encode_review_copy``); a session
processed by an older verbali gets it here, on the first request.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.audio import DECODED_AUDIO, REVIEW_AUDIO, encode_review_copy, review_copy_fresh
from pipeline.errors import ToolMissing, VerbaliError

_making = threading.Lock()

__all__ = ["REVIEW_AUDIO", "review_audio"]


def review_audio(folder: Path) -> Path:
    """The session's review copy, made now if missing or older than the decoded audio."""
    target, source = folder / REVIEW_AUDIO, folder / DECODED_AUDIO
    if review_copy_fresh(target, source):
        return target
    if not source.exists():
        raise VerbaliError(f"{folder.name}: nessun audio decodificato ({DECODED_AUDIO})")
    with _making:
        if not review_copy_fresh(target, source):
            try:
                encode_review_copy(source, target)
            except ToolMissing as error:
                raise ToolMissing("ffmpeg non è installato: impossibile preparare l'audio per l'ascolto") from error
    return target
