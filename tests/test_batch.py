"""``run_batch`` without models: the lock, the settle check, sorting sessions from problems, exit codes.

A small fake transcriber drives the orchestration (the real engines are tested on real audio in
test_transcribe, test_diarize, test_cli and test_sample); decoding, tables and documents are real.
"""

from __future__ import annotations

import json
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.artifacts import SCHEMA_VERSION, SchemaMismatch, Segment, Session, Tables, Transcript, Word
from pipeline.batch import BatchReport, ExitCode, outputs_lock, run_batch
from pipeline.cli import main
from pipeline.config import DiarizeOptions, Settings
from pipeline.errors import ModelUnavailable, NotConverted, RecordingError, RunInProgress, VerbaliError
from pipeline.ingest import discover
from pipeline.models import load_manifest
from pipeline.runner import Engines, SessionResult
from pipeline.storage.state import State
from tests.conftest import ITALIAN_CLIPS, MODELS

CLIP = ITALIAN_CLIPS / "leopard_test_it.wav"
SAID = "Grazie a tutti. Passiamo al tavolo uno, la parola alla portavoce."


class FakeTranscriber:
    """Says the same sentence for every recording; fails for a recording whose name contains ``fail``."""

    name = "fake"

    def language_probabilities(self, samples):
        return {}

    def count_tokens(self, text):
        return len(text.split())

    def transcribe(self, samples, options, hook, prompt=None):
        duration = len(samples) / 16000
        hook("transcription", total=duration, completed=0)
        if self.failing:
            raise VerbaliError("the fake transcriber refuses this recording")
        words, start = [], 0.0
        for token in SAID.split():
            words.append(Word(start, start + 0.3, f" {token}", 0.9))
            start += 0.35
        hook("transcription", total=duration, completed=duration)
        return Transcript("it", [Segment(0.0, start, SAID, words)], duration, self.name)

    failing = False


class FakeEngines(Engines):
    """Real ``Engines`` but for the transcriber; ``check`` is the real one unless ``models_ok``."""

    def __init__(self, settings: Settings, *, models_ok: bool = True) -> None:
        super().__init__(settings)
        self.models_ok = models_ok
        self.fake = FakeTranscriber()
        self.checked: list[list[str]] = []

    @property
    def transcriber(self):
        return self.fake

    def check(self, sessions):
        self.checked.append([s.session_id for s in sessions])
        if not self.models_ok:
            super().check(sessions)


class RecordingHooks:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.steps: set[str] = set()

    def session_started(self, session: Session) -> None:
        self.events.append(("started", session.session_id))

    def progress(self, session_id, step, *, total, completed) -> None:
        self.steps.add(step)

    def session_finished(self, result: SessionResult) -> None:
        self.events.append(("finished" if result.ok else "failed", result.session_id))


@pytest.fixture
def folders(tmp_path):
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    return recordings, tmp_path / "outputs"


def _settings(outputs: Path, models: Path = MODELS) -> Settings:
    return Settings(models_dir=models, outputs_dir=outputs, diarize=DiarizeOptions(method="none"))


def _recording(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copy(CLIP, target)
    return target


def test_a_batch_processes_each_session_through_the_hooks_and_exits_0(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    _recording(recordings, "Plenaria 2021-11-29 17.30.wav")
    hooks = RecordingHooks()
    settings = _settings(outputs)
    report = run_batch([recordings], settings, settle=0, hooks=hooks, engines=FakeEngines(settings))
    assert report.exit_code == ExitCode.OK, report
    assert [r.ok for r in report.results] == [True, True]
    ids = [r.session_id for r in report.results]
    assert hooks.events == [("started", ids[0]), ("finished", ids[0]), ("started", ids[1]), ("finished", ids[1])]
    assert {"audio", "transcription"} <= hooks.steps
    transcript = json.loads((outputs / ids[0] / "transcript.json").read_text())
    assert transcript["segments"][0]["text"] == SAID
    assert (outputs / ids[0] / "verbale.md").exists()
    again = run_batch([recordings], settings, settle=0, engines=FakeEngines(settings))
    assert again.exit_code == ExitCode.OK and all(r.unchanged for r in again.results)


def test_the_default_is_the_recordings_folder_of_the_settings(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    settings = Settings(models_dir=MODELS, outputs_dir=outputs, recordings_dir=recordings)
    settings = Settings(**{**settings.__dict__, "diarize": DiarizeOptions(method="none")})
    report = run_batch([], settings, settle=0, engines=FakeEngines(settings))
    assert [r.ok for r in report.results] == [True]


def test_a_second_run_on_the_same_outputs_exits_3_and_touches_nothing(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    hooks = RecordingHooks()
    settings = _settings(outputs)
    with outputs_lock(outputs):
        report = run_batch([recordings], settings, settle=0, hooks=hooks, engines=FakeEngines(settings))
    assert report.exit_code == ExitCode.RUN_IN_PROGRESS == 3
    assert isinstance(report.error, RunInProgress) and "pid " in str(report.error)
    assert hooks.events == [] and not report.results
    assert not (outputs / "verbali.db").exists()


def test_an_injected_lock_replaces_the_file_lock(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    entered: list[str] = []

    @contextmanager
    def shared_lock():
        entered.append("in")
        yield
        entered.append("out")

    settings = _settings(outputs)
    with outputs_lock(outputs):  # the file lock is held, yet the injected one decides
        report = run_batch([recordings], settings, settle=0, engines=FakeEngines(settings), lock=shared_lock())
    assert report.exit_code == ExitCode.OK and entered == ["in", "out"]


def test_a_lock_that_refuses_stops_the_batch_with_its_error(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")

    @contextmanager
    def taken():
        raise RunInProgress("another worker holds the batch lock")
        yield

    settings = _settings(outputs)
    report = run_batch([recordings], settings, settle=0, engines=FakeEngines(settings), lock=taken())
    assert report.exit_code == 3 and "another worker" in str(report.error)


def test_a_session_still_being_written_waits_for_the_next_run(folders):
    recordings, outputs = folders
    growing = _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    settings = _settings(outputs)
    engines = FakeEngines(settings)

    def append():
        with growing.open("ab") as stream:
            stream.write(b"\0" * 3200)

    writer = threading.Timer(0.2, append)
    writer.start()
    report = run_batch([recordings], settings, settle=1.5, engines=engines)
    writer.join()
    assert [s.session_id for s in report.waiting] == ["2021-11-22-1730-plenaria"]
    assert report.results == [] and engines.checked == []  # nothing to do: models not even checked
    assert report.exit_code == ExitCode.FAILED  # nothing could be done
    with State(outputs / "verbali.db") as state:
        assert [(r.session_id, r.status) for r in state.sessions()] == [("2021-11-22-1730-plenaria", "waiting")]
    later = run_batch([recordings], settings, settle=0.2, engines=engines)
    assert later.exit_code == ExitCode.OK and [r.ok for r in later.results] == [True]


def test_problems_are_sorted_from_sessions_and_the_good_ones_still_run(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    (recordings / "vuoto 2021-11-23.m4a").write_bytes(b"")
    zoom = recordings / "2021-11-24 17.30.00 Tavolo 81234567890"
    zoom.mkdir()
    (zoom / "double_click_to_convert_01.zoom").write_bytes(b"zoom")
    settings = _settings(outputs)
    report = run_batch([recordings], settings, settle=0, engines=FakeEngines(settings))
    assert [r.ok for r in report.results] == [True]
    assert [type(p) for p in report.problems] == [RecordingError] and "empty file" in str(report.problems[0])
    assert [type(u) for u in report.unconverted] == [NotConverted]
    assert report.exit_code == ExitCode.FAILED


def test_a_failing_session_fails_alone(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    _recording(recordings, "Plenaria 2021-11-29 17.30.wav")
    settings = _settings(outputs)
    engines = FakeEngines(settings)

    class FailSecond(RecordingHooks):
        def session_started(self, session):
            super().session_started(session)
            engines.fake.failing = session.session_id.startswith("2021-11-29")

    report = run_batch([recordings], settings, settle=0, engines=engines, hooks=FailSecond())
    assert [r.ok for r in report.results] == [True, False]
    assert report.failed[0].error.startswith("transcription: the fake transcriber refuses")
    assert report.exit_code == ExitCode.FAILED
    assert report.syntheses  # the synthesis still follows the session that went well


def _models_without_weights(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    return models


def test_missing_models_stop_the_batch_once_before_any_session_with_exit_4(folders, tmp_path):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    _recording(recordings, "Plenaria 2021-11-29 17.30.wav")
    settings = _settings(outputs, _models_without_weights(tmp_path))
    hooks = RecordingHooks()
    report = run_batch([recordings], settings, settle=0, hooks=hooks, engines=FakeEngines(settings, models_ok=False))
    assert report.exit_code == ExitCode.MODELS_MISSING == 4
    assert isinstance(report.error, ModelUnavailable)
    assert "verbali models install whisper-base" in str(report.error)
    assert hooks.events == [] and report.results == []


def _sparse_install(models: Path, name: str) -> None:
    """Files of the manifest's sizes (sparse, no weights): what the quick check looks at."""
    spec = load_manifest(models)[name]
    for file in spec.files:
        path = models / name / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            stream.truncate(file.size)


def test_pyannote_is_checked_only_when_a_session_needs_it(folders, tmp_path):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    sessions = discover(recordings)
    models = _models_without_weights(tmp_path)
    _sparse_install(models, "whisper-base")
    Engines(_settings(outputs, models)).check(sessions)  # diarization none: Whisper only
    pyannote = Settings(models_dir=models, outputs_dir=outputs)  # auto: pyannote for a plain file
    with pytest.raises(ModelUnavailable, match="verbali models install pyannote-campplus"):
        Engines(pyannote).check(sessions)


def test_the_command_line_says_so_in_one_line_and_exits_4(folders, tmp_path):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    _recording(recordings, "Plenaria 2021-11-29 17.30.wav")
    models = _models_without_weights(tmp_path)
    result = CliRunner().invoke(
        main, ["run", str(recordings), "--out", str(outputs), "--models", str(models), "--settle", "0"]
    )
    assert result.exit_code == 4, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [line for line in lines if line.startswith("error:")] and len(lines) == 1
    assert "verbali models install whisper-base" in lines[0]


@pytest.mark.parametrize(
    ("report", "code"),
    [
        (BatchReport(), 0),
        (BatchReport(results=[SessionResult("a", "a", ok=True)]), 0),
        (BatchReport(results=[SessionResult("a", "a", ok=True), SessionResult("b", "b")]), 1),
        (BatchReport(results=[SessionResult("a", "a", ok=True)], problems=[RecordingError("x", "bad")]), 1),
        (BatchReport(unconverted=[NotConverted("x", "not yet")]), 1),
        (BatchReport(error=RunInProgress("busy")), 3),
        (BatchReport(error=ModelUnavailable("run `verbali models install whisper-base`")), 4),
    ],
)
def test_the_exit_code_follows_from_the_report(report, code):
    assert report.exit_code == code


def test_a_malformed_programme_is_reported_at_ingest_and_the_session_goes_on(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    (recordings / "programma.yaml").write_text("processo: Piano sociale\ntavoli: [unclosed\n")
    seen: list[tuple[str, list[str]]] = []

    class Watching(RecordingHooks):
        def session_started(self, session):
            seen.append(("started", list(session.warnings)))

        def progress(self, session_id, step, *, total, completed):
            seen.append((step, []))

    settings = _settings(outputs)
    report = run_batch([recordings], settings, settle=0, engines=FakeEngines(settings), hooks=Watching())
    assert report.exit_code == ExitCode.OK and report.results[0].ok
    started, warnings = seen[0]
    assert started == "started" and len(warnings) == 1  # before decoding or transcription
    assert "programma.yaml: is not valid YAML" in warnings[0]
    assert "goes on without the programme" in warnings[0]
    assert report.results[0].warnings == warnings and report.results[0].ingest_warnings == 1
    assert not (outputs / report.results[0].session_id / "programma.json").exists()


def test_the_terminal_shows_ingest_warnings_when_the_session_starts(folders):
    from io import StringIO

    from rich.console import Console

    from pipeline.progress import ConsoleHooks

    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    (recordings / "programma.yaml").write_text("tavoli: 3\n")
    screen = StringIO()
    settings = _settings(outputs)
    hooks = ConsoleHooks(Console(file=screen, width=300), bars=False)
    run_batch([recordings], settings, settle=0, engines=FakeEngines(settings), hooks=hooks)
    lines = screen.getvalue().splitlines()
    assert lines[0].startswith("2021-11-22-1730-plenaria")
    assert lines[1].startswith("warning: 2021-11-22-1730-plenaria: ") and "'tavoli' should be a list" in lines[1]


def test_editing_a_packaged_cue_file_reruns_the_tables_and_documents_only(folders, tmp_path, monkeypatch):
    import pipeline.runner
    from pipeline.locations import PACKAGED_DATA

    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    settings = _settings(outputs)
    engines = FakeEngines(settings)
    assert run_batch([recordings], settings, settle=0, engines=engines).exit_code == 0
    data = tmp_path / "data-it"
    shutil.copytree(PACKAGED_DATA, data)  # the same content: the fingerprints digest content, not paths
    monkeypatch.setattr(pipeline.runner, "PACKAGED_DATA", data)
    same = run_batch([recordings], settings, settle=0, engines=engines)
    assert same.results[0].unchanged
    cue_file = sorted(data.glob("*.jsonl"))[0]
    cue_file.write_text(cue_file.read_text() + "\n", encoding="utf-8")
    edited = run_batch([recordings], settings, settle=0, engines=engines)
    assert set(edited.results[0].timings) == {"tables", "minutes"}
    assert {"audio", "transcription", "diarization", "alignment"} <= set(edited.results[0].reused)


def test_an_artifact_of_another_schema_version_is_redone_not_misread(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    settings = _settings(outputs)
    engines = FakeEngines(settings)
    first = run_batch([recordings], settings, settle=0, engines=engines)
    tables_file = outputs / first.results[0].session_id / "tables.json"
    data = json.loads(tables_file.read_text())
    tables_file.write_text(json.dumps({**data, "schema_version": 99}))
    again = run_batch([recordings], settings, settle=0, engines=engines)
    assert again.exit_code == 0 and "tables" in again.results[0].timings
    assert json.loads(tables_file.read_text())["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(("version", "age"), [(SCHEMA_VERSION + 1, "a newer"), (0, "an older")])
def test_loading_another_schema_version_says_which_and_what_to_do(version, age):
    with pytest.raises(SchemaMismatch, match=rf"tables.json was written by {age} verbali .*--force"):
        Tables.from_dict({"schema_version": version, "tables": []})


def test_a_worker_hands_over_one_session_with_its_own_state_and_no_synthesis(folders):
    recordings, outputs = folders
    _recording(recordings, "Plenaria 2021-11-22 17.30.wav")
    [session] = discover(recordings)
    settings = _settings(outputs)
    state_file = outputs / session.session_id / ".verbali-session.db"
    report = run_batch(
        (), settings, sessions=[session], engines=FakeEngines(settings), settle=0,
        state_file=state_file, syntheses=False,
    )  # fmt: skip
    assert report.exit_code == ExitCode.OK and [r.session_id for r in report.results] == [session.session_id]
    assert state_file.is_file() and not (outputs / "verbali.db").exists()  # never the shared state
    assert report.syntheses == [] and not list(outputs.glob("*/sintesi.md"))
