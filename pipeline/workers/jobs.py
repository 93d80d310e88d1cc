"""The job spec: everything a worker needs to process one session, carried in the message.

Paths are relative to the shared root that every worker mounts, so a job queued on one
machine runs the same on another. Options and model pins (name and the sha256 of every
file) travel with it, so a job processed later or elsewhere uses exactly what it was
submitted with: a worker whose copy of a model differs refuses the job.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.artifacts import Session
from pipeline.config import AlignOptions, DiarizeOptions, Settings, TranscribeOptions
from pipeline.errors import ModelUnavailable, UsageError
from pipeline.models import load_manifest
from pipeline.storage.fingerprint import digest

SPEC_VERSION = 2


@dataclass(frozen=True)
class JobSpec:
    session_id: str
    recording: str  # the session's folder or file, relative to the shared root
    outputs: str  # the outputs folder, relative to the shared root
    transcribe: dict[str, Any]
    diarize: dict[str, Any]
    align: dict[str, Any]
    formats: tuple[str, ...]
    models: dict[str, list[str]]  # model name -> sha256 of each file (empty: not a manifest model)
    templates: str | None = None  # an office's templates, relative to the shared root
    force: bool = False
    timezone: str = "Europe/Rome"
    participants: str | None = None  # Zoom's participants report given with --participants, relative
    attendance: dict[str, Any] = field(default_factory=dict)  # min_presence_minutes, attendance_times
    spec_version: int = SPEC_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "formats": list(self.formats)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        if data.get("spec_version") != SPEC_VERSION:
            raise UsageError(f"job spec version {data.get('spec_version')!r}; this worker reads {SPEC_VERSION}")
        return cls(**{**data, "formats": tuple(data["formats"])})

    @property
    def identity(self) -> str:
        """Equal for the same session submitted twice with the same options (force aside)."""
        return digest(replace(self, force=False))


@dataclass(frozen=True)
class SharedPaths:
    """Where the shared root is mounted on this machine, and the path of each thing below it."""

    root: Path = field(default_factory=lambda: Path("."))

    def relative(self, path: Path | str) -> str:
        absolute = Path(path).resolve()
        try:
            return absolute.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise UsageError(
                f"{path} is outside the shared root {self.root.resolve()}: workers could not see it "
                "(set VERBALI_SHARED_ROOT or --root to a folder every worker mounts)"
            ) from None

    def absolute(self, relative: str) -> Path:
        return self.root.resolve() / relative


def build_spec(session: Session, settings: Settings, paths: SharedPaths, *, force: bool = False) -> JobSpec:
    render = settings.render_options()
    return JobSpec(
        session_id=session.session_id,
        recording=paths.relative(session.folder),
        outputs=paths.relative(settings.outputs_dir),
        transcribe=dataclasses.asdict(settings.transcribe),
        diarize={**dataclasses.asdict(settings.diarize), "hf_token": None},  # secrets stay on the machines
        align=dataclasses.asdict(settings.align),
        formats=tuple(render.formats),
        models=model_pins(settings.models_dir, [settings.transcribe.model, settings.diarize.model]),
        templates=paths.relative(settings.templates_dir) if settings.templates_dir else None,
        force=force,
        timezone=settings.timezone,
        participants=paths.relative(settings.participants_report) if settings.participants_report else None,
        attendance={"min_presence_minutes": render.min_presence_minutes, "attendance_times": render.attendance_times},
    )


def model_pins(models_dir: Path, names: list[str]) -> dict[str, list[str]]:
    manifest = load_manifest(models_dir)
    return {name: [f.sha256 for f in manifest[name].files] if name in manifest else [] for name in names}


def check_models(spec: JobSpec, models_dir: Path) -> None:
    """Refuse a job whose models differ from this worker's copies (a name it lacks fails later, as locally)."""
    here = model_pins(models_dir, list(spec.models))
    for name, wanted in spec.models.items():
        if wanted and here[name] and here[name] != wanted:
            raise ModelUnavailable(
                f"model {name!r} on this worker differs from the submitter's (sha256 of its files); "
                f"run `verbali models install {name}` on both with the same manifest"
            )


def settings_for(spec: JobSpec, paths: SharedPaths, models_dir: Path, hf_token: str | None = None) -> Settings:
    """The Settings the job was submitted with, with this worker's mount point and models folder."""
    templates = paths.absolute(spec.templates) if spec.templates else None
    settings = Settings(
        models_dir=models_dir,
        outputs_dir=paths.absolute(spec.outputs),
        transcribe=TranscribeOptions(**spec.transcribe),
        diarize=DiarizeOptions(**{**spec.diarize, "hf_token": hf_token}),
        align=AlignOptions(**spec.align),
        templates_dir=templates,
        timezone=spec.timezone,
        participants_report=paths.absolute(spec.participants) if spec.participants else None,
    )
    render = replace(settings.render_options(), formats=spec.formats, **spec.attendance)
    return replace(settings, render=render, synthesis=replace(settings.synthesis_options(), formats=spec.formats))
