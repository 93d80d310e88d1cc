"""All of verbali's settings, in one place.

``Settings`` is built once (by the CLI, a test or the future web app) and passed
down; no stage reads the environment or global state on its own. Each stage has
an options dataclass with documented defaults, and every artifact records the
options that made it.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.locations import default_models_dir, default_outputs_dir, default_recordings_dir

DEFAULT_LANGUAGE = "it"


@dataclass(frozen=True)
class TranscribeOptions:
    model: str = "whisper-base"  # a manifest name, a local CTranslate2 folder, or a hub id
    language: str | None = DEFAULT_LANGUAGE  # None: detect
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "auto"  # auto: int8 on CPU, float16 on GPU
    beam_size: int = 5
    vad_filter: bool = True
    batch_size: int = 16  # used by the batched pipeline on a GPU
    cpu_threads: int = 0  # 0: CTranslate2's default
    # What the session knows (names, organisations, programme, vocabulary) as Whisper's
    # prompt: off | hotwords | prompt | both (see docs/benchmarks.md for the figures).
    context: str = "hotwords"
    context_tokens: int = 96  # hotwords' budget; the text being written shares the 448 positions
    # mix | tracks (each speaker from their own Zoom track) | auto: where the session has tracks
    # and the diarization named its speakers after them, transcribe ``probe_seconds`` of their
    # speech both ways and keep the source Whisper is surer of. The mix is the default: the
    # probe's lead varied between runs as much as between recordings (docs/benchmarks.md).
    source: str = "mix"
    probe_seconds: float = 60.0
    # Tracks must beat the mix by this much mean word probability: they cost 2-3 x the time,
    # and on the fixtures smaller leads did not mean fewer errors (docs/benchmarks.md).
    probe_margin: float = 0.03
    # Whisper gets at most this many seconds at a time (memory flat in the recording's length).
    block_seconds: float = 600.0


@dataclass(frozen=True)
class DiarizeOptions:
    method: str = "auto"  # auto | pyannote | tracks | none
    model: str = "pyannote-campplus"  # a manifest name, a config.yaml path, or a hub id
    device: str = "auto"
    speed: str = "accurate"  # accurate: the pipeline's own settings; fast: segmentation step 0.25 (docs/benchmarks.md)
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    hf_token: str | None = None  # only for gated hub pipelines
    # Per-participant tracks (pipeline/diarize/tracks.py; chosen on the pool of the
    # diarisation benchmark's recordings with tracks, docs/benchmarks.md): speech where
    # the speech model's probability reaches ``track_speech_threshold``; speech heard on
    # several tracks is the track's that is loudest in the voice band, and also another's
    # within ``track_overlap_db`` of it (0: the loudest only; 1.5 and 3 dB kept more bleed
    # as overlapped speech and did worse on the pool), or ``track_own_voice_db`` above
    # what that track hears of the others (overlapped speech; 12 dB did best of 12-25).
    # Below that but above its predicted bleed, a track keeps the speech if its audio
    # matches its owner's voice better than the loudest's, by ``track_voice_margin`` in
    # cosine similarity (pipeline/diarize/voices.py; 0.05 did best of 0-0.2; None: off).
    track_speech_threshold: float = 0.5
    # A run of speech starts where the probability reaches ``track_speech_threshold`` and lasts while
    # it stays at ``track_offset_threshold`` or above (pool: 0.3 did best of 0.2-0.5, docs/benchmarks.md).
    track_offset_threshold: float = 0.3
    # The speech model runs only where a track's voice-band level is within ``track_gate_db`` of
    # its loud level (its participant's voice); below is silence or faint bleed, never its speech
    # (None: everywhere). 25 dB: no recording of the pool worse; 20 and 15 dB cost AMI its quiet turns.
    track_gate_db: float | None = 25.0
    track_overlap_db: float = 0.0
    track_own_voice_db: float = 12.0
    track_voice_margin: float | None = 0.05
    track_min_turn: float = 0.2  # seconds
    track_fill_gap: float = 0.3  # seconds
    # auto: tracks unless their bleed is within this many dB of the voice on its own track
    auto_min_attenuation_db: float = 10.0


@dataclass(frozen=True)
class AlignOptions:
    max_gap: float = 1.5  # a pause this long starts a new segment of the same speaker
    max_segment: float = 30.0  # seconds


@dataclass(frozen=True)
class Settings:
    models_dir: Path = field(default_factory=default_models_dir)  # see pipeline/locations.py
    outputs_dir: Path = field(default_factory=default_outputs_dir)
    recordings_dir: Path = field(default_factory=default_recordings_dir)
    transcribe: TranscribeOptions = field(default_factory=TranscribeOptions)
    diarize: DiarizeOptions = field(default_factory=DiarizeOptions)
    align: AlignOptions = field(default_factory=AlignOptions)
    # The options of the language and document stages live beside their code, which
    # imports spaCy, Jinja2 and docxtpl: None means their defaults, built only when used.
    tables: Any = None  # pipeline.tables.TablesOptions
    render: Any = None  # pipeline.documents.RenderOptions
    synthesis: Any = None  # pipeline.documents.synthesis.SynthesisOptions
    templates_dir: Path | None = None  # an office's templates (verbale.*, sintesi.*)
    timezone: str = "Europe/Rome"  # IANA zone of the sittings: cloud stamps, chat and attendance times
    participants_report: Path | None = None  # Zoom's participants report, for a run of one recording
    allow_hub: bool = False  # set when the user names a hub model
    telemetry: bool = False  # pyannote's metrics, off unless the user opts in
    quiet: bool = False

    def __post_init__(self) -> None:
        from pipeline.ingest.local_time import time_zone

        time_zone(self.timezone)  # an unknown zone is refused before any work

    def tables_options(self) -> Any:
        return self.tables or _options("pipeline.tables", "TablesOptions")

    def render_options(self) -> Any:
        return self.render or _options("pipeline.documents", "RenderOptions", templates_dir=self.templates_dir)

    def synthesis_options(self) -> Any:
        return self.synthesis or _options(
            "pipeline.documents.synthesis", "SynthesisOptions", templates_dir=self.templates_dir
        )

    @classmethod
    def from_environment(cls, **overrides) -> Settings:
        """Defaults, then ``VERBALI_*`` variables, then explicit overrides."""
        env = os.environ
        values: dict = {
            "models_dir": Path(env["VERBALI_MODELS"]) if env.get("VERBALI_MODELS") else default_models_dir(),
            "outputs_dir": Path(env["VERBALI_OUTPUTS"]) if env.get("VERBALI_OUTPUTS") else default_outputs_dir(),
            "recordings_dir": (
                Path(env["VERBALI_RECORDINGS"]) if env.get("VERBALI_RECORDINGS") else default_recordings_dir()
            ),
            "telemetry": env.get("VERBALI_TELEMETRY", "") == "1",
            "timezone": env.get("VERBALI_TIMEZONE") or "Europe/Rome",
        }
        if env.get("VERBALI_TEMPLATES"):
            values["templates_dir"] = Path(env["VERBALI_TEMPLATES"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _options(module: str, name: str, **values: Any) -> Any:
    return getattr(importlib.import_module(module), name)(**values)


def apply_model_environment(settings: Settings, *, from_hub: bool = False) -> None:
    """Set the variables the Hugging Face and pyannote libraries read at import.

    Called by the engines right before they import those libraries: offline
    unless the user named a hub model, pyannote's telemetry off unless opted in.
    """
    os.environ["HF_HUB_OFFLINE"] = "0" if settings.allow_hub or from_hub else "1"
    os.environ["PYANNOTE_METRICS_ENABLED"] = "1" if settings.telemetry else "0"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class QueueOptions:
    """Processing on workers through a broker (see docs/workers.md); unused without a broker."""

    broker: str | None = None  # redis://host:6379/0 (VERBALI_BROKER); None: process on this machine
    shared_root: Path = Path(".")  # every worker mounts it; paths in job messages are relative to it
    visibility_timeout: int = 12 * 3600  # seconds: longer than the longest session, or it runs twice
    restore_interval: int = 10  # seconds between sweeps that hand an abandoned job to another worker
    lock_ttl: float = 60.0  # seconds a dead worker's session lock outlives it (renewed every ttl/3)
    max_retries: int = 5  # for transient errors (shared storage, broker); bad input is never retried
    retry_backoff: int = 10  # seconds, doubled at each retry

    @classmethod
    def from_environment(cls, **overrides: Any) -> QueueOptions:
        env = os.environ
        values: dict[str, Any] = {"broker": env.get("VERBALI_BROKER") or None}
        if env.get("VERBALI_SHARED_ROOT"):
            values["shared_root"] = Path(env["VERBALI_SHARED_ROOT"])
        if env.get("VERBALI_VISIBILITY_TIMEOUT"):
            values["visibility_timeout"] = int(env["VERBALI_VISIBILITY_TIMEOUT"])
        if env.get("VERBALI_RESTORE_INTERVAL"):
            values["restore_interval"] = int(env["VERBALI_RESTORE_INTERVAL"])
        if env.get("VERBALI_LOCK_TTL"):
            values["lock_ttl"] = float(env["VERBALI_LOCK_TTL"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
