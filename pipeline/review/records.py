"""The corrections file: one JSON record per line, appended, never rewritten.

``outputs/<session-id>/corrections.jsonl`` holds what editors changed, in the order
they saved it::

    {"id": 3, "base": 2, "at": "2026-11-23T14:02:11Z", "by": "Giulia", "op": "rename_speaker",
     "from": "SPEAKER_01", "to": "Giulia Ferrari, Caritas Diocesana"}

``id`` numbers the records from 1; the session's *version* is the number of records.
``base`` is the version the editor was looking at: a save whose base is not the current
version is refused (:class:`StaleVersion`), so two editors never overwrite each other.
Appending happens under a file lock, so concurrent saves (threads or processes) are
serialised: none is lost, none is written twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from pipeline.errors import VerbaliError

CORRECTIONS_FILE = "corrections.jsonl"
_RESERVED = ("id", "base", "at", "by", "op")


class CorrectionError(VerbaliError):
    """A correction that cannot be saved as sent (unknown operation, missing field...)."""


class StaleVersion(VerbaliError):
    """A correction based on a version that is no longer the current one."""

    def __init__(self, base: int, current: int):
        self.base = base
        self.current = current
        super().__init__(
            f"la sessione è stata modificata da un'altra persona (versione {current}, la pagina mostrava la "
            f"{base}): ricarica la pagina e ripeti la correzione"
        )


@dataclass(frozen=True)
class Correction:
    """One saved correction: who, when, what, and the version it was based on."""

    id: int
    base: int
    at: str
    by: str
    op: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "base": self.base, "at": self.at, "by": self.by, "op": self.op, **self.args}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        args = {k: v for k, v in data.items() if k not in _RESERVED}
        return cls(int(data["id"]), int(data["base"]), str(data["at"]), str(data["by"]), str(data["op"]), args)


def read_corrections(folder: Path) -> list[Correction]:
    path = folder / CORRECTIONS_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Correction.from_dict(json.loads(line)) for line in lines if line.strip()]


def append_correction(
    folder: Path, base: int, author: str, op: str, args: Mapping[str, Any], *, now: dt.datetime | None = None
) -> Correction:
    """Append one record if ``base`` is the current version; else raise :class:`StaleVersion`."""
    path = folder / CORRECTIONS_FILE
    with FileLock(folder / f".{CORRECTIONS_FILE}.lock", timeout=30):
        current = len(read_corrections(folder))
        if base != current:
            raise StaleVersion(base, current)
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = Correction(current + 1, base, stamp, author, op, dict(args))
        line = json.dumps(record.to_dict(), ensure_ascii=False) + "\n"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    return record
