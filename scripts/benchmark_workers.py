"""Throughput of verbali workers over Redis, against a plain local run of the same sessions.

    PYTHONPATH=. nice -n 10 python scripts/benchmark_workers.py --sessions 6 --seconds 20

Starts a redis-server (AOF) on a free loopback port and `verbali worker` processes, cuts
``--sessions`` clips of ``--seconds`` of real speech from the sample plenary, and measures:

- a local `verbali run` of the sessions (the baseline: one process, models loaded once);
- the same sessions through the queue with 1 and with 2 worker processes (models already
  loaded: a worker is long-lived), as sessions per hour, and the ratio to the baseline;
- the queue's own overhead per job: from submission to the worker starting the session,
  for short jobs sent one at a time to an idle worker (median and 90th percentile, ms).

Prints a Markdown table for docs/workers.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import DiarizeOptions, QueueOptions, Settings
from pipeline.ingest import discover
from pipeline.workers.app import make_app
from pipeline.workers.book import JobBook, connect
from pipeline.workers.submit import submit, wait_for
from tests.workers_cluster import MODELS, ROOT, RedisServer, WorkerProcess, cut_clip, verbali

SAMPLE_MIX = next((ROOT / "recordings").glob("2021-11-22 17.30.00 *")) / "audio_only.m4a"
SAMPLE_SECONDS = 150  # usable length of the sample mix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each session")
    parser.add_argument("--overhead-jobs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="verbali-bench-") as tmp:
        base = Path(tmp)
        root = base / "shared"
        clips = make_sessions(root / "recordings" / "batch", args.sessions, args.seconds)
        tiny = make_sessions(root / "recordings" / "tiny", args.overhead_jobs, 1.0, prefix="2025-02")
        redis = RedisServer(base / "redis")
        redis.start()
        try:
            rows = measure(root, redis, base, clips, tiny, args)
        finally:
            redis.stop()
    print_table(rows, args)


def make_sessions(folder: Path, count: int, seconds: float, prefix: str = "2025-01") -> Path:
    for i in range(count):
        start = (i * 17.0) % max(1.0, SAMPLE_SECONDS - seconds)
        cut_clip(SAMPLE_MIX, folder / f"{prefix}-{i + 1:02d} 10.00 bench {i + 1}.wav", start, seconds)
    return folder


def measure(root: Path, redis: RedisServer, base: Path, clips: Path, tiny: Path, args) -> dict[str, float]:
    rows: dict[str, float] = {}
    started = time.perf_counter()
    local = verbali("run", str(clips), "--out", "out-local", "--settle", "0", "--diarization", "none", cwd=root,
                    timeout=3600)  # fmt: skip
    assert local.returncode == 0, local.stderr
    rows["local"] = time.perf_counter() - started

    options = QueueOptions(broker=redis.url, shared_root=root)
    app, book = make_app(options), JobBook(connect(redis.url))
    workers: list[WorkerProcess] = []
    try:
        for count in (1, 2):
            while len(workers) < count:
                name = f"bench-{len(workers) + 1}@bench"
                workers.append(WorkerProcess(name, redis.url, root, base / f"{name}.log", ("--diarization", "none")))
                workers[-1].start().wait_ready(timeout=300)
            rows[f"workers-{count}"] = run_batch_on_queue(app, book, options, root, clips, f"out-{count}")
        rows["overhead"] = queue_overhead(app, book, options, root, tiny)
    finally:
        for worker in workers:
            worker.stop()
    return rows


def settings_for(root: Path, outputs: str) -> Settings:
    return Settings(models_dir=MODELS, outputs_dir=root / outputs, diarize=DiarizeOptions(method="none"))


def run_batch_on_queue(app, book: JobBook, options: QueueOptions, root: Path, clips: Path, outputs: str) -> float:
    sessions = [s for s in discover(clips) if hasattr(s, "session_id")]
    started = time.perf_counter()
    jobs = submit(app, book, sessions, settings_for(root, outputs), options, "cpu")
    records = wait_for(book, [j.job_id for j in jobs], lambda record: None)
    assert all(r.state == "done" for r in records), [r.detail for r in records]
    return time.perf_counter() - started


def queue_overhead(app, book: JobBook, options: QueueOptions, root: Path, tiny: Path) -> list[float]:
    """Milliseconds from submission to the session starting on a worker, one job at a time."""
    delays = []
    for session in [s for s in discover(tiny) if hasattr(s, "session_id")]:
        [job] = submit(app, book, [session], settings_for(root, "out-tiny"), options, "cpu")
        [record] = wait_for(book, [job.job_id], lambda record: None)
        delays.append((record.started - record.submitted) * 1000)
    return delays


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def print_table(rows: dict, args) -> None:
    n = args.sessions
    per_hour = {k: n * 3600 / v for k, v in rows.items() if k != "overhead"}
    overhead = sorted(rows["overhead"])
    machine = f"{cpu_model()}, {os.cpu_count()} cores, load average at the end {os.getloadavg()[0]:.1f}"
    data = f"{n} sessions of {args.seconds:.0f} s (Whisper base, no diarization)"
    print(f"\n{time.strftime('%Y-%m-%d')}, {machine}; {data}\n")
    print("| run | wall time | sessions per hour | vs local run |")
    print("|---|---|---|---|")
    labels = {"local": "local `verbali run` (baseline)", "workers-1": "queue, 1 worker process",
              "workers-2": "queue, 2 worker processes"}  # fmt: skip
    for key, label in labels.items():
        print(f"| {label} | {rows[key]:.1f} s | {per_hour[key]:.0f} | {rows['local'] / rows[key]:.2f} x |")
    p90 = overhead[int(0.9 * (len(overhead) - 1))]
    print(f"\nqueue overhead, submission to session start ({len(overhead)} jobs to an idle worker): "
          f"median {statistics.median(overhead):.0f} ms, p90 {p90:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
