"""The one Celery task: process a session from its job spec, and write the outcome in the job book.

Retries: a session held by another worker waits its turn (retried until the lock is
free); shared storage or the broker failing (``OSError``, ``RedisError``) is retried
with exponential backoff up to ``max_retries``; bad input (a ``VerbaliError``: a
vanished or corrupt recording, an unknown model) is never retried, and the job ends
``failed`` with the same one-line error a local run prints.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from redis.exceptions import RedisError

from pipeline.config import QueueOptions
from pipeline.errors import VerbaliError
from pipeline.workers.book import JobBook
from pipeline.workers.jobs import JobSpec
from pipeline.workers.locks import SessionBusy
from pipeline.workers.process import Worker, failed

logger = logging.getLogger("verbali.workers")
TASK_NAME = "verbali.process_session"


def register_tasks(app: Celery, options: QueueOptions) -> None:
    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True)
    def process_session_job(task: Task, spec_data: dict[str, Any]) -> None:
        worker: Worker = app.verbali_worker  # set by `verbali worker` before it starts
        run_job(task, spec_data, worker, JobBook(worker.client), options)


def run_job(task: Task, spec_data: dict[str, Any], worker: Worker, book: JobBook, options: QueueOptions) -> None:
    job_id, holder, retries = task.request.id, task.request.hostname, task.request.retries
    try:
        spec = JobSpec.from_dict(spec_data)
    except (VerbaliError, TypeError, KeyError) as error:
        logger.error("job %s: unreadable job spec: %s", job_id, error)
        return
    book.delivered(job_id, holder)
    record = book.get(job_id)
    if record is not None and record.is_finished:  # its acknowledgement was lost (broker restarted)
        logger.info("job %s (%s): already %s on %s; dropping the duplicate", job_id, spec.session_id,
                    record.state, record.worker)  # fmt: skip
        return

    def on_locked() -> None:
        interrupted = book.started(job_id, holder)
        if interrupted:
            logger.warning(
                "job %s (%s): delivered again; the attempt on %s stopped before the end: "
                "resuming from the stage fingerprints", job_id, spec.session_id, interrupted,
            )  # fmt: skip

    try:
        result = worker.process(spec, holder, on_locked)
    except SessionBusy as busy:
        if record is not None and record.state == "running" and record.worker == busy.worker:
            logger.info(
                "job %s: delivered again while %s holds the session (running it, or stopped: its lock expires "
                "by itself); looking again in %.0f s", job_id, busy.holder, options.lock_ttl / 2,
            )  # fmt: skip
        else:
            book.note(job_id, "waiting", str(busy))
            logger.info("job %s: %s; trying again in %.0f s", job_id, busy, options.lock_ttl / 2)
        raise task.retry(countdown=options.lock_ttl / 2, max_retries=None) from None
    except (OSError, RedisError) as error:
        if retries >= options.max_retries:
            result = failed(spec, f"gave up after {retries + 1} attempts: {error}")
        else:
            countdown = options.retry_backoff * 2**retries
            book.note(job_id, "retrying", f"{error} (attempt {retries + 1}, next in {countdown} s)")
            logger.warning("job %s (%s): %s; retrying in %d s", job_id, spec.session_id, error, countdown)
            raise task.retry(countdown=countdown, max_retries=None) from None
    book.finished(job_id, spec, result, holder)
    outcome = "done" if result["ok"] else f"failed: {result['error']}"
    logger.info("job %s (%s): %s", job_id, spec.session_id, outcome)
