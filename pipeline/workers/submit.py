"""Submitting sessions as jobs, and waiting for them (``verbali run`` with a broker)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from celery import Celery

from pipeline.artifacts import Session
from pipeline.config import QueueOptions, Settings
from pipeline.workers.book import JobBook, JobRecord
from pipeline.workers.coordinator import seed_session_state
from pipeline.workers.jobs import SharedPaths, build_spec
from pipeline.workers.tasks import TASK_NAME

if TYPE_CHECKING:
    from pipeline.batch import BatchReport

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


def process_on_workers(
    paths: list[Path], settings: Settings, options: QueueOptions, *, force: bool = False,
    on_change: Callable[[JobRecord], None] = lambda record: None,
) -> BatchReport:  # fmt: skip
    """Submit one job per session under ``paths``, wait for the workers, record what they did.

    What the review app's upload does when a broker is configured: the same ``BatchReport`` as a
    local ``run_batch``, the sessions processed by whichever workers are free.
    """
    from pipeline.batch import BatchReport, discover
    from pipeline.workers.app import make_app
    from pipeline.workers.book import connect
    from pipeline.workers.coordinator import record_finished
    from pipeline.workers.process import from_dict
    from pipeline.workers.routing import choose_queue, consumed_queues

    app, book, report = make_app(options), JobBook(connect(options.broker)), BatchReport()
    sessions = discover(paths, settings, report)
    submitted = submit(app, book, sessions, settings, options, choose_queue(consumed_queues(app)), force=force)
    records = wait_for(book, [job.job_id for job in submitted], on_change)
    report.syntheses = record_finished(book, book.jobs(), settings, SharedPaths(options.shared_root))
    report.results = [from_dict(r.result) for r in records if r.result]
    return report
