"""Unattended runs, tested as cron will use them: real processes, real kills, real models."""

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.audio import ffmpeg
from tests.conftest import ITALIAN_CLIPS, MODELS, ROOT

pytestmark = pytest.mark.models
SAMPLE = next((ROOT / "recordings").glob("2021-11-22*/audio_only.m4a"))
STAGES = ["audio", "diarization", "transcription", "alignment", "tables", "minutes"]


def verbali(*args: str, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "pipeline", "run", "--models", str(MODELS), "--out", str(out), "--settle", "0"]
    return subprocess.Popen([*command, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    output, _ = process.communicate(timeout=600)
    return process.returncode, output


def log_lines(out: Path) -> list[str]:
    log = out / "verbali.log"
    return log.read_text().splitlines() if log.exists() else []


def status_of(out: Path) -> str:
    command = [sys.executable, "-m", "pipeline", "status", "--out", str(out)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def wait_for(out: Path, pattern: str, process: subprocess.Popen) -> None:
    while not any(re.search(pattern, line) for line in log_lines(out)):
        assert process.poll() is None, "the run ended before reaching " + pattern
        time.sleep(0.02)


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    """The first 30 s of the sample plenary as a plain file (pyannote diarises it)."""
    folder = tmp_path_factory.mktemp("recordings")
    target = folder / "2021-11-22 17.30 plenaria.m4a"
    subprocess.run(
        [ffmpeg(), "-loglevel", "error", "-i", str(SAMPLE), "-t", "30", "-c", "copy", str(target)], check=True
    )
    return target


@pytest.fixture(scope="module")
def uninterrupted(recording, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    code, output = finish(verbali(str(recording), out=out))
    assert code == 0, output
    return next(out.glob("2021-11-22-*"))


def _artifacts(folder: Path) -> dict[str, object]:
    return {
        name: json.loads((folder / name).read_text()) for name in ("transcript.json", "diarization.json", "tables.json")
    }


@pytest.mark.parametrize("killed_in", ["transcription", "diarization", "tables"])
def test_a_killed_run_resumes_at_its_stage_and_ends_identical(recording, uninterrupted, tmp_path, killed_in):
    first = verbali(str(recording), out=tmp_path)
    wait_for(tmp_path, rf"{killed_in}: started", first)
    first.send_signal(signal.SIGKILL)
    first.wait()

    before = len(log_lines(tmp_path))
    code, output = finish(verbali(str(recording), out=tmp_path))
    assert code == 0, output
    second_run = log_lines(tmp_path)[before:]
    done_before = STAGES[: STAGES.index(killed_in)]
    for stage in done_before:
        assert any(f"{stage}: reused" in line for line in second_run), (stage, second_run)
    assert any(f"{killed_in}: started" in line for line in second_run)
    folder = next(tmp_path.glob("2021-11-22-*"))
    assert _artifacts(folder) == _artifacts(uninterrupted)


def test_a_second_run_exits_at_once_while_the_first_holds_the_lock(recording, tmp_path):
    first = verbali(str(recording), out=tmp_path)
    wait_for(tmp_path, "audio: started", first)
    started = time.monotonic()
    code, output = finish(verbali(str(recording), out=tmp_path))
    assert code == 3 and time.monotonic() - started < 30
    assert re.search(r"error: another verbali run is using .* \(pid \d+, started", output)
    assert finish(first)[0] == 0
    assert sum("transcription: started" in line for line in log_lines(tmp_path)) == 1


def test_a_stale_lock_from_a_killed_run_does_not_block(recording, tmp_path):
    first = verbali(str(recording), out=tmp_path)
    wait_for(tmp_path, "audio: started", first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    code, output = finish(verbali(str(recording), out=tmp_path))
    assert code == 0, output


def test_nothing_to_do_when_nothing_changed(uninterrupted, recording):
    out = uninterrupted.parent
    before = len(log_lines(out))
    code, output = finish(verbali(str(recording), out=out))
    assert code == 0 and "unchanged" in output
    assert all("reused" in line for line in log_lines(out)[before:])


def test_a_folder_being_copied_is_left_for_the_next_run(tmp_path):
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    source = (ITALIAN_CLIPS / "cheetah_test_it.wav").read_bytes()
    target = recordings / "2021-11-22 17.30 copia.wav"
    target.write_bytes(source[:20000])

    first_done = threading.Event()

    def keep_copying() -> None:  # slowly, until the first run has looked; then the rest at once
        position = 20000
        while not first_done.is_set() and position < len(source) - 500:
            time.sleep(0.25)
            with target.open("ab") as stream:
                stream.write(source[position : position + 500])
            position += 500
        with target.open("ab") as stream:
            stream.write(source[position:])

    copier = threading.Thread(target=keep_copying)
    copier.start()
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        str(recordings),
        "--models",
        str(MODELS),
        "--out",
        str(tmp_path / "out"),
    ]
    first = subprocess.run([*command, "--settle", "1"], cwd=ROOT, capture_output=True, text=True)
    first_done.set()
    copier.join()
    assert first.returncode == 1 and "waiting:" in first.stdout + first.stderr
    assert not list((tmp_path / "out").glob("2021-*"))
    second = subprocess.run([*command, "--settle", "0.5"], cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0, second.stdout + second.stderr
    assert list((tmp_path / "out").glob("2021-*/transcript.json"))


def test_an_unconverted_zoom_folder_waits_and_the_others_run(tmp_path):
    recordings = tmp_path / "recordings"
    (recordings / "2021-11-23 17.30.00 Non convertita").mkdir(parents=True)
    (recordings / "2021-11-23 17.30.00 Non convertita" / "double_click_to_convert_01.zoom").write_bytes(b"z")
    shutil.copy(ITALIAN_CLIPS / "cheetah_test_it_norm.wav", recordings / "2021-11-22 buona.wav")
    code, output = finish(verbali(str(recordings), out=tmp_path / "out"))
    assert code == 0, output
    assert "waiting:" in output and "double_click_to_convert" in output


def test_an_edited_transcript_is_never_overwritten(tmp_path):
    source = tmp_path / "2021-11-22 plenaria.wav"
    shutil.copy(ITALIAN_CLIPS / "leopard_test_it.wav", source)
    out = tmp_path / "out"
    assert finish(verbali(str(source), out=out))[0] == 0
    text = next(out.glob("*/transcript.txt"))
    text.write_text(text.read_text().replace("radio", "Radio Pavia"), encoding="utf-8")
    edited = text.read_bytes()

    code, output = finish(verbali(str(source), "--force", out=out))
    assert code == 0 and "kept transcript.txt (edited by hand); new draft in transcript.bozza.txt" in output
    assert text.read_bytes() == edited
    assert "radio" in (text.parent / "transcript.bozza.txt").read_text().lower()
    assert "transcript.txt -> transcript.bozza.txt" in status_of(out)


def test_a_new_template_rerenders_without_transcribing_and_keeps_the_edited_verbale(tmp_path):
    source = tmp_path / "2021-11-22 plenaria.wav"
    shutil.copy(ITALIAN_CLIPS / "leopard_test_it.wav", source)
    out = tmp_path / "out"
    assert finish(verbali(str(source), out=out))[0] == 0
    verbale = next(out.glob("*/verbale.md"))
    verbale.write_text(verbale.read_text() + "\nNota della redazione: verificato.\n", encoding="utf-8")
    edited = verbale.read_bytes()

    templates = tmp_path / "modelli"
    templates.mkdir()
    packaged = (ROOT / "pipeline" / "documents" / "templates" / "verbale.md.j2").read_text(encoding="utf-8")
    (templates / "verbale.md.j2").write_text("COMUNE DI PROVA\n\n" + packaged, encoding="utf-8")
    before = len(log_lines(out))
    code, output = finish(verbali(str(source), "--templates", str(templates), out=out))
    assert code == 0, output
    second_run = log_lines(out)[before:]
    assert any("transcription: reused" in line for line in second_run)
    assert any("minutes: done" in line for line in second_run)
    assert verbale.read_bytes() == edited
    assert (verbale.parent / "verbale.bozza.md").read_text(encoding="utf-8").startswith("COMUNE DI PROVA")
    assert "kept verbale.md (edited by hand); new draft in verbale.bozza.md" in output
    assert "verbale.md -> verbale.bozza.md" in status_of(out)
