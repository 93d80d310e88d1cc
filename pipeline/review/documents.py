"""A session's artifacts as the review sees them, and its documents made again with the corrections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import export
from pipeline.artifacts import Session, Tables, Transcript
from pipeline.audio import DECODED_AUDIO, wav_duration
from pipeline.config import Settings
from pipeline.review.corrections import Reviewed, corrected
from pipeline.storage.files import read_json
from pipeline.storage.publish import Publisher
from pipeline.storage.state import State

STATE_FILE = "verbali.db"


@dataclass
class SessionArtifacts:
    folder: Path
    session: Session
    transcript: Transcript
    tables: Tables
    programme: Any  # pipeline.ingest.programme.Programme | None
    duration: float

    def reviewed(self) -> Reviewed:
        return corrected(self.folder, self.transcript, self.tables)


def has_artifacts(folder: Path) -> bool:
    return all((folder / name).is_file() for name in ("session.json", "transcript.json", "tables.json"))


def load_artifacts(folder: Path) -> SessionArtifacts:
    from pipeline.ingest.programme import Programme

    programme_file = folder / "programma.json"
    transcript = Transcript.from_dict(read_json(folder / "transcript.json"))
    audio = folder / DECODED_AUDIO
    return SessionArtifacts(
        folder=folder,
        session=Session.from_dict(read_json(folder / "session.json")),
        transcript=transcript,
        tables=Tables.from_dict(read_json(folder / "tables.json")),
        programme=Programme.from_dict(read_json(programme_file)) if programme_file.exists() else None,
        duration=wav_duration(audio) if audio.exists() else transcript.duration,
    )


def build_reviewed_minutes(artifacts: SessionArtifacts, settings: Settings, reviewed: Reviewed | None = None) -> Any:
    from pipeline.documents import build_minutes

    reviewed = reviewed or artifacts.reviewed()
    return build_minutes(
        artifacts.session, reviewed.transcript, reviewed.tables, artifacts.programme, artifacts.duration,
        settings.render_options(),
    )  # fmt: skip


def regenerate(folder: Path, settings: Settings) -> list[Path]:
    """Write the verbale and the transcript exports again, corrections applied.

    Through the runner's publisher: a document an editor changed by hand, or one frozen
    by approval, is kept and the new draft goes beside it (``*.bozza.*``).
    """
    from pipeline.documents import render_minutes
    from pipeline.storage.files import write_json

    artifacts = load_artifacts(folder)
    reviewed = artifacts.reviewed()
    minutes = build_reviewed_minutes(artifacts, settings, reviewed)
    with State(settings.outputs_dir / STATE_FILE) as state:
        publisher = Publisher(settings.outputs_dir, state, artifacts.session.session_id)
        written = render_minutes(minutes, folder, settings.render_options(), publish=publisher.publish)
        transcript = reviewed.transcript
        written.append(publisher.publish(folder / "transcript.srt", export.to_srt(transcript)))
        written.append(publisher.publish(folder / "transcript.vtt", export.to_vtt(transcript)))
        written.append(publisher.publish(folder / "transcript.txt", export.to_text(transcript)))
    write_json(folder / "verbale.json", minutes.to_dict())
    return written
