"""Progress reporting.

Stages take one hook signature (pyannote's, extended): ``hook(step, artifact=None, *, total=None,
completed=None)``, nothing by default; pyannote's pipelines call hooks the same way, so a verbali
hook can be handed to them as is. A batch (``pipeline.batch``) turns it into ``BatchHooks``;
``ConsoleHooks`` (rich bars on a terminal) and ``LogHooks`` (cron) are the command line's.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from pipeline.artifacts import Session
    from pipeline.runner import SessionResult

logger = logging.getLogger("verbali")


class Hook(Protocol):
    def __call__(
        self,
        step: str,
        artifact: Any = None,
        file: Any = None,
        *,
        total: float | None = None,
        completed: float | None = None,
    ) -> None: ...


def null_hook(step: str, artifact: Any = None, file: Any = None, *, total=None, completed=None) -> None:
    return None


class ConsoleHooks:
    """``BatchHooks`` for a person at a terminal: a line per session, a bar per step when it is a TTY."""

    def __init__(self, console: Console, *, bars: bool) -> None:
        self.console = console
        self.bars = bars
        self._progress: Progress | None = None
        self._tasks: dict[str, Any] = {}

    def session_started(self, session: Session) -> None:
        self.console.print(f"[bold]{session.session_id}[/bold]  ({Path(session.folder).name})", highlight=False)
        for warning in session.warnings:  # known before any stage runs: say them now
            self.console.print(f"[yellow]warning:[/yellow] {session.session_id}: {warning}", highlight=False)
        if self.bars:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=self.console, transient=False,
            )  # fmt: skip
            self._tasks = {}
            self._progress.start()

    def progress(self, session_id: str, step: str, *, total: float | None, completed: float | None) -> None:
        if self._progress is None or completed is None or total is None:
            return
        if step not in self._tasks:
            self._tasks[step] = self._progress.add_task(step, total=float(total))
        self._progress.update(self._tasks[step], completed=float(completed), total=float(total))

    def session_finished(self, result: SessionResult) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class LogHooks:
    """``BatchHooks`` for cron and log files: the start and end of each session and step in the log."""

    def __init__(self) -> None:
        self._started: dict[tuple[str, str], float] = {}

    def session_started(self, session: Session) -> None:
        logger.info("%s: session started (%s)", session.session_id, session.folder)

    def progress(self, session_id: str, step: str, *, total: float | None, completed: float | None) -> None:
        if completed is None or total is None:
            return
        key = (session_id, step)
        if key not in self._started:
            self._started[key] = time.monotonic()
            logger.debug("%s %s: started", session_id, step)
        if completed >= total:
            logger.debug("%s %s: done in %.1f s", session_id, step, time.monotonic() - self._started.pop(key))

    def session_finished(self, result: SessionResult) -> None:
        logger.info("%s: session %s", result.session_id, "done" if result.ok else f"failed: {result.error}")
