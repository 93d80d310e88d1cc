"""``verbali worker``, and what ``verbali run`` and ``verbali status`` do when a broker is configured.

Celery and redis are imported only when a broker is used: a local run does not pay for them.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.config import DiarizeOptions, QueueOptions, Settings, TranscribeOptions
from pipeline.errors import VerbaliError

if TYPE_CHECKING:
    from rich.console import Console

logger = logging.getLogger("verbali.workers")
QUEUES = ("cpu", "gpu")


@click.command()
@click.option("--broker", envvar="VERBALI_BROKER", required=True, help="redis://host:6379/0 [env: VERBALI_BROKER]")
@click.option("--queue", type=click.Choice(QUEUES), default="cpu", show_default=True, help="gpu on a machine with one.")
@click.option("--concurrency", type=click.IntRange(1), default=1, show_default=True, help="Sessions at a time.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), envvar="VERBALI_SHARED_ROOT",
              default=Path("."), show_default=True, help="The shared root, as mounted here.")  # fmt: skip
@click.option("--models", "models_dir", type=click.Path(path_type=Path),
              help="Models folder [default: $VERBALI_MODELS, else verbali's default]")  # fmt: skip
@click.option("--model", default="whisper-base", show_default=True, help="Whisper model to load at start.")
@click.option("--diarization-model", default="pyannote-campplus", show_default=True, help="Loaded at start.")
@click.option(
    "--diarization", type=click.Choice(["auto", "pyannote", "tracks", "none"]), default="auto", show_default=True,
    help="What most jobs ask for: pyannote is loaded at start unless tracks or none.",
)  # fmt: skip
@click.option("--name", default=None, help="Worker name [default: <queue>-<pid>@<host>].")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(
    broker: str, queue: str, concurrency: int, root: Path, models_dir: Path | None, model: str, diarization_model: str,
    diarization: str, name: str | None, loglevel: str,
) -> None:  # fmt: skip
    """Take sessions from the broker's queue and process them (models loaded once, at start)."""
    from celery.signals import worker_process_init

    from pipeline.workers.app import make_app
    from pipeline.workers.book import connect
    from pipeline.workers.jobs import SharedPaths
    from pipeline.workers.process import Worker

    options = QueueOptions.from_environment(broker=broker, shared_root=root)
    if not root.is_dir():
        raise click.ClickException(f"shared root {root} not found (mount it, or pass --root)")
    preload = Settings.from_environment(  # device "auto", as jobs ask by default: the GPU where there is one
        models_dir=models_dir, transcribe=TranscribeOptions(model=model),
        diarize=DiarizeOptions(method=diarization, model=diarization_model),
    )  # fmt: skip
    models_dir = preload.models_dir
    app = make_app(options)
    app.verbali_worker = Worker(connect(broker), SharedPaths(root), models_dir, options, preload)
    worker_process_init.connect(lambda **_: app.verbali_worker.load_models(), weak=False)
    hostname = name or f"{queue}-{os.getpid()}@{socket.gethostname()}"
    app.worker_main([
        "worker", "--queues", queue, "--concurrency", str(concurrency), "--hostname", hostname,
        "--loglevel", loglevel, "--prefetch-multiplier", "1", "-O", "fair", "--without-gossip", "--without-mingle",
    ])  # fmt: skip


# --------------------------------------------------------------------------- verbali run --broker


def run_on_workers(
    paths: tuple[Path, ...], settings: Settings, broker: str, *, wait: bool, force: bool, settle: float, quiet: bool
) -> int:
    """Submit one job per session; with ``wait``, report as a local run does. Returns the exit code."""
    from pipeline.batch import BatchReport, discover, settled
    from pipeline.cli import _report, console
    from pipeline.workers.app import make_app
    from pipeline.workers.book import JobBook, JobRecord, connect
    from pipeline.workers.coordinator import record_finished
    from pipeline.workers.jobs import SharedPaths
    from pipeline.workers.process import from_dict
    from pipeline.workers.routing import choose_queue, consumed_queues
    from pipeline.workers.submit import submit, wait_for

    options = QueueOptions.from_environment(broker=broker)
    app, book, report = make_app(options), JobBook(connect(broker)), BatchReport()
    shared = SharedPaths(options.shared_root)
    try:
        sessions, report.waiting = settled(discover(paths or (settings.recordings_dir,), settings, report), settle)
        alive = consumed_queues(app)
        submitted = submit(app, book, sessions, settings, options, choose_queue(alive), force=force)
    except VerbaliError as error:
        report.error = error
        _report(report, quiet)
        return report.exit_code
    report.syntheses = _record(lambda: record_finished(book, book.jobs(), settings, shared), console)
    if submitted and not alive:
        console.print("[yellow]warning:[/yellow] no worker is alive: the jobs wait in the queue", highlight=False)
    for job in submitted:
        if not quiet:
            verb = "queued" if job.new else "already queued"
            console.print(f"{verb} {job.session_id} -> job {job.job_id} ({job.queue})", highlight=False)
    if not wait:
        _report(report, quiet=True)  # problems and what waits; the jobs' outcome is for `verbali status`
        return report.exit_code

    def show(record: JobRecord) -> None:
        if not quiet and not record.is_finished:
            where = f" on {record.worker}" if record.worker and record.state != "queued" else ""
            console.print(f"{record.state} {record.session_id}{where}", highlight=False)

    records = wait_for(book, [job.job_id for job in submitted], show)
    report.syntheses += _record(lambda: record_finished(book, book.jobs(), settings, shared), console)
    report.results = [from_dict(r.result) for r in records if r.result]
    _report(report, quiet)
    return report.exit_code


def _record(record: Callable[[], list[Path]], console: Console) -> list[Path]:
    """Record finished jobs (and rebuild syntheses); what prevents it only postpones it."""
    try:
        return record()
    except VerbaliError as error:  # the outputs are busy, or outside the shared root
        console.print(f"[yellow]warning:[/yellow] not recorded now: {error}", highlight=False)
        return []


# --------------------------------------------------------------------------- verbali status --broker


def show_jobs(broker: str, outputs_dir: Path) -> None:
    """Record finished jobs in the state, then show queued, running (where) and finished jobs."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.workers.book import JobBook, connect
    from pipeline.workers.coordinator import record_finished
    from pipeline.workers.jobs import SharedPaths

    options = QueueOptions.from_environment(broker=broker)
    book = JobBook(connect(broker))
    records = book.jobs()
    settings = Settings.from_environment(outputs_dir=outputs_dir)
    _record(lambda: record_finished(book, records, settings, SharedPaths(options.shared_root)), Console(stderr=True))
    table = Table("job", "session", "state", "worker", "submitted", "finished", "detail", title="jobs")
    for record in records:
        table.add_row(
            record.job_id[:8], record.session_id, record.state, record.worker or "", _clock(record.submitted),
            _clock(record.finished), record.detail or "",
        )  # fmt: skip
    Console(width=200).print(table)


def _clock(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else ""
