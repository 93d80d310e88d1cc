"""Progress reporting with one hook signature for every stage (pyannote's, extended).

``hook(step, artifact=None, *, total=None, completed=None)``: a rich bar on a
terminal, log lines under cron, nothing by default. pyannote's pipelines call
hooks the same way, so a verbali hook can be handed to them as is.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

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


class RichHook:
    """One bar per step, on the terminal. Use as a context manager."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(), TimeRemainingColumn(), transient=False,
        )  # fmt: skip
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichHook:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, step: str, artifact: Any = None, file: Any = None, *, total=None, completed=None) -> None:
        if completed is None or total is None:
            return
        if step not in self._tasks:
            description = f"{self.label} {step}".strip()
            self._tasks[step] = self._progress.add_task(description, total=float(total))
        self._progress.update(self._tasks[step], completed=float(completed), total=float(total))


class LogHook:
    """Logs the start and end of each step (for cron and log files)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self._started: dict[str, float] = {}

    def __enter__(self) -> LogHook:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, step: str, artifact: Any = None, file: Any = None, *, total=None, completed=None) -> None:
        if completed is None or total is None:
            return
        if step not in self._started:
            self._started[step] = time.monotonic()
            logger.debug("%s %s: started", self.label, step)
        if completed >= total:
            logger.debug("%s %s: done in %.1f s", self.label, step, time.monotonic() - self._started[step])
