"""Run the stages for each session and keep its artifacts in ``outputs/<session-id>/``.

The stages are plain functions from artifacts to artifacts; this module is the only one
that reads and writes them on disk. Each stage has a fingerprint of everything its
artifact depends on (inputs, options, models, code version). A stage whose fingerprint
is the one recorded in the state database, with its files present, is not run again: it
is loaded. So a run over unchanged recordings does nothing, a killed run resumes at the
stage it was in, and a new template re-renders documents without transcribing again.

Engines (Whisper, pyannote) are loaded on first use and shared by all the sessions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from pipeline import align, audio, diarize, export, models, transcribe
from pipeline.artifacts import AudioInfo, Diarization, SchemaMismatch, Session, Transcript, check_schema
from pipeline.config import Settings
from pipeline.errors import ModelUnavailable, RecordingError, UsageError, VerbaliError
from pipeline.ingest.programme import (
    Programme,
    ProgrammeError,
    find_programme,
    load_programme,
    programme_warning,
)
from pipeline.locations import PACKAGED_DATA, PACKAGED_TEMPLATES
from pipeline.models import load_manifest
from pipeline.progress import Hook, null_hook
from pipeline.storage.files import read_json, write_json, write_text
from pipeline.storage.fingerprint import digest, file_stats, folder_content
from pipeline.storage.publish import Publisher
from pipeline.storage.state import State

logger = logging.getLogger("verbali")
T = TypeVar("T")

# Bump a stage's version when its code changes what it produces.
STAGE_VERSIONS = {"audio": 1, "transcription": 2, "diarization": 5, "alignment": 1, "tables": 1, "minutes": 2}


class Engines:
    """The models a run needs, loaded lazily and kept for every session."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def transcriber(self) -> transcribe.Transcriber:
        return transcribe.FasterWhisperTranscriber(self.settings)

    @cached_property
    def pyannote(self) -> diarize.PyannoteDiarizer:
        return diarize.PyannoteDiarizer(self.settings)

    @cached_property
    def speech(self) -> diarize.SpeechDetector:
        return diarize.SpeechDetector(self.pyannote.segmentation_model)

    def diarizer(self, method: str, session: Session) -> diarize.Diarizer | None:
        return diarize.diarizer_for(method, session, self)

    def check(self, sessions: Sequence[Session]) -> None:
        """Raise ``ModelUnavailable`` before any session runs if a model these sessions need is unusable.

        A quick check (files present, sizes right); loading checks the rest.
        """
        needed = [self.settings.transcribe.model]
        if any(_diarization_method(s, self.settings) == "pyannote" for s in sessions):
            needed.append(self.settings.diarize.model)
        for name in needed:
            models.resolve(self.settings.models_dir, name)


def _diarization_method(session: Session, settings: Settings) -> str | None:
    try:
        return diarize.choose_method(session, settings.diarize)
    except UsageError:  # reported by the session itself
        return None


@dataclass
class SessionResult:
    session_id: str
    source: str
    ok: bool = False
    folder: Path | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # the session's from ingest first
    ingest_warnings: int = 0  # how many of ``warnings`` came from ingest (known before any stage ran)
    timings: dict[str, float] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    segments: int = 0
    tables: int = 0

    @property
    def unchanged(self) -> bool:
        return self.ok and not self.timings


def process_session(
    session: Session,
    settings: Settings,
    engines: Engines,
    state: State,
    *,
    force: bool = False,
    hook: Hook = null_hook,
) -> SessionResult:
    run = _SessionRun(session, settings, engines, state, hook)
    if force:
        state.forget_stages(session.session_id)
    state.record_session(session.session_id, session.folder, "running")
    try:
        run.all_stages()
        run.result.ok = True
        state.record_session(session.session_id, session.folder, "done", "; ".join(run.result.warnings) or None)
    except ModelUnavailable as error:  # the same for every session: the batch stops
        state.record_session(session.session_id, session.folder, "failed", f"{run.current}: {error}")
        raise
    except VerbaliError as error:
        run.result.error = f"{run.current}: {error}"
        state.record_session(session.session_id, session.folder, "failed", run.result.error)
    return run.result


class _SessionRun:
    def __init__(self, session: Session, settings: Settings, engines: Engines, state: State, hook: Hook) -> None:
        self.session = session
        self.settings = settings
        self.engines = engines
        self.state = state
        self.hook = hook
        self.folder = settings.outputs_dir / session.session_id
        self.publisher = Publisher(settings.outputs_dir, state, session.session_id)
        self.result = SessionResult(
            session.session_id, session.folder, folder=self.folder, warnings=list(session.warnings),
            ingest_warnings=len(session.warnings),
        )  # fmt: skip
        self.current = "ingest"

    # ----------------------------------------------------------------- the stages

    def all_stages(self) -> None:
        if self.session.audio_path is None:
            raise RecordingError(self.session.folder, "no recording to process")
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / "session.json", self.session.to_dict())
        _ = self.programme  # read before the expensive stages: a problem is known at once
        fingerprints = self.fingerprints()

        decoded = self.stage("audio", fingerprints["audio"], [audio.DECODED_AUDIO], self.decode, self.load_audio_info)
        # Diarization first: transcription may read each speaker's turns from their own track.
        turns = self.stage(
            "diarization", fingerprints["diarization"], ["diarization.json"], self.diarize, self.load_diarization
        )
        raw = self.stage(
            "transcription", fingerprints["transcription"], ["asr.json"], lambda: self.transcribe(turns), self.load_asr
        )
        transcript = self.stage(
            "alignment", fingerprints["alignment"], ["transcript.json"], lambda: self.align(raw, turns),
            lambda: Transcript.from_dict(read_json(self.folder / "transcript.json")),
        )  # fmt: skip
        tables = self.stage(
            "tables", fingerprints["tables"], ["tables.json"], lambda: self.find_tables(transcript), self.load_tables
        )
        self.stage(
            "minutes", fingerprints["minutes"], ["verbale.json"],
            lambda: self.write_minutes(transcript, tables, decoded), lambda: None,
        )  # fmt: skip
        self.make_review_copy()
        self.result.warnings += [
            f"kept {a.name} (edited by hand); new draft in {b.name}" for a, b in self.publisher.kept
        ]
        if decoded.duration > 0 and not transcript.segments:
            self.result.warnings.append("no speech found in the recording")
        self.result.speakers = sorted({s.speaker for s in transcript.segments if s.speaker})
        self.result.segments = len(transcript.segments)
        self.result.tables = len(tables.tables)

    def make_review_copy(self) -> None:
        """The review app's MP3, made here so that every entry point (CLI, cron, workers) leaves one."""
        source, target = self.folder / audio.DECODED_AUDIO, self.folder / audio.REVIEW_AUDIO
        if not audio.review_copy_fresh(target, source):
            self.current = "review audio"
            audio.encode_review_copy(source, target)

    def decode(self) -> AudioInfo:
        progress = lambda done, total: self.hook("audio", total=total, completed=done)  # noqa: E731
        return audio.decode(self.session.audio_path, self.folder / audio.DECODED_AUDIO, progress)

    def load_audio_info(self) -> AudioInfo:
        path = self.folder / audio.DECODED_AUDIO
        return AudioInfo(str(path), str(self.session.audio_path), audio.wav_duration(path))

    @cached_property
    def samples(self) -> np.ndarray:
        return audio.load_samples(self.folder / audio.DECODED_AUDIO)

    def transcribe(self, turns: Diarization) -> Transcript:
        context = transcribe.session_context(self.session, self.programme)
        raw = transcribe.transcribe(
            self.samples, self.engines.transcriber, self.settings.transcribe, self.hook,
            context=context, session=self.session, diarization=turns,
        )  # fmt: skip
        write_json(self.folder / "asr.json", raw.to_dict())
        return raw

    def load_asr(self) -> Transcript:
        return Transcript.from_dict(read_json(self.folder / "asr.json"))

    def diarize(self) -> Diarization:
        options = self.settings.diarize
        method = diarize.choose_method(self.session, options)
        diarizer = self.engines.diarizer(method, self.session)
        samples = self.samples if method in ("pyannote", "auto") else np.zeros(0, dtype=np.float32)
        result = diarize.diarize(samples, self.session, diarizer, options, self.hook, self.engines)
        write_json(self.folder / "diarization.json", result.to_dict())
        write_text(self.folder / "diarization.rttm", result.to_rttm(self.session.session_id))
        return result

    def load_diarization(self) -> Diarization:
        return Diarization.from_dict(read_json(self.folder / "diarization.json"))

    def align(self, raw: Transcript, turns: Diarization) -> Transcript:
        transcript = align.align(raw, turns, self.settings.align)
        write_json(self.folder / "transcript.json", transcript.to_dict())
        self.publish_exports(transcript)
        return transcript

    def publish_exports(self, transcript: Transcript) -> None:
        self.publisher.publish(self.folder / "transcript.srt", export.to_srt(transcript))
        self.publisher.publish(self.folder / "transcript.vtt", export.to_vtt(transcript))
        self.publisher.publish(self.folder / "transcript.txt", export.to_text(transcript))

    def find_tables(self, transcript: Transcript) -> Any:
        from pipeline.tables import find_tables

        tables = find_tables(
            transcript, session=self.session, programme=self.programme, options=self.settings.tables_options()
        )
        write_json(self.folder / "tables.json", tables.to_dict())
        return tables

    def write_minutes(self, transcript: Transcript, tables: Any, decoded: AudioInfo) -> None:
        from pipeline.documents import build_minutes, render_minutes
        from pipeline.review.corrections import corrected

        options = self.settings.render_options()
        reviewed = corrected(self.folder, transcript, tables)  # editors' corrections, if any
        minutes = build_minutes(
            self.session, reviewed.transcript, reviewed.tables, self.programme, decoded.duration, options
        )
        if self.programme is not None:
            write_json(self.folder / "programma.json", self.programme.to_dict())
        render_minutes(minutes, self.folder, options, publish=self.publisher.publish)
        if reviewed.applied:  # the editors' names and words in the exports too
            self.publish_exports(reviewed.transcript)
        write_json(self.folder / "verbale.json", minutes.to_dict())

    def load_tables(self) -> Any:
        from pipeline.tables import Tables

        return Tables.from_dict(read_json(self.folder / "tables.json"))

    # ----------------------------------------------------------------- reuse

    def stage(
        self, name: str, fingerprint: str, outputs: list[str], compute: Callable[[], T], load: Callable[[], T]
    ) -> T:
        """Load the stage's artifact if its fingerprint matches, else compute and record it."""
        self.current = name
        sid = self.session.session_id
        if self.state.stage_fingerprint(sid, name) == fingerprint and all((self.folder / o).exists() for o in outputs):
            try:
                value = load()
            except SchemaMismatch as error:  # written by another version: redo it
                logger.info("%s %s: %s; redone", sid, name, error)
            else:
                self.result.reused.append(name)
                logger.info("%s %s: reused", sid, name)
                return value
        logger.info("%s %s: started", sid, name)
        started = time.perf_counter()
        try:
            value = compute()
        except VerbaliError as error:
            self.state.record_stage(sid, name, fingerprint, "failed", time.perf_counter() - started, str(error))
            logger.error("%s %s: failed: %s", sid, name, error)
            raise
        seconds = time.perf_counter() - started
        self.result.timings[name] = seconds
        self.state.record_stage(sid, name, fingerprint, "done", seconds)
        logger.info("%s %s: done in %.1f s", sid, name, seconds)
        return value

    @cached_property
    def programme_path(self) -> Path | None:
        return find_programme(Path(self.session.folder))

    @cached_property
    def programme(self) -> Programme | None:
        """The session's programme; a malformed one is a warning (given at ingest), not a failure."""
        if self.programme_path is None:
            return None
        try:
            return load_programme(self.programme_path)
        except ProgrammeError as error:
            warning = programme_warning(error)
            if warning not in self.result.warnings:
                self.result.warnings.append(warning)
            return None

    def fingerprints(self) -> dict[str, str]:
        """Each stage's fingerprint, chained: a stage changes when anything upstream does."""
        session, settings = self.session, self.settings
        manifest = load_manifest(settings.models_dir)
        tables = settings.tables_options()
        prints: dict[str, str] = {}
        prints["audio"] = digest("audio", STAGE_VERSIONS["audio"], file_stats([session.audio_path]))
        diarize_options = {**settings.diarize.__dict__, "hf_token": None}
        prints["diarization"] = digest(
            "diarization", STAGE_VERSIONS["diarization"], prints["audio"], diarize_options,
            _model_identity(manifest, settings.diarize.model),
            file_stats([session.path_of(t.path) for t in session.tracks]), session.vtt,
        )  # fmt: skip
        from_tracks = settings.transcribe.source != "mix" and len(session.tracks) >= 2
        prints["transcription"] = digest(
            "transcription", STAGE_VERSIONS["transcription"], prints["audio"], settings.transcribe,
            _model_identity(manifest, settings.transcribe.model), session.participants, session.chat,
            file_stats([self.programme_path] if self.programme_path else []),
            prints["diarization"] if from_tracks else None,
        )  # fmt: skip
        prints["alignment"] = digest(
            "alignment", STAGE_VERSIONS["alignment"], prints["transcription"], prints["diarization"], settings.align
        )
        prints["tables"] = digest(
            "tables", STAGE_VERSIONS["tables"], prints["alignment"], tables,
            folder_content(PACKAGED_DATA), folder_content(tables.patterns_dir), session.participants,
            file_stats([self.programme_path] if self.programme_path else []),
        )  # fmt: skip
        render = settings.render_options()
        prints["minutes"] = digest(
            "minutes", STAGE_VERSIONS["minutes"], prints["tables"], session.to_dict(), render,
            folder_content(PACKAGED_DATA), folder_content(PACKAGED_TEMPLATES), folder_content(render.templates_dir),
        )  # fmt: skip
        return prints


def _model_identity(manifest: dict, name: str) -> Any:
    spec = manifest.get(name)
    return [name, [f.sha256 for f in spec.files]] if spec else name


# --------------------------------------------------------------------------- synthesis


def update_syntheses(settings: Settings, state: State, *, force: bool = False) -> list[Path]:
    """Rebuild ``outputs/<process>/sintesi.*`` for each process whose sessions changed.

    Reads every session folder in ``outputs/`` that has minutes, so a recording deleted
    since still counts: outputs are never dropped.
    """
    from pipeline.documents.synthesis import build_synthesis, group_by_process, render_synthesis, synthesis_fingerprint

    options = settings.synthesis_options()
    written = []
    for slug, sessions in group_by_process(_finished_sessions(settings.outputs_dir)).items():
        fingerprint = synthesis_fingerprint(sessions, options)
        folder = settings.outputs_dir / slug
        if not force and state.stage_fingerprint(slug, "synthesis") == fingerprint and folder.is_dir():
            logger.info("%s synthesis: reused", slug)
            continue
        publisher = Publisher(settings.outputs_dir, state, slug)
        written += render_synthesis(build_synthesis(sessions, options), folder, options, publish=publisher.publish)
        state.record_stage(slug, "synthesis", fingerprint, "done", 0.0)
        logger.info("%s synthesis: written from %d sessions", slug, len(sessions))
    return written


def _finished_sessions(outputs_dir: Path) -> list[tuple[Any, ...]]:
    from pipeline.documents import Minutes
    from pipeline.ingest.programme import Programme
    from pipeline.tables import Tables

    found = []
    for minutes_file in sorted(outputs_dir.glob("*/verbale.json")):
        folder = minutes_file.parent
        programme_file = folder / "programma.json"
        try:
            check_schema(read_json(folder / "session.json"), f"{folder.name}/session.json")
            check_schema(read_json(folder / "tables.json"), f"{folder.name}/tables.json")
        except SchemaMismatch as error:
            logger.warning("synthesis leaves out %s: %s", folder.name, error)
            continue
        found.append((
            Session.from_dict(read_json(folder / "session.json")),
            Tables.from_dict(read_json(folder / "tables.json")),
            Programme.from_dict(read_json(programme_file)) if programme_file.exists() else None,
            Minutes.from_dict(read_json(minutes_file)),
        ))  # fmt: skip
    return found
