"""Fingerprints: short digests of everything a stage's artifact depends on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any


def digest(*parts: Any) -> str:
    """A stable sha256 of JSON-able parts (dataclasses and paths included)."""
    text = json.dumps(parts, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def file_stats(paths: list[Path]) -> list[tuple[str, int, int]]:
    """Name, size and modification time of each file (black's cache does the same)."""
    stats = []
    for path in paths:
        info = path.stat() if path.exists() else None
        stats.append((str(path), info.st_size if info else -1, info.st_mtime_ns if info else -1))
    return stats


def folder_content(folder: Path | None) -> list[tuple[str, str]]:
    """Digest of every file below a folder (templates, pattern files): their content counts."""
    if folder is None or not folder.is_dir():
        return []
    return [
        (str(p.relative_to(folder)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
