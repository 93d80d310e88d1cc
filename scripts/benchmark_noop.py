"""How long does a cron run take when (almost) nothing is new?

Builds N short sessions (a second of silence each, so processing them is cheap), processes
them, adds one new session, runs again (only the new one is processed), then runs once
more with nothing to do, and prints the wall time of each run and per session.

    python scripts/benchmark_noop.py [--sessions 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def silent_wav(path: Path, seconds: float = 1.0) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\0\0" * int(16000 * seconds))


def timed_run(recordings: Path, out: Path) -> tuple[float, str]:
    command = [
        sys.executable, "-m", "pipeline", "run", str(recordings), "--out", str(out),
        "--models", str(ROOT / "models"), "--diarization", "none", "--settle", "0",
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"run failed:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - started, (result.stdout + result.stderr).strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    count = parser.parse_args().sessions
    with tempfile.TemporaryDirectory() as scratch:
        recordings, out = Path(scratch, "recordings"), Path(scratch, "outputs")
        recordings.mkdir()
        for i in range(count):
            silent_wav(recordings / f"2021-11-{1 + i % 28:02d} {i // 28:02d}.00 sessione {i:03d}.wav")
        first, _ = timed_run(recordings, out)
        silent_wav(recordings / "2021-12-01 17.30 sessione nuova.wav")
        one_new, one_new_summary = timed_run(recordings, out)
        nothing, nothing_summary = timed_run(recordings, out)
    load = os.getloadavg()[0]
    print(f"{count} sessions, load average {load:.1f}, {os.cpu_count()} cores")
    print(f"all new:         {first:7.1f} s  ({first / count:.2f} s per session)")
    print(f"one new session: {one_new:7.1f} s  ({one_new / (count + 1):.3f} s per session)  {one_new_summary}")
    print(f"nothing to do:    {nothing:7.1f} s  ({nothing / (count + 1):.3f} s per session)  {nothing_summary}")


if __name__ == "__main__":
    main()
