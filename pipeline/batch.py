"""The one entry point for running a batch: the command line, the web app and the workers call it.

``run_batch`` finds the sessions under the given paths, takes the outputs folder's lock, leaves
sessions whose files are still being written for the next run, checks the models once before
any session, processes each session through the stages (``runner``), updates the synthesis of
each process that changed, and returns a ``BatchReport`` from which the exit code follows.
Progress goes through ``BatchHooks``, so a terminal, a log file, a web page or a worker can
show it. A long-lived process passes its own ``engines`` (models loaded once) and ``lock``
(e.g. a Redis lock shared by several machines).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from pipeline import ingest
from pipeline.artifacts import Session
from pipeline.config import Settings
from pipeline.errors import NotConverted, RecordingError, RunInProgress, VerbaliError
from pipeline.progress import Hook
from pipeline.runner import Engines, SessionResult, process_session, update_syntheses
from pipeline.storage.state import State

logger = logging.getLogger("verbali")

STATE_FILE = "verbali.db"
LOCK_FILE = ".verbali.lock"
HOLDER_FILE = ".verbali.run"  # who holds the lock, for the message a second run shows


class ExitCode:
    OK = 0
    FAILED = 1  # some session or recording failed, or nothing could be done
    USAGE = 2
    RUN_IN_PROGRESS = 3
    MODELS_MISSING = 4


class BatchHooks(Protocol):
    """What a batch tells its caller while it runs; every method may be a no-op."""

    def session_started(self, session: Session) -> None: ...

    def progress(self, session_id: str, step: str, *, total: float | None, completed: float | None) -> None: ...

    def session_finished(self, result: SessionResult) -> None: ...


class NullHooks:
    """Hooks that do nothing: the default."""

    def session_started(self, session: Session) -> None:
        return None

    def progress(self, session_id: str, step: str, *, total: float | None, completed: float | None) -> None:
        return None

    def session_finished(self, result: SessionResult) -> None:
        return None


@dataclass
class BatchReport:
    """What a batch did: each session's result, what could not be used, what waits, what stopped it."""

    results: list[SessionResult] = field(default_factory=list)
    problems: list[RecordingError] = field(default_factory=list)  # recordings that cannot be used
    unconverted: list[NotConverted] = field(default_factory=list)  # Zoom folders not converted yet
    waiting: list[Session] = field(default_factory=list)  # files still being written: next run
    syntheses: list[Path] = field(default_factory=list)  # synthesis documents written
    error: VerbaliError | None = None  # what stopped the whole batch (lock held, models missing)

    @property
    def failed(self) -> list[SessionResult]:
        return [r for r in self.results if not r.ok]

    @property
    def done(self) -> list[SessionResult]:
        return [r for r in self.results if r.ok]

    @property
    def exit_code(self) -> int:
        """0 ok, 1 some failed (or nothing could be done), 3 run in progress, 4 models missing."""
        if self.error is not None:
            return self.error.exit_code
        if self.problems or self.failed:
            return ExitCode.FAILED
        if not self.results and (self.waiting or self.unconverted):
            return ExitCode.FAILED
        return ExitCode.OK


def run_batch(
    paths: Sequence[Path],
    settings: Settings,
    *,
    force: bool = False,
    settle: float = 2.0,
    hooks: BatchHooks | None = None,
    engines: Engines | None = None,
    lock: AbstractContextManager | None = None,
) -> BatchReport:
    """Process every session under ``paths`` (default: the recordings folder) into the outputs folder."""
    hooks = hooks or NullHooks()
    report = BatchReport()
    try:
        with lock if lock is not None else outputs_lock(settings.outputs_dir):
            _run_locked(paths or (settings.recordings_dir,), settings, force, settle, hooks, engines, report)
    except VerbaliError as error:
        logger.error("batch stopped: %s", error)
        report.error = error
    return report


def _run_locked(
    paths: Sequence[Path],
    settings: Settings,
    force: bool,
    settle: float,
    hooks: BatchHooks,
    engines: Engines | None,
    report: BatchReport,
) -> None:
    sessions = discover(paths, report)
    sessions, report.waiting = settled(sessions, settle)
    with State(settings.outputs_dir / STATE_FILE) as state:
        for session in report.waiting:
            state.record_session(session.session_id, session.folder, "waiting", "files still being written")
        if not sessions:
            return
        engines = engines or Engines(settings)
        engines.check(sessions)
        for session in sessions:
            hooks.session_started(session)
            result = process_session(
                session, settings, engines, state, force=force, hook=_session_hook(hooks, session.session_id)
            )
            report.results.append(result)
            hooks.session_finished(result)
        if report.done:
            report.syntheses = update_syntheses(settings, state)


def rebuild_syntheses(
    settings: Settings, *, force: bool = False, lock: AbstractContextManager | None = None
) -> list[Path]:
    """``verbali sintesi``: rebuild the synthesis of each process from the sessions' outputs, under the lock."""
    with (
        lock if lock is not None else outputs_lock(settings.outputs_dir),
        State(settings.outputs_dir / STATE_FILE) as state,
    ):
        return update_syntheses(settings, state, force=force)


def discover(paths: Sequence[Path], report: BatchReport) -> list[Session]:
    """The sessions under ``paths``; recordings that cannot be used go to the report."""
    sessions: list[Session] = []
    for path in paths:
        for entry in ingest.discover(Path(path)):
            if isinstance(entry, NotConverted):
                report.unconverted.append(entry)
            elif isinstance(entry, RecordingError):
                report.problems.append(entry)
            else:
                sessions.append(entry)
    return sessions


def settled(sessions: list[Session], seconds: float) -> tuple[list[Session], list[Session]]:
    """Split sessions into those whose files stood still for ``seconds`` and those still being written."""
    if seconds <= 0 or not sessions:
        return sessions, []
    before = [ingest.snapshot(s) for s in sessions]
    time.sleep(seconds)
    still = [s for s, first in zip(sessions, before, strict=True) if ingest.snapshot(s) == first]
    return still, [s for s in sessions if s not in still]


@contextmanager
def outputs_lock(outputs_dir: Path) -> Iterator[None]:
    """One run at a time per outputs folder. The OS releases the lock when a run dies."""
    outputs_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(outputs_dir / LOCK_FILE, timeout=0)
    holder = outputs_dir / HOLDER_FILE
    try:
        lock.acquire()
    except Timeout:
        who = holder.read_text().strip() if holder.exists() else "another process"
        raise RunInProgress(f"another verbali run is using {outputs_dir} ({who}); this one exits") from None
    try:
        holder.write_text(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        yield
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _session_hook(hooks: BatchHooks, session_id: str) -> Hook:
    """The stages' hook signature (pyannote's) turned into ``BatchHooks.progress`` for one session."""

    def hook(step: str, artifact: Any = None, file: Any = None, *, total=None, completed=None) -> None:
        hooks.progress(session_id, step, total=total, completed=completed)

    return hook


__all__ = [
    "BatchHooks",
    "BatchReport",
    "ExitCode",
    "NullHooks",
    "outputs_lock",
    "rebuild_syntheses",
    "run_batch",
]
