"""Real parts for the worker tests: a redis-server with AOF on a loopback port, `verbali worker` processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
# Short timings so that a killed worker's job comes back within the test: the sessions
# here last seconds (under 30 s on a busy 2-core machine), so 30 s is still "longer than the longest session".
QUEUE_ENV = {"VERBALI_VISIBILITY_TIMEOUT": "30", "VERBALI_RESTORE_INTERVAL": "1", "VERBALI_LOCK_TTL": "6"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """Debian's redis-server, persistent (AOF, fsync on every write), in a folder of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed (setup.sh installs it)"
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile", "redis.log"],
        )  # fmt: skip
        wait_until(self._answers, 10, "redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # redis flushes the AOF and exits
            self.process.wait(timeout=20)

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


class WorkerProcess:
    """`verbali worker` as its own process group (so a SIGKILL takes the pool child too), logging to a file."""

    def __init__(self, name: str, broker: str, root: Path, log: Path, extra: tuple[str, ...] = ()) -> None:
        self.name = name
        self.broker = broker
        self.root = root
        self.log = log
        self.extra = extra
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        env = {**os.environ, **QUEUE_ENV, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
               "PYANNOTE_METRICS_ENABLED": "0", "VERBALI_SHARED_ROOT": str(self.root)}  # fmt: skip
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline", "worker", "--broker", self.broker, "--name", self.name,
                 "--root", str(self.root), "--models", str(MODELS), *self.extra],
                cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 120) -> None:
        wait_until(lambda: "models loaded" in self.text() or self.process.poll() is not None, timeout,
                   f"worker {self.name} to load its models")  # fmt: skip
        assert self.process.poll() is None, f"worker {self.name} exited:\n{self.text()[-3000:]}"

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool child), as a machine dying would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def cut_clip(source: Path, target: Path, start: float, seconds: float) -> Path:
    """A few seconds of real speech, as 16 kHz mono WAV (ffmpeg)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", str(start), "-t", str(seconds), "-i", str(source),
         "-ac", "1", "-ar", "16000", str(target)],
        check=True,
    )  # fmt: skip
    return target


def verbali(*args: str, cwd: Path, broker: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The `verbali` command line, as a user runs it, from the shared root."""
    env = {**os.environ, **QUEUE_ENV, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0",
           "VERBALI_SHARED_ROOT": str(cwd), "VERBALI_MODELS": str(MODELS), "COLUMNS": "200"}  # fmt: skip
    env.pop("VERBALI_BROKER", None)
    if broker:
        env["VERBALI_BROKER"] = broker
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
