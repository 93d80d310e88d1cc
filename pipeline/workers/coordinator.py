"""The coordinator: the one writer of ``outputs/verbali.db`` when workers do the processing.

Workers write only their session's folder (atomically, under the session lock) and its
fingerprints in ``<session>/.verbali-session.db``, and report the outcome in the job
book. The coordinator (``verbali run --wait`` or ``verbali status``, on one machine)
copies finished jobs into the SQLite state under the outputs folder's file lock, and
rebuilds the syntheses, which read every session.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from filelock import FileLock, Timeout

from pipeline.config import Settings
from pipeline.errors import RunInProgress
from pipeline.runner import update_syntheses
from pipeline.storage.state import State
from pipeline.workers.book import JobBook, JobRecord
from pipeline.workers.jobs import SharedPaths
from pipeline.workers.process import SESSION_STATE

logger = logging.getLogger("verbali")
STATE_FILE = "verbali.db"
SESSION_TABLES = ("stages", "written", "kept_edits")
LOCK_WAIT = 120.0  # seconds to wait for a local run to let go of the outputs folder


def seed_session_state(outputs_dir: Path, session_id: str) -> None:
    """Give a session's first job what local runs recorded about it (fingerprints, documents written)."""
    session_db = outputs_dir / session_id / SESSION_STATE
    main_db = outputs_dir / STATE_FILE
    if session_db.exists() or not main_db.exists():
        return
    try:
        with FileLock(outputs_dir / ".verbali.lock", timeout=LOCK_WAIT), State(session_db) as state:
            _copy_rows(state.db, main_db, session_id)
    except Timeout:  # a long local run holds the folder: the worker redoes the stages, drafts go beside edits
        logger.warning("%s: outputs busy, the job starts without the local run's records", session_id)


def record_finished(book: JobBook, records: list[JobRecord], settings: Settings, paths: SharedPaths) -> list[Path]:
    """Copy the finished, unrecorded jobs of this outputs folder into its state; rebuild syntheses."""
    outputs = paths.relative(settings.outputs_dir)
    todo = [r for r in records if r.is_finished and not r.recorded and r.outputs == outputs]
    if not todo:
        return []
    lock = FileLock(settings.outputs_dir / ".verbali.lock", timeout=LOCK_WAIT)
    try:
        with lock, State(settings.outputs_dir / STATE_FILE) as state:
            for record in todo:
                _record(state, record, settings.outputs_dir)
                book.mark_recorded(record.job_id)
            ok = any(r.result and r.result["ok"] for r in todo)
            return update_syntheses(settings, state) if ok else []
    except Timeout:
        raise RunInProgress(f"another verbali run is using {settings.outputs_dir}; finished jobs are recorded "
                            "by the next `verbali status`") from None  # fmt: skip


def _record(state: State, record: JobRecord, outputs_dir: Path) -> None:
    session_db = outputs_dir / record.session_id / SESSION_STATE
    if session_db.exists():
        _copy_rows(state.db, session_db, record.session_id)
    result = record.result or {}
    status = "done" if result.get("ok") else "failed"
    detail = result.get("error") or "; ".join(result.get("warnings", [])) or None
    state.record_session(record.session_id, result.get("source") or record.recording, status, detail)
    logger.info(
        "%s: %s by worker %s (job %s, attempts: %s)", record.session_id, status, record.worker, record.job_id,
        ", ".join(record.attempts),
    )  # fmt: skip


def _copy_rows(target: sqlite3.Connection, source: Path, session_id: str) -> None:
    target.execute("ATTACH DATABASE ? AS other", (str(source),))
    try:
        for table in SESSION_TABLES:
            target.execute(f"INSERT OR REPLACE INTO main.{table} SELECT * FROM other.{table} WHERE session_id = ?",
                           (session_id,))  # fmt: skip
    finally:
        target.execute("DETACH DATABASE other")
