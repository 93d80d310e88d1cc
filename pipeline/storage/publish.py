"""Writing documents people may edit: never overwrite an editor's version.

The sha256 of every document the pipeline writes is recorded. If the file on disk no
longer matches what was recorded (or was never recorded), a person has changed it:
it is left alone, and the new draft is written beside it as ``<name>.bozza.<ext>``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pipeline.models import sha256_of
from pipeline.storage.files import write_bytes
from pipeline.storage.state import State

logger = logging.getLogger("verbali")


class Publisher:
    def __init__(self, outputs_dir: Path, state: State, session_id: str) -> None:
        self.outputs_dir = outputs_dir
        self.state = state
        self.session_id = session_id
        self.kept: list[tuple[Path, Path]] = []  # (editor's file, new draft)

    def publish(self, target: Path, content: bytes | str) -> Path:
        data = content.encode("utf-8") if isinstance(content, str) else content
        new_sha = hashlib.sha256(data).hexdigest()
        if target.exists() and self._edited_by_a_person(target, new_sha):
            draft = target.with_name(f"{target.name.split('.')[0]}.bozza{''.join(target.suffixes)}")
            self._write(draft, data, new_sha)
            self.state.record_kept_edit(self._key(target), self.session_id, self._key(draft))
            self.kept.append((target, draft))
            logger.warning(
                "%s: %s was edited by hand: kept it, new draft in %s", self.session_id, target.name, draft.name
            )
            return draft
        return self._write(target, data, new_sha)

    def _edited_by_a_person(self, target: Path, new_sha: str) -> bool:
        on_disk = sha256_of(target)
        return on_disk != new_sha and on_disk != self.state.written_sha256(self._key(target))

    def _write(self, target: Path, data: bytes, sha: str) -> Path:
        write_bytes(target, data)
        self.state.record_written(self._key(target), self.session_id, sha)
        return target

    def _key(self, path: Path) -> str:
        return str(path.resolve().relative_to(self.outputs_dir.resolve()))
