"""Where log lines and library warnings go: ``outputs/verbali.log``, never between the run's own lines.

verbali's own logger writes a line per session and stage. Libraries (pyannote, torch, speechbrain,
Lightning) log and warn on their own (``std(): degrees of freedom is <= 0``, deprecations); their
records and Python warnings go to the same file, so the terminal shows only what verbali says.
"""

from __future__ import annotations

import logging
from pathlib import Path

LOG_FILE = "verbali.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(outputs_dir: Path, *, console: bool = False) -> Path:
    """Send verbali's log, library logs and warnings to ``outputs_dir/verbali.log``; verbali's also to
    the terminal when ``console``. Returns the log file's path."""
    outputs_dir.mkdir(parents=True, exist_ok=True)
    path = outputs_dir / LOG_FILE
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    _replace_handlers(root, [handler])
    root.setLevel(logging.WARNING)
    logging.captureWarnings(False)  # restore first: a second call would keep a stale showwarning
    logging.captureWarnings(True)  # warnings.warn -> the "py.warnings" logger -> the root's file handler
    verbali = logging.getLogger("verbali")
    verbali.setLevel(logging.INFO)
    _replace_handlers(verbali, [logging.StreamHandler()] if console else [])
    return path


def _replace_handlers(logger: logging.Logger, handlers: list[logging.Handler]) -> None:
    for old in list(logger.handlers):
        if getattr(old, "_verbali", False):
            logger.removeHandler(old)
            old.close()
    for handler in handlers:
        handler._verbali = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
