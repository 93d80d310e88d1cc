"""Receiving a Zoom recording folder from the browser, file by file, resumable.

An upload is announced with its file list (paths inside the folder, sizes). It is staged in
a hidden folder ``recordings/.upload-<folder>/`` that no run looks at; each file arrives as
``.<name>.part`` at the end of the stream, is renamed to its name when complete, and an
interrupted file is resumed from its current size. When every file is complete the staged
folder is renamed to ``recordings/<folder>/`` in one step: a run never sees half a recording.

Refused, with nothing written: a folder already in ``recordings/`` (or being uploaded with
other files), names with ``..``, absolute or hidden paths, files not inside a folder, and
uploads larger than the free disk space.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from filelock import FileLock

from pipeline.errors import VerbaliError

STAGING_PREFIX = ".upload-"
MANIFEST = ".manifest.json"
LOCK_FILE = ".upload.lock"
MAX_DEPTH = 4  # folder/Audio Record/file at most, with room
MAX_PART = 255
DISK_MARGIN = 64 * 1024 * 1024  # keep this much free after an upload
_BAD_CHARACTERS = re.compile(r"[\x00-\x1f\\:*?\"<>|]")


class UploadError(VerbaliError):
    status = 400


class UploadConflict(UploadError):
    status = 409


class NotEnoughSpace(UploadError):
    status = 507


class UploadNotFound(UploadError):
    status = 404


class WrongOffset(UploadError):
    status = 409

    def __init__(self, received: int):
        self.received = received
        super().__init__(f"il file è arrivato fino al byte {received}: riprendi da lì")


@dataclass(frozen=True)
class PlannedFile:
    path: str  # inside the recording folder, POSIX
    size: int


def safe_part(name: str) -> str:
    """One path component an upload may use, or UploadError."""
    if not name or name in (".", "..") or name.startswith(".") or len(name) > MAX_PART:
        raise UploadError(f"nome non ammesso: {name!r}")
    if _BAD_CHARACTERS.search(name) or "/" in name or name != name.strip():
        raise UploadError(f"nome non ammesso: {name!r}")
    return name


def split_upload_path(path: str) -> tuple[str, str]:
    """``"<folder>/<file inside it>"`` -> (folder, file); refuses anything that could leave the folder."""
    if not isinstance(path, str) or path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        raise UploadError(f"percorso assoluto non ammesso: {path!r}")
    parts = PurePosixPath(path).parts
    if len(parts) < 2:
        raise UploadError(f"«{path}» non è dentro una cartella: carica la cartella della registrazione Zoom")
    if len(parts) > MAX_DEPTH + 1:
        raise UploadError(f"percorso troppo profondo: {path!r}")
    for part in parts:
        safe_part(part)
    if "/".join(parts) != path:
        raise UploadError(f"percorso non ammesso: {path!r}")
    return parts[0], "/".join(parts[1:])


class Uploads:
    """Uploads into ``recordings_dir``."""

    def __init__(self, recordings_dir: Path):
        self.recordings_dir = recordings_dir
        self._receiving: set[tuple[str, str]] = set()  # one stream per file at a time

    def staging(self, folder: str) -> Path:
        return self.recordings_dir / f"{STAGING_PREFIX}{safe_part(folder)}"

    def start(self, files: Sequence[Mapping]) -> tuple[str, dict[str, int]]:
        """Announce an upload; returns the folder and the bytes already received of each file."""
        folder, planned = self._plan(files)
        self._refuse_if_placed_or_too_big(folder, planned)  # before anything is written
        with self._lock():
            self._refuse_if_placed_or_too_big(folder, planned)
            staging = self.staging(folder)
            if not staging.exists():
                staging.mkdir(parents=True)
                manifest = [{"path": f.path, "size": f.size} for f in planned]
                (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        return folder, self.received(folder)

    def _refuse_if_placed_or_too_big(self, folder: str, planned: list[PlannedFile]) -> None:
        if (self.recordings_dir / folder).exists():
            raise UploadConflict(f"la cartella «{folder}» è già stata caricata")
        if self.staging(folder).exists():
            if self._manifest(folder) != planned:
                raise UploadConflict(f"la cartella «{folder}» si sta già caricando con altri file")
            return
        missing = sum(f.size for f in planned)
        free = shutil.disk_usage(self._existing_parent()).free
        if missing + DISK_MARGIN > free:
            raise NotEnoughSpace(
                f"spazio su disco insufficiente: servono {_megabytes(missing)} MB, liberi {_megabytes(free)} MB"
            )

    def _existing_parent(self) -> Path:
        path = self.recordings_dir.resolve()
        while not path.exists():
            path = path.parent
        return path

    def _plan(self, files: Sequence[Mapping]) -> tuple[str, list[PlannedFile]]:
        if not isinstance(files, list) or not files:
            raise UploadError("nessun file da caricare")
        planned: list[PlannedFile] = []
        folders = set()
        for entry in files:
            if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) or entry["size"] < 0:
                raise UploadError("ogni file ha bisogno di path e size")
            folder, inner = split_upload_path(entry.get("path"))
            folders.add(folder)
            planned.append(PlannedFile(inner, entry["size"]))
        if len(folders) != 1:
            raise UploadError("carica una cartella di registrazione alla volta")
        if len({p.path for p in planned}) != len(planned):
            raise UploadError("lo stesso file compare due volte")
        return folders.pop(), sorted(planned, key=lambda p: p.path)

    def _manifest(self, folder: str) -> list[PlannedFile]:
        path = self.staging(folder) / MANIFEST
        if not path.exists():
            raise UploadNotFound(f"nessun caricamento in corso per «{folder}»")
        return [PlannedFile(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]

    def _lock(self) -> FileLock:
        self.recordings_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(self.recordings_dir / LOCK_FILE, timeout=30)

    def received(self, folder: str) -> dict[str, int]:
        staging = self.staging(folder)
        sizes = {}
        for planned in self._manifest(folder):
            final, part = staging / planned.path, _part_path(staging / planned.path)
            sizes[planned.path] = (
                final.stat().st_size if final.exists() else (part.stat().st_size if part.exists() else 0)
            )
        return sizes

    async def receive(self, folder: str, inner: str, offset: int, chunks: AsyncIterator[bytes]) -> int:
        """Append the stream to the file from ``offset``; returns the bytes it now has."""
        planned = {p.path: p.size for p in self._manifest(folder)}
        if inner not in planned:
            raise UploadNotFound(f"«{inner}» non fa parte di questo caricamento")
        target = self.staging(folder) / inner
        part = _part_path(target)
        if target.exists():
            raise UploadConflict(f"«{inner}» è già completo")
        if (folder, inner) in self._receiving:
            raise UploadConflict(f"«{inner}» si sta già ricevendo")
        current = part.stat().st_size if part.exists() else 0
        if offset != current:
            raise WrongOffset(current)
        self._receiving.add((folder, inner))
        try:
            return await self._append(target, part, offset, planned[inner], chunks)
        finally:
            self._receiving.discard((folder, inner))

    async def _append(self, target: Path, part: Path, offset: int, size: int, chunks: AsyncIterator[bytes]) -> int:
        part.parent.mkdir(parents=True, exist_ok=True)
        inner = target.name
        with part.open("ab") as handle:
            try:
                async for chunk in chunks:
                    if handle.tell() + len(chunk) > size:
                        handle.truncate(offset)
                        raise UploadError(f"«{inner}» supera la dimensione annunciata ({size} byte)")
                    handle.write(chunk)
            finally:
                handle.flush()
                os.fsync(handle.fileno())
            written = handle.tell()
        if written == size:
            os.replace(part, target)
        return written

    def finish(self, folder: str) -> Path:
        """Move the complete folder into ``recordings/``; UploadConflict if a file is missing."""
        with self._lock():
            planned = self._manifest(folder)
            received = self.received(folder)
            missing = [p.path for p in planned if received[p.path] != p.size]
            if missing:
                raise UploadConflict(f"file non ancora completi: {', '.join(missing)}")
            staging = self.staging(folder)
            (staging / MANIFEST).unlink()
            target = self.recordings_dir / folder
            if target.exists():
                raise UploadConflict(f"la cartella «{folder}» è già stata caricata")
            os.replace(staging, target)
        return target


def _part_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.part")


def _megabytes(size: int) -> int:
    return round(size / 1024 / 1024)
