"""`verbali run` end to end on real recordings, and every kind of bad input."""

import json
import shutil
import wave

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import AMI_FOLDER, ITALIAN_CLIPS, MODELS

pytestmark = pytest.mark.models


def run(*args: str):
    result = CliRunner().invoke(main, ["run", "--models", str(MODELS), *args])
    assert "Traceback" not in result.output
    return result


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("error:", "waiting:"))]


def _silence(path, seconds=6):
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(16000)
        wav.writeframes(b"\0\0" * 16000 * seconds)


@pytest.fixture(scope="module")
def ami_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run(str(AMI_FOLDER), "--out", str(out), "--language", "en")
    return result, out / "2005-03-01-1012-remote-control-design-meeting"


def test_zoom_folder_end_to_end_writes_every_artifact(ami_run):
    result, folder = ami_run
    assert result.exit_code == 0, result.output
    names = {p.name for p in folder.iterdir()}
    assert names >= {
        "session.json",
        "transcript.json",
        "diarization.rttm",
        "transcript.srt",
        "transcript.vtt",
        "transcript.txt",
    }
    assert not [n for n in names if n.endswith(".partial")]


def test_the_command_line_leaves_the_review_apps_listening_copy(ami_run):
    from pydub.utils import mediainfo

    _, folder = ami_run
    info = mediainfo(str(folder / "audio.review.mp3"))
    assert info["codec_name"] == "mp3" and info["channels"] == "1"
    assert abs(float(info["duration"]) - 60.0) < 0.5


def test_transcript_json_has_the_documented_shape_and_track_names(ami_run):
    _, folder = ami_run
    transcript = json.loads((folder / "transcript.json").read_text())
    assert transcript["language"] == "en"
    speakers = {s["speaker"] for s in transcript["segments"]}
    assert speakers <= {"Anna Ferri", "Bianca Galli", "Carlo Moretti", "Dario Conte"} and len(speakers) >= 3
    segment = transcript["segments"][0]
    assert set(segment) >= {"start", "end", "speaker", "text", "words"}
    assert set(segment["words"][0]) == {"start", "end", "word", "probability"}
    session = json.loads((folder / "session.json").read_text())
    assert (session["date"], session["start_time"], session["meeting_id"]) == ("2005-03-01", "10:12:30", "84512345678")
    assert len(session["chat"]) == 3 and session["audio"] == "audio_only.m4a"
    rttm = (folder / "diarization.rttm").read_text().splitlines()
    assert rttm and all(line.startswith("SPEAKER 2005-03-01-1012") for line in rttm)


def test_plain_file_with_spaces_and_accents_in_its_path(tmp_path):
    folder = tmp_path / "Sessione di prova città"
    folder.mkdir()
    shutil.copy(ITALIAN_CLIPS / "leopard_test_it.wav", folder / "Plenaria povertà 2021-11-22 17.30.wav")
    result = run(str(folder), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    transcript = json.loads(next((tmp_path / "out").glob("2021-11-22-1730-*/transcript.json")).read_text())
    assert "radio" in " ".join(s["text"] for s in transcript["segments"]).lower()


def test_silence_gives_an_empty_transcript_and_a_warning(tmp_path):
    _silence(tmp_path / "silenzio.wav")
    result = run(str(tmp_path / "silenzio.wav"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "no speech found" in result.output
    transcript = json.loads(next((tmp_path / "out").glob("*/transcript.json")).read_text())
    assert transcript["segments"] == []


def test_recording_in_another_language(ami_run, tmp_path):
    result = run(str(AMI_FOLDER / "audio_only.m4a"), "--out", str(tmp_path))
    assert result.exit_code == 1
    assert _errors(result.output) and "in English" in result.output and "--language en" in result.output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: None, "no recordings found"),
        (lambda d: (d / "vuoto.m4a").touch(), "empty file (0 bytes)"),
        (lambda d: (d / "double_click_to_convert_01.zoom").write_bytes(b"zoom"), "not converted"),
        (lambda d: (d / "note.txt").write_text("niente"), "no recordings found"),
    ],
    ids=["empty-folder", "zero-length", "unconverted-zoom", "no-audio"],
)
def test_bad_folders_give_one_line_and_a_non_zero_exit(tmp_path, make, message):
    recording = tmp_path / "2021-11-22 17.30.00 Plenaria"
    recording.mkdir()
    make(recording)
    result = run(str(recording), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    errors = _errors(result.output)
    assert len(errors) == 1 and message in errors[0].lower().replace("has not converted", "not converted")


def test_missing_path(tmp_path):
    result = run(str(tmp_path / "non-esiste"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and len(_errors(result.output)) == 1


def test_one_corrupt_recording_does_not_stop_the_others(tmp_path):
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(ITALIAN_CLIPS / "cheetah_test_it.wav", recordings / "2021-11-22 buona.wav")
    (recordings / "2021-11-23 rotta.mp4").write_bytes((AMI_FOLDER / "zoom_0.mp4").read_bytes()[:30000])
    result = run(str(recordings), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "rotta" in " ".join(_errors(result.output))
    assert len(list((tmp_path / "out").glob("2021-11-22-*/transcript.json"))) == 1
    assert not list((tmp_path / "out").rglob("*.partial"))


def test_a_failed_rerun_keeps_what_was_produced(tmp_path):
    source = tmp_path / "2021-11-22 plenaria.wav"
    shutil.copy(ITALIAN_CLIPS / "cheetah_test_it_norm.wav", source)
    assert run(str(source), "--out", str(tmp_path / "out")).exit_code == 0
    transcript = next((tmp_path / "out").glob("*/transcript.json"))
    before = transcript.read_bytes()
    source.write_bytes(source.read_bytes()[:30])  # a truncated header: undecodable
    result = run(str(source), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and transcript.read_bytes() == before
