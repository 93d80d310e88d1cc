"""What a worker does with one job: find the session on the shared root, then run the pipeline.

``run_session`` calls the same batch entry point as the command line and the web app
(``pipeline.batch.run_batch``), with the one session the job names (not re-discovered: two
recordings that share a name keep the id the submitter saw), its own state file, and no
synthesis (the coordinator's job): ``outputs/verbali.db`` is never written by a worker.
The worker keeps the session's stage fingerprints in the session's own folder
(``<session>/.verbali-session.db``), written only under the session lock: a redelivered
job, on any machine, resumes where the killed one stopped, and no two machines ever
write one SQLite file. The coordinator copies those rows into ``outputs/verbali.db``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from pipeline import ingest
from pipeline.artifacts import Session
from pipeline.batch import run_batch
from pipeline.config import QueueOptions, Settings
from pipeline.errors import RecordingError, VerbaliError
from pipeline.runner import Engines, SessionResult
from pipeline.storage.fingerprint import digest
from pipeline.workers.jobs import JobSpec, SharedPaths, check_models, settings_for
from pipeline.workers.locks import SessionBusy, SessionLock

logger = logging.getLogger("verbali.workers")
SESSION_STATE = ".verbali-session.db"


def run_session(
    session: Session, settings: Settings, engines: Engines, *, lock: AbstractContextManager, force: bool
) -> SessionResult:
    """One session through the stages, under ``lock``, with its fingerprints in its own folder."""
    report = run_batch(
        (), settings, sessions=[session], engines=engines, lock=lock, force=force, settle=0,
        state_file=settings.outputs_dir / session.session_id / SESSION_STATE, syntheses=False,
    )  # fmt: skip
    if report.error is not None:
        raise report.error
    return report.results[0]


@dataclass
class Worker:
    """One worker process: its mount of the shared root, its models, loaded once and kept."""

    client: redis.Redis
    paths: SharedPaths
    models_dir: Path
    options: QueueOptions
    preload: Settings | None = None  # the models to load at start
    _engines: dict[str, Engines] = field(default_factory=dict)

    def load_models(self) -> None:
        if self.preload is None:
            return
        engines = self.engines_for(self.preload)
        engines.transcriber  # noqa: B018 -- load now, not during the first job
        if self.preload.diarize.method in ("auto", "pyannote"):
            engines.pyannote  # noqa: B018
        logger.info("models loaded: %s, %s", self.preload.transcribe.model, self.preload.diarize.model)

    def engines_for(self, settings: Settings) -> Engines:
        """Engines for the settings' models, loaded on first use and kept for the next jobs."""
        t, d = settings.transcribe, settings.diarize
        key = digest(t.model, t.device, t.compute_type, t.cpu_threads, t.batch_size, d.model, d.device)
        if key not in self._engines:
            self._engines[key] = Engines(settings)
        return self._engines[key]

    def process(self, spec: JobSpec, holder: str, on_locked: Callable[[], None]) -> dict[str, Any]:
        """The job's result as a dict; bad input gives ``ok: False`` and the one-line error.

        ``on_locked`` is called once this worker holds the session.

        Raises SessionBusy when another worker holds the session, OSError and RedisError for
        what may pass (the caller retries those).
        """
        try:
            check_models(spec, self.models_dir)
            settings = settings_for(spec, self.paths, self.models_dir, hf_token=os.environ.get("HF_TOKEN"))
            session = self.find_session(spec, holder)
            engines = self.engines_for(settings)
            engines.check([session])  # as a local run does, before any stage
            holder_process = f"{holder} pid {os.getpid()}"
            session_lock = SessionLock(self.client, session.session_id, holder_process, self.options.lock_ttl)
            result = run_session(session, settings, engines, lock=_announced(session_lock, on_locked), force=spec.force)
        except SessionBusy:
            raise
        except VerbaliError as error:
            return failed(spec, str(error))
        return as_dict(result)

    def participants(self, spec: JobSpec) -> Path | None:
        return self.paths.absolute(spec.participants) if spec.participants else None

    def find_session(self, spec: JobSpec, holder: str) -> Session:
        path = self.paths.absolute(spec.recording)
        if not path.exists():
            raise RecordingError(
                path, f"no such file or folder on worker {holder} (is the shared root {self.paths.root} mounted here?)"
            )
        found = ingest.discover(path, timezone=spec.timezone, participants=self.participants(spec))
        sessions = [s for s in found if isinstance(s, Session)]
        if not sessions:
            raise next((e for e in found if isinstance(e, RecordingError)), RecordingError(path, "no recording"))
        chosen = next((s for s in sessions if s.session_id == spec.session_id), sessions[0])
        return dataclasses.replace(chosen, session_id=spec.session_id)  # the id the submitter saw


@contextmanager
def _announced(lock: AbstractContextManager, on_locked: Callable[[], None]) -> Iterator[None]:
    with lock:
        on_locked()
        yield


def failed(spec: JobSpec, error: str) -> dict[str, Any]:
    return as_dict(SessionResult(spec.session_id, spec.recording, ok=False, error=error))


def as_dict(result: SessionResult) -> dict[str, Any]:
    return {**dataclasses.asdict(result), "folder": str(result.folder) if result.folder else None}


def from_dict(data: dict[str, Any]) -> SessionResult:
    return SessionResult(**{**data, "folder": Path(data["folder"]) if data.get("folder") else None})
