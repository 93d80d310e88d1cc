"""Submitting sessions as jobs, and waiting for them (``verbali run`` with a broker)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from celery import Celery

from pipeline.artifacts import Session
from pipeline.config import QueueOptions, Settings
from pipeline.workers.book import JobBook, JobRecord
from pipeline.workers.coordinator import seed_session_state
from pipeline.workers.jobs import SharedPaths, build_spec
from pipeline.workers.tasks import TASK_NAME

POLL = 0.5  # seconds between looks at the job book while waiting


@dataclass(frozen=True)
class Submitted:
    session_id: str
    job_id: str
    queue: str
    new: bool  # False: the same session and options were already queued, this is that job


def submit(
    app: Celery, book: JobBook, sessions: list[Session], settings: Settings, options: QueueOptions, queue: str,
    *, force: bool = False,
) -> list[Submitted]:  # fmt: skip
    """One job per session, unless the same session with the same options is already queued or running."""
    paths = SharedPaths(options.shared_root)
    submitted = []
    for session in sessions:
        spec = build_spec(session, settings, paths, force=force)
        job_id = str(uuid.uuid4())
        existing = book.reserve(spec, job_id, ttl=options.visibility_timeout * 2)
        if existing:
            submitted.append(Submitted(session.session_id, existing, queue, new=False))
            continue
        seed_session_state(settings.outputs_dir, session.session_id)
        book.queued(job_id, spec, queue)
        app.send_task(TASK_NAME, args=[spec.to_dict()], task_id=job_id, queue=queue)
        submitted.append(Submitted(session.session_id, job_id, queue, new=True))
    return submitted


def wait_for(
    book: JobBook, job_ids: list[str], on_change: Callable[[JobRecord], None], timeout: float | None = None
) -> list[JobRecord]:
    """Poll the job book until every job has finished; ``on_change`` sees each change of state or worker."""
    seen: dict[str, tuple[str, str | None]] = {}
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        records = book.jobs(job_ids)
        for record in records:
            if seen.get(record.job_id) != (record.state, record.worker):
                seen[record.job_id] = (record.state, record.worker)
                on_change(record)
        if len(records) == len(job_ids) and all(r.is_finished for r in records):
            return records
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"{sum(not r.is_finished for r in records)} jobs still unfinished")
        time.sleep(POLL)
