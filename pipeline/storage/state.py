"""What survives between runs, in SQLite (``outputs/verbali.db``).

- ``stages``: for each session and stage, the fingerprint of the inputs its artifact was
  made from, when, how long it took and how it ended. A stage whose fingerprint matches
  is not run again, so a killed run resumes at the stage it was in.
- ``sessions``: the last outcome of each session, for ``verbali status``.
- ``written``: the sha256 of every document the pipeline last wrote, so that a file an
  editor has changed since is recognised and never overwritten.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    status TEXT NOT NULL,          -- done | failed | running | waiting
    detail TEXT,                   -- the error, or what is awaited
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    session_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,          -- done | failed
    seconds REAL,
    error TEXT,
    finished REAL NOT NULL,
    PRIMARY KEY (session_id, stage)
);
CREATE TABLE IF NOT EXISTS written (
    path TEXT PRIMARY KEY,         -- relative to the outputs folder
    session_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    written REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kept_edits (
    path TEXT PRIMARY KEY,         -- the editor's file, left untouched
    session_id TEXT NOT NULL,
    draft TEXT NOT NULL,           -- where the new draft went instead
    noticed REAL NOT NULL
);
"""


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    source: str
    status: str
    detail: str | None
    updated: float
    stages: int
    kept_edits: int


class State:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- stages

    def stage_fingerprint(self, session_id: str, stage: str) -> str | None:
        row = self.db.execute(
            "SELECT fingerprint FROM stages WHERE session_id = ? AND stage = ? AND status = 'done'",
            (session_id, stage),
        ).fetchone()
        return row[0] if row else None

    def record_stage(
        self, session_id: str, stage: str, fingerprint: str, status: str, seconds: float, error: str | None = None
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO stages VALUES (?, ?, ?, ?, ?, ?, ?)",
            (session_id, stage, fingerprint, status, seconds, error, time.time()),
        )

    def forget_stages(self, session_id: str) -> None:
        self.db.execute("DELETE FROM stages WHERE session_id = ?", (session_id,))

    # ----------------------------------------------------------------- sessions

    def record_session(self, session_id: str, source: str, status: str, detail: str | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?, ?)",
            (session_id, source, status, detail, time.time()),
        )

    def sessions(self) -> list[SessionRow]:
        rows = self.db.execute(
            """SELECT s.session_id, s.source, s.status, s.detail, s.updated,
                      (SELECT COUNT(*) FROM stages t WHERE t.session_id = s.session_id AND t.status = 'done'),
                      (SELECT COUNT(*) FROM kept_edits k WHERE k.session_id = s.session_id)
               FROM sessions s ORDER BY s.session_id"""
        ).fetchall()
        return [SessionRow(*row) for row in rows]

    # ----------------------------------------------------------------- documents

    def written_sha256(self, path: str) -> str | None:
        row = self.db.execute("SELECT sha256 FROM written WHERE path = ?", (path,)).fetchone()
        return row[0] if row else None

    def record_written(self, path: str, session_id: str, sha256: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO written VALUES (?, ?, ?, ?)", (path, session_id, sha256, time.time()))

    def record_kept_edit(self, path: str, session_id: str, draft: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO kept_edits VALUES (?, ?, ?, ?)", (path, session_id, draft, time.time()))

    def kept_edits(self, session_id: str | None = None) -> list[tuple[str, str]]:
        query = (
            "SELECT path, draft FROM kept_edits" + (" WHERE session_id = ?" if session_id else "") + " ORDER BY path"
        )
        return self.db.execute(query, (session_id,) if session_id else ()).fetchall()
