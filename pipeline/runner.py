"""Run the stages for each session and write its artifacts to ``outputs/<session-id>/``.

The stages are plain functions from artifacts to artifacts; this module is the only
one that reads and writes them on disk. Engines (Whisper, pyannote) are loaded once,
on first use, and shared by all the sessions of a run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pipeline import align, audio, diarize, export, transcribe
from pipeline.artifacts import Diarization, Session, Transcript
from pipeline.config import Settings
from pipeline.errors import RecordingError, VerbaliError
from pipeline.files import write_json, write_text
from pipeline.progress import Hook, null_hook

logger = logging.getLogger("verbali")

AUDIO_FILE = "audio.16k.wav"


class Engines:
    """The models a run needs, loaded lazily and kept for every session."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def transcriber(self) -> transcribe.Transcriber:
        return transcribe.FasterWhisperTranscriber(self.settings)

    @cached_property
    def pyannote(self) -> diarize.Diarizer:
        return diarize.PyannoteDiarizer(self.settings)

    def diarizer(self, method: str, session: Session) -> diarize.Diarizer | None:
        if method == "pyannote":
            return self.pyannote
        return diarize.make_diarizer(method, session, self.settings)


@dataclass
class SessionResult:
    session_id: str
    source: str
    ok: bool
    folder: Path | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    speakers: list[str] = field(default_factory=list)
    segments: int = 0


def process_session(session: Session, settings: Settings, engines: Engines, hook: Hook = null_hook) -> SessionResult:
    folder = settings.outputs_dir / session.session_id
    result = SessionResult(session.session_id, session.folder, ok=False, folder=folder, warnings=list(session.warnings))
    timer = _Timer(result.timings)
    try:
        _run_stages(session, settings, engines, folder, result, timer, hook)
        result.ok = True
    except VerbaliError as error:
        result.error = f"{timer.stage}: {error}"
    return result


def _run_stages(
    session: Session,
    settings: Settings,
    engines: Engines,
    folder: Path,
    result: SessionResult,
    timer: _Timer,
    hook: Hook,
) -> None:
    if session.audio_path is None:
        raise RecordingError(session.folder, "no recording to process")
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "session.json", session.to_dict())

    with timer("audio"):
        decoded = audio.decode(session.audio_path, folder / AUDIO_FILE, _seconds_hook(hook, "decoding"))
        samples = audio.load_samples(Path(decoded.path))
    with timer("transcription"):
        raw = transcribe.transcribe(samples, engines.transcriber, settings.transcribe, hook)
        write_json(folder / "asr.json", raw.to_dict())
    with timer("diarization"):
        method = diarize.choose_method(session, settings.diarize)
        diarization = diarize.diarize(samples, session, engines.diarizer(method, session), settings.diarize, hook)
        _write_diarization(folder, session, diarization)
    with timer("alignment"):
        transcript = align.align(raw, diarization, settings.align)
        _write_transcript(folder, transcript)

    if not transcript.segments:
        result.warnings.append("no speech found in the recording")
    result.speakers = sorted({s.speaker for s in transcript.segments if s.speaker})
    result.segments = len(transcript.segments)


def _write_diarization(folder: Path, session: Session, diarization: Diarization) -> None:
    write_json(folder / "diarization.json", diarization.to_dict())
    write_text(folder / "diarization.rttm", diarization.to_rttm(session.session_id))


def _write_transcript(folder: Path, transcript: Transcript) -> None:
    write_json(folder / "transcript.json", transcript.to_dict())
    write_text(folder / "transcript.srt", export.to_srt(transcript))
    write_text(folder / "transcript.vtt", export.to_vtt(transcript))
    write_text(folder / "transcript.txt", export.to_text(transcript))


def _seconds_hook(hook: Hook, step: str) -> audio.Progress:
    return lambda done, total: hook(step, total=total, completed=done)


class _Timer:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.stage = "ingest"

    def __call__(self, stage: str) -> _Timer:
        self.stage = stage
        return self

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        logger.info("%s: started", self.stage)

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = time.perf_counter() - self.started
