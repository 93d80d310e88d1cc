#!/usr/bin/env python3
"""Benchmark verbali's stages against a plain faster-whisper + pyannote run on the same file.

    python scripts/benchmark.py PATH [--language it] [--diarization auto|pyannote|tracks]
                                     [--repeat 1] [--audio-only] [--json out.json]
    python scripts/benchmark.py --synthetic-minutes 30 --audio-only

For each stage it prints the wall time, the real-time factor (wall / recording
duration) and the peak resident memory, for verbali and for the baseline, and
their ratio: medians over ``--repeat`` runs, then the fastest run's total. PATH
is a recording file or a Zoom folder (its mixed recording is the baseline's
input). ``--audio-only`` measures only decoding + loading the samples, against
pydub's ``AudioSegment.from_file`` + numpy (the usual way); ``--synthetic-minutes
N`` benchmarks an N-minute 44.1 kHz stereo recording that ffmpeg generates in a
temporary folder.

How memory is measured (see docs/benchmarks.md): every run of a configuration
is a fresh subprocess (this script with a hidden ``--worker`` argument), so runs
never share memory. In a worker, each stage starts by writing ``5`` to
``/proc/self/clear_refs``, which resets the kernel's peak-RSS mark (VmHWM); VmHWM
read when the stage ends is the stage's peak RSS, exact and not sampled. A
thread also samples RssAnon every few milliseconds, to tell anonymous memory
(arrays, buffers) from file pages a memory map touched. Child processes (ffmpeg)
are not counted: their own peak is not in this process's RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
SAMPLE_RATE = 16000
SAMPLE_EVERY = 0.005  # seconds between RssAnon samples
MODEL_ENV = {"HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0", "TOKENIZERS_PARALLELISM": "false"}
PACKAGES = ("faster-whisper", "ctranslate2", "pyannote-audio", "torch", "numpy", "pydub")

AUDIO = "audio (decode+load)"
STARTUP = "startup (Settings)"
TABLES = "tables (spaCy)"
DOCUMENTS = "documents (verbale)"
STAGE_ORDER = (
    STARTUP,
    "ingest",
    AUDIO,
    "load diarization model",
    "diarization",
    "load ASR model",
    "language check",
    "transcription",
    "alignment",
    TABLES,
    DOCUMENTS,
    "writing artifacts",
)
PAIRS = {False: ("verbali", "baseline"), True: ("verbali-audio", "pydub-audio")}


# --------------------------------------------------------------------------- memory


def status_kib(*names: str) -> dict[str, int]:
    """Fields of /proc/self/status, in KiB (0 when the kernel has no such field)."""
    values = dict.fromkeys(names, 0)
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in values:
            values[key] = int(rest.split()[0])
    return values


def reset_peak() -> bool:
    """Reset this process's VmHWM (and ru_maxrss) to its current RSS; False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class AnonSampler:
    """Highest RssAnon seen while running, sampled every SAMPLE_EVERY seconds."""

    def __init__(self) -> None:
        self.peak_kib = status_kib("RssAnon")["RssAnon"]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.peak_kib = max(self.peak_kib, status_kib("RssAnon")["RssAnon"])

    def __enter__(self) -> AnonSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, status_kib("RssAnon")["RssAnon"])


@dataclass
class StageRecord:
    name: str
    wall_s: float
    rss_start_mib: float
    peak_mib: float  # VmHWM at the stage's end: peak RSS during the stage (if reset worked)
    anon_start_mib: float
    anon_peak_mib: float  # sampled


@dataclass
class Meter:
    records: list[StageRecord] = field(default_factory=list)
    peak_reset: bool = True

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.peak_reset = reset_peak() and self.peak_reset
        start = status_kib("VmRSS", "RssAnon")
        with AnonSampler() as sampler:
            started = time.perf_counter()
            yield
            wall = time.perf_counter() - started
        record = StageRecord(
            name, wall, start["VmRSS"] / 1024, status_kib("VmHWM")["VmHWM"] / 1024,
            start["RssAnon"] / 1024, sampler.peak_kib / 1024,
        )  # fmt: skip
        self.records.append(record)


# --------------------------------------------------------------------------- workers


def verbali_worker(spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """verbali's stages in ``runner.process_session``'s order, each timed on its own.

    The stage functions are the pipeline's own; what is left out is the run's
    bookkeeping (state database, fingerprints, edit-safe publishing), which
    ``scripts/benchmark_noop.py`` measures. Writing is timed apart, at the end.
    """
    from pipeline import audio, ingest, runner  # noqa: F401  (verbali's modules load before the timed stages)

    with tempfile.TemporaryDirectory(prefix="verbali-bench-") as outputs:
        if spec["audio_only"]:  # decode + load only: no Settings, so none of its imports
            with meter.stage(AUDIO):
                samples = _verbali_samples(first_session(Path(spec["path"])).audio_path, Path(outputs) / "a.wav")
            return {"samples": len(samples)}
        with meter.stage(STARTUP):
            settings = _settings(spec, Path(outputs))
        engines = runner.Engines(settings)
        with meter.stage("ingest"):
            session = first_session(Path(spec["path"]))
        run = _Run(settings, session, settings.outputs_dir / session.session_id)
        run.folder.mkdir(parents=True)
        with meter.stage(AUDIO):
            samples = _verbali_samples(session.audio_path, run.folder / audio.DECODED_AUDIO)
        _verbali_diarization(meter, run, engines, samples)
        _verbali_asr(meter, run, engines, samples)
        _verbali_rest(meter, run)
        return run.summary()


@dataclass
class _Run:
    """What one verbali run has produced so far."""

    settings: Any
    session: Any
    folder: Path
    artifacts: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def programme(self) -> Any:
        from pipeline.ingest.programme import find_programme, load_programme

        folder = Path(self.session.folder)
        found = find_programme(folder.parent if folder.is_file() else folder)
        return load_programme(found) if found else None

    def summary(self) -> dict[str, Any]:
        raw, turns = self.artifacts["asr"], self.artifacts["diarization"]
        words = sum(len(s.words) for s in raw.segments)
        return {
            "method": turns.method, "source": raw.source, "probe": raw.source_probe, "words": words,
            "speakers": len(turns.speakers),
        }  # fmt: skip


def _settings(spec: dict[str, Any], outputs: Path) -> Any:
    from pipeline.config import DiarizeOptions, Settings, TranscribeOptions

    return Settings(
        models_dir=Path(spec["models"]),
        outputs_dir=outputs,
        transcribe=TranscribeOptions(language=spec["language"]),
        diarize=DiarizeOptions(method=spec["diarization"]),
    )


def _verbali_samples(source: Path, target: Path) -> Any:
    from pipeline import audio

    decoded = audio.decode(source, target)
    return audio.load_samples(Path(decoded.path))


def _verbali_diarization(meter: Meter, run: _Run, engines: Any, samples: Any) -> None:
    """Diarization comes first, as in the runner: transcription may use the speakers' own tracks."""
    import numpy as np

    from pipeline import diarize

    options = run.settings.diarize
    method = diarize.choose_method(run.session, options)
    with meter.stage("load diarization model"):
        diarizer = engines.diarizer(method, run.session)
    with meter.stage("diarization"):
        audio = samples if method in ("pyannote", "auto") else np.zeros(0, dtype=np.float32)  # as the runner does
        run.artifacts["diarization"] = diarize.diarize(audio, run.session, diarizer, options, models=engines)


def _verbali_asr(meter: Meter, run: _Run, engines: Any, samples: Any) -> None:
    from pipeline import transcribe

    options = run.settings.transcribe
    with meter.stage("load ASR model"):
        transcriber = engines.transcriber
    with meter.stage("language check"):
        transcribe.check_language(transcriber, samples, options.language)
    with meter.stage("transcription"):
        context = transcribe.session_context(run.session, run.programme)
        run.artifacts["asr"] = transcribe.transcribe_session(
            samples,
            transcriber,
            options,
            context=context,
            session=run.session,
            diarization=run.artifacts["diarization"],
        )


def _verbali_rest(meter: Meter, run: _Run) -> None:
    from pipeline import align

    with meter.stage("alignment"):
        run.artifacts["transcript"] = align.align(
            run.artifacts["asr"], run.artifacts["diarization"], run.settings.align
        )
    with meter.stage(TABLES):
        run.artifacts["tables"] = _find_tables(run)
    with meter.stage(DOCUMENTS):
        run.artifacts["minutes"] = _documents(run)
    with meter.stage("writing artifacts"):
        _write_artifacts(run)


def _documents(run: _Run) -> Any:
    """The verbale in every default format, as the runner's minutes stage writes it."""
    from pipeline.documents import build_minutes, render_minutes

    options = run.settings.render_options()
    minutes = build_minutes(
        run.session, run.artifacts["transcript"], run.artifacts["tables"], run.programme,
        run.artifacts["transcript"].duration, options,
    )  # fmt: skip
    render_minutes(minutes, run.folder, options)
    return minutes


def _find_tables(run: _Run) -> Any:
    from pipeline.tables import find_tables

    return find_tables(
        run.artifacts["transcript"], session=run.session, programme=run.programme, options=run.settings.tables_options()
    )


def _write_artifacts(run: _Run) -> None:
    """The files ``process_session`` writes, less its bookkeeping."""
    from pipeline import export
    from pipeline.storage.files import write_json, write_text

    folder, session, transcript = run.folder, run.session, run.artifacts["transcript"]
    write_json(folder / "session.json", session.to_dict())
    write_json(folder / "asr.json", run.artifacts["asr"].to_dict())
    write_json(folder / "diarization.json", run.artifacts["diarization"].to_dict())
    write_text(folder / "diarization.rttm", run.artifacts["diarization"].to_rttm(session.session_id))
    write_json(folder / "transcript.json", transcript.to_dict())
    write_text(folder / "transcript.srt", export.to_srt(transcript))
    write_text(folder / "transcript.vtt", export.to_vtt(transcript))
    write_text(folder / "transcript.txt", export.to_text(transcript))
    write_json(folder / "tables.json", run.artifacts["tables"].to_dict())


def baseline_worker(spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """Plain faster-whisper, then plain pyannote, each on the recording's file."""
    with meter.stage("load ASR model"):
        from faster_whisper import WhisperModel

        model = WhisperModel(str(Path(spec["models"]) / "whisper-base"), device="cpu", compute_type="int8")
    with meter.stage("transcription"):
        segments, _ = model.transcribe(spec["audio"], language=spec["language"], word_timestamps=True, vad_filter=True)
        words = sum(len(segment.words or []) for segment in segments)
    with meter.stage("load diarization model"):
        from pyannote.audio import Pipeline

        pipeline = Pipeline.from_pretrained(str(Path(spec["models"]) / "pyannote-campplus"))
    with meter.stage("diarization"):
        output = pipeline(spec["audio"])
    annotation = getattr(output, "speaker_diarization", output)
    return {"method": "pyannote", "words": words, "speakers": len(annotation.labels())}


def pydub_worker(spec: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """The usual way to get 16 kHz mono float32 samples: pydub, then numpy."""
    import numpy  # noqa: F401  (imported before the stage, as verbali's worker does)
    import pydub  # noqa: F401

    with meter.stage(AUDIO):
        samples = _pydub_samples(spec["audio"])
    return {"samples": len(samples)}


def _pydub_samples(path: str) -> Any:
    import numpy as np
    from pydub import AudioSegment

    segment = AudioSegment.from_file(path).set_channels(1).set_frame_rate(SAMPLE_RATE)
    return np.array(segment.get_array_of_samples(), dtype=np.float32) / 32768


WORKERS: dict[str, Callable[[dict[str, Any], Meter], dict[str, Any]]] = {
    "verbali": verbali_worker,
    "verbali-audio": verbali_worker,
    "baseline": baseline_worker,
    "pydub-audio": pydub_worker,
}


def run_worker(spec: dict[str, Any]) -> None:
    """Entry point of a ``--worker`` subprocess: measure, then write the result as JSON."""
    meter = Meter()
    summary = WORKERS[spec["kind"]](spec, meter)
    result = {"kind": spec["kind"], "stages": [asdict(r) for r in meter.records], "peak_reset": meter.peak_reset}
    Path(spec["out"]).write_text(json.dumps({**result, "summary": summary}))


# --------------------------------------------------------------------------- recording


def first_session(path: Path) -> Any:
    from pipeline import ingest
    from pipeline.artifacts import Session

    sessions = [entry for entry in ingest.discover(path) if isinstance(entry, Session)]
    if not sessions or sessions[0].audio_path is None:
        raise SystemExit(f"{path}: no recording verbali can process")
    return sessions[0]


def probe(path: Path) -> dict[str, Any]:
    """Duration, sample rate, channels and codec of the first audio stream, from ffprobe."""
    command = [
        "ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
        "stream=codec_name,sample_rate,channels:format=duration", "-of", "json", str(path),
    ]  # fmt: skip
    info = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    stream = info["streams"][0]
    return {
        "file": str(path),
        "duration_s": float(info["format"]["duration"]),
        "sample_rate": int(stream["sample_rate"]),
        "channels": int(stream["channels"]),
        "codec": stream["codec_name"],
        "size_mib": path.stat().st_size / MIB,
    }


def synthesize(minutes: float, folder: Path) -> Path:
    """An N-minute 44.1 kHz stereo AAC file: pink noise pulsed at a syllable rate (4 Hz)."""
    target = folder / f"synthetic-{minutes:g}min-44k1-stereo.m4a"
    source = f"anoisesrc=color=pink:sample_rate=44100:amplitude=0.5:duration={minutes * 60}"
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
        "-af", "tremolo=f=4:d=0.9", "-ac", "2", "-ar", "44100", "-c:a", "aac", "-b:a", "128k", str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return target


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), "")
    ram = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(ram / 1024 / 1024, 1),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


# --------------------------------------------------------------------------- runs


def spawn(spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Run one configuration in a fresh interpreter and read back its measurements."""
    out = folder / f"{spec['kind']}-{time.monotonic_ns()}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps({**spec, "out": str(out)})]
    load = os.getloadavg()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **MODEL_ENV}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"worker {spec['kind']} failed:\n{done.stderr[-4000:]}")
    result = json.loads(out.read_text())
    return {**result, "loadavg_before": load, "process_wall_s": time.perf_counter() - started}


def run_all(specs: tuple[dict[str, Any], dict[str, Any]], repeat: int, folder: Path) -> dict[str, list]:
    """``repeat`` runs of each configuration, alternating which goes first."""
    runs: dict[str, list] = {spec["kind"]: [] for spec in specs}
    for index in range(repeat):
        for spec in specs if index % 2 == 0 else specs[::-1]:
            print(f"run {index + 1}/{repeat}: {spec['kind']} ...", file=sys.stderr, flush=True)
            runs[spec["kind"]].append(spawn(spec, folder))
    return runs


def median_stages(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per stage, the median of each measure over the runs; 'total' sums walls, maxes peaks."""
    names = [stage["name"] for stage in runs[0]["stages"]]
    table = {name: _median_of([_stage(run, name) for run in runs]) for name in names}
    table["total"] = _median_of([_total(run["stages"]) for run in runs])
    return table


def _stage(run: dict[str, Any], name: str) -> dict[str, float]:
    return next(stage for stage in run["stages"] if stage["name"] == name)


def _median_of(stages: list[dict[str, Any]]) -> dict[str, float]:
    keys = [key for key in stages[0] if key != "name"]
    return {key: statistics.median(stage[key] for stage in stages) for key in keys}


def _total(stages: list[dict[str, Any]]) -> dict[str, float]:
    total = {key: max(stage[key] for stage in stages) for key in stages[0] if key != "name"}
    total["wall_s"] = sum(stage["wall_s"] for stage in stages)
    total["rss_start_mib"] = stages[0]["rss_start_mib"]
    total["anon_start_mib"] = stages[0]["anon_start_mib"]
    return total


# --------------------------------------------------------------------------- report


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=150)
    console.print(_header(report))
    console.print(_table(report))
    console.print(_fastest(report))
    if report["audio_only"]:
        console.print(_memory_check(report))


def _header(report: dict[str, Any]) -> str:
    m, rec = report["machine"], report["recording"]
    start, end = report["loadavg_start"], report["loadavg_end"]
    return (
        f"[bold]verbali benchmark[/] {m['date']}  {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), "
        f"{m['ram_gib']} GiB RAM, Python {m['python']}\n"
        f"load average (1/5/15 min): start {_load(start)}, end {_load(end)}\n"
        f"recording: {rec['file']}\n  {rec['duration_s']:.1f} s, {rec['codec']} {rec['sample_rate']} Hz "
        f"x{rec['channels']}, {rec['size_mib']:.1f} MiB; diarization {report['diarization']}, "
        f"language {report['language'] or 'auto'}; median of {report['repeat']} run(s) per configuration"
    )


def _load(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values)


def _table(report: dict[str, Any]) -> Any:
    from rich.table import Table

    ours, theirs = (report["medians"][kind] for kind in report["kinds"])
    duration = report["recording"]["duration_s"]
    peak = "peak RSS of the process in the stage" if report["peak_reset"] else "peak RSS since the worker started"
    table = Table(title=f"{report['kinds'][0]} vs {report['kinds'][1]}: medians (peak = {peak})")
    for column in ("stage", "verbali wall s", "RTF", "peak MiB", "baseline wall s", "RTF", "peak MiB"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    table.add_column("ratio wall", justify="right")
    table.add_column("ratio peak", justify="right")
    names = [name for name in (*STAGE_ORDER, "total") if name in ours or name in theirs]
    for name in names:
        table.add_row(name, *_cells(ours.get(name), duration), *_cells(theirs.get(name), duration),
                      *_ratios(ours.get(name), theirs.get(name)), end_section=name == names[-2])  # fmt: skip
    return table


def _fastest(report: dict[str, Any]) -> str:
    """The fastest run's total of each configuration: on a busy machine, the least disturbed one."""
    ours, theirs = (report["fastest_total_s"][kind] for kind in report["kinds"])
    duration = report["recording"]["duration_s"]
    return (
        f"fastest run: verbali {ours:.2f} s (RTF {ours / duration:.3f}), baseline {theirs:.2f} s "
        f"(RTF {theirs / duration:.3f}), ratio {ours / theirs:.2f}"
    )


def _cells(stage: dict[str, float] | None, duration: float) -> tuple[str, str, str]:
    if stage is None:
        return "-", "-", "-"
    return f"{stage['wall_s']:.2f}", f"{stage['wall_s'] / duration:.3f}", f"{stage['peak_mib']:.0f}"


def _ratios(ours: dict[str, float] | None, theirs: dict[str, float] | None) -> tuple[str, str]:
    if ours is None or theirs is None or theirs["wall_s"] <= 0:
        return "-", "-"
    return f"{ours['wall_s'] / theirs['wall_s']:.2f}", f"{ours['peak_mib'] / theirs['peak_mib']:.2f}"


def _memory_check(report: dict[str, Any]) -> str:
    mono = report["mono_float32_mib"]
    lines = [f"[bold]memory check[/]: the 16 kHz mono float32 form of this recording is {mono:.1f} MiB"]
    for kind in report["kinds"]:
        stage = report["medians"][kind][AUDIO]
        rss = stage["peak_mib"] - stage["rss_start_mib"]
        anon = stage["anon_peak_mib"] - stage["anon_start_mib"]
        lines.append(
            f"  {kind}: peak RSS +{rss:.1f} MiB ({rss / mono:.2f}x the mono form), anonymous +{anon:.1f} MiB "
            f"({anon / mono:.2f}x)"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark verbali against plain faster-whisper + pyannote.")
    parser.add_argument("path", nargs="?", type=Path, help="a recording file or a Zoom folder")
    parser.add_argument("--language", default="it", help="language code, or 'auto' to detect (default: it)")
    parser.add_argument("--diarization", default="auto", choices=("auto", "pyannote", "tracks"))
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the median is reported")
    parser.add_argument("--synthetic-minutes", type=float, default=0, help="benchmark a generated 44.1 kHz stereo file")
    parser.add_argument("--audio-only", action="store_true", help="only decode+load, against pydub + numpy")
    parser.add_argument("--models", type=Path, default=ROOT / "models", help="verbali's models folder")
    parser.add_argument("--json", type=Path, help="also write every measurement to this JSON file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is None and (args.path is None) == (args.synthetic_minutes <= 0):
        parser.error("give a PATH or --synthetic-minutes N (not both)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def benchmark(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    start, host = list(os.getloadavg()), machine()
    path = synthesize(args.synthetic_minutes, scratch) if args.synthetic_minutes > 0 else args.path
    recording = probe(first_session(path).audio_path)
    common = _common_spec(args, path, recording["file"])
    kinds = PAIRS[args.audio_only]
    runs = run_all(tuple({**common, "kind": kind} for kind in kinds), args.repeat, scratch)
    return {
        "machine": host, "recording": recording, "diarization": args.diarization, "language": common["language"],
        "repeat": args.repeat, "audio_only": args.audio_only, "kinds": kinds, "loadavg_start": start,
        "loadavg_end": list(os.getloadavg()), "mono_float32_mib": recording["duration_s"] * SAMPLE_RATE * 4 / MIB,
        "medians": {kind: median_stages(runs[kind]) for kind in kinds},
        "fastest_total_s": {kind: min(_total(run["stages"])["wall_s"] for run in runs[kind]) for kind in kinds},
        "peak_reset": all(run["peak_reset"] for kind in kinds for run in runs[kind]), "runs": runs,
    }  # fmt: skip


def _common_spec(args: argparse.Namespace, path: Path, audio: str) -> dict[str, Any]:
    return {
        "path": str(path.resolve()),
        "audio": audio,
        "language": None if args.language == "auto" else args.language,
        "diarization": args.diarization,
        "models": str(args.models.resolve()),
        "audio_only": args.audio_only,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker is not None:
        run_worker(json.loads(args.worker))
        return
    with tempfile.TemporaryDirectory(prefix="verbali-benchmark-") as scratch:
        report = benchmark(args, Path(scratch))
    if args.synthetic_minutes > 0:
        report["recording"]["file"] = Path(report["recording"]["file"]).name + " (generated, then deleted)"
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
