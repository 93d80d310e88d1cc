"""Uploaded recordings processed in the background, one batch at a time, through ``run_batch``.

The web app keeps one ``Processor``: a worker thread, a queue of recording folders, the
models loaded once (``Engines``) and what each session is doing now, for the pages to show.
When another run (cron) holds the outputs folder, the folder waits and is tried again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts import Session
from pipeline.batch import BatchReport, run_batch
from pipeline.config import QueueOptions, Settings
from pipeline.errors import RunInProgress
from pipeline.runner import Engines, SessionResult

logger = logging.getLogger("verbali")
RETRY_SECONDS = 30.0
STEP_NAMES = {  # the stages' progress steps, as the page names them
    "audio": "decodifica dell'audio",
    "transcription": "trascrizione",
    "diarization": "riconoscimento delle voci",
    "alignment": "allineamento",
    "tables": "tavoli",
    "minutes": "verbale",
}
WORKER_STATES = {  # a job's state on the workers, as the page names it
    "queued": "in coda sui worker",
    "running": "in lavorazione su un worker",
    "retrying": "nuovo tentativo",
}


@dataclass
class Job:
    folder: Path
    state: str = "in coda"  # in coda | in lavorazione | fatto | errore
    session_id: str | None = None
    step: str | None = None
    completed: float | None = None
    total: float | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        percent = None
        if self.total and self.completed is not None:
            percent = round(100 * min(self.completed / self.total, 1.0))
        return {
            "cartella": self.folder.name,
            "stato": self.state,
            "sessione": self.session_id,
            "fase": STEP_NAMES.get(self.step or "", self.step),
            "percentuale": percent,
            "errore": self.error,
        }


class Processor:
    """Processes uploads on this machine, or, with a broker (``VERBALI_BROKER``), on the workers."""

    def __init__(self, settings: Settings, engines: Engines | None = None, queue_options: QueueOptions | None = None):
        self.settings = settings
        self.queue_options = queue_options or QueueOptions.from_environment()
        self.engines = engines or (None if self.queue_options.broker else Engines(settings))
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Path | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="verbali-processor", daemon=True)
        self._thread.start()

    def submit(self, folder: Path) -> Job:
        with self._lock:
            job = self.jobs[folder.name] = Job(folder)
        self._queue.put(folder)
        return job

    def running(self) -> dict[str, dict[str, Any]]:
        """Jobs not finished, by session id (or folder name until the session is known)."""
        with self._lock:
            return {j.session_id or j.folder.name: j.to_dict() for j in self.jobs.values() if j.state != "fatto"}

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while (folder := self._queue.get()) is not None:
            job = self.jobs[folder.name]
            job.state = "in lavorazione"
            try:
                self._process(job)
            except Exception as error:
                logger.exception("processing %s failed", folder)
                job.state, job.error = "errore", str(error)

    def _process(self, job: Job) -> None:
        report = self._on_workers(job) if self.queue_options.broker else self._here(job)
        problems = [str(p) for p in report.problems] + [r.error or "" for r in report.failed]
        if report.error is not None or problems:
            job.state, job.error = "errore", str(report.error or "; ".join(problems))
            return
        job.state = "fatto"

    def _here(self, job: Job) -> BatchReport:
        hooks = _JobHooks(job)
        while True:
            report = run_batch([job.folder], self.settings, settle=0, hooks=hooks, engines=self.engines)
            if not isinstance(report.error, RunInProgress):
                return report
            job.step = "in attesa: un'altra elaborazione usa la cartella dei risultati"
            time.sleep(RETRY_SECONDS)

    def _on_workers(self, job: Job) -> BatchReport:
        from pipeline.workers.submit import process_on_workers

        def follow(record: Any) -> None:
            job.session_id = record.session_id
            where = f" ({record.worker})" if record.worker else ""
            job.step = f"{WORKER_STATES.get(record.state, record.state)}{where}"

        return process_on_workers([job.folder], self.settings, self.queue_options, on_change=follow)


class _JobHooks:
    def __init__(self, job: Job):
        self.job = job

    def session_started(self, session: Session) -> None:
        self.job.session_id = session.session_id

    def progress(self, session_id: str, step: str, *, total: float | None, completed: float | None) -> None:
        self.job.step, self.job.total, self.job.completed = step, total, completed

    def session_finished(self, result: SessionResult) -> None:
        self.job.step = None
