"""The review app's API against bad and hostile requests: right status, nothing on disk changed.

A real uvicorn server on 127.0.0.1 over a session built from real material: a hand-labelled
plenary transcript through the real tables stage and renderer, with a real Italian clip as audio.
Uploaded folders are handed to a recorder instead of the pipeline (the browser test processes
them for real).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from pipeline.artifacts import Session, Transcript
from pipeline.audio import decode
from pipeline.config import Settings
from pipeline.review.app import create_app
from pipeline.review.approval import NO_LIBREOFFICE, soffice
from pipeline.review.records import CORRECTIONS_FILE
from pipeline.storage.files import write_json
from tests.conftest import DATA, ITALIAN_CLIPS, ROOT

SESSION_ID = "2021-11-22-1730-plenaria-pavia"
PLENARY = DATA / "plenaries" / "pavia-2021-11-22.transcript.json"


class SubmittedFolders:
    """Stands in for the background processor: records what an upload hands over."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.jobs: dict = {}

    def submit(self, folder: Path) -> None:
        self.folders.append(folder)

    def running(self) -> dict:
        return {}

    def stop(self) -> None:
        return None


def make_session(outputs: Path, session_id: str = SESSION_ID) -> Path:
    from pipeline.review.documents import regenerate
    from pipeline.tables import find_tables

    folder = outputs / session_id
    folder.mkdir(parents=True)
    transcript = Transcript.from_dict(json.loads(PLENARY.read_text(encoding="utf-8")))
    clip = ITALIAN_CLIPS / "leopard_test_it.wav"
    session = Session(session_id, "file", str(clip), "Plenaria Pavia", "2021-11-22", "17:30:00", audio=clip.name)
    write_json(folder / "session.json", session.to_dict())
    write_json(folder / "transcript.json", transcript.to_dict())
    write_json(folder / "tables.json", find_tables(transcript).to_dict())
    decode(clip, folder / "audio.16k.wav")
    regenerate(folder, Settings(outputs_dir=outputs))
    return folder


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import uvicorn

    root = tmp_path_factory.mktemp("review-api")
    settings = Settings(outputs_dir=root / "outputs", recordings_dir=root / "recordings")
    settings.recordings_dir.mkdir()
    make_session(settings.outputs_dir)
    submitted = SubmittedFolders()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, processor=submitted), host="127.0.0.1", port=0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        yield client, settings, submitted, port
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def unchanged(site):
    """Asserts that the test left outputs/ and recordings/ exactly as they were."""
    _, settings, _, _ = site
    before = snapshot(settings.outputs_dir, settings.recordings_dir)
    yield
    assert snapshot(settings.outputs_dir, settings.recordings_dir) == before


JSON_HEADERS = {"Content-Type": "application/json"}


def _correction(base: int, **fields) -> dict:
    return {"base": base, "by": "test", **fields}


def _version(client) -> int:
    return client.get(f"/api/sessions/{SESSION_ID}/corrections").json()["versione"]


# --------------------------------------------------------------------------- corrections


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "JSON"),
        (b"[1, 2]", "oggetto JSON"),
        (json.dumps({"op": "rename_speaker", "from": "A", "to": "B"}).encode(), "manca base"),
        (json.dumps(_correction(-1, op="rename_speaker", **{"from": "A", "to": "B"})).encode(), "manca base"),
        (json.dumps(_correction(0, op="drop_table")).encode(), "operazione sconosciuta"),
        (json.dumps(_correction(0, op="undo", ids=[1])).encode(), "op"),
        (json.dumps(_correction(0, op="move_heading", sentence={"start": 3}, heading="rete")).encode(), "anchor"),
        (json.dumps(_correction(0, op="move_heading", sentence={"start": 1, "end": 2}, heading="x")).encode(),
         "intestazione"),
        (json.dumps(_correction(0, op="rename_speaker", **{"from": "A", "to": 7})).encode(), "testo"),
    ],
)  # fmt: skip
def test_a_malformed_correction_is_refused_and_nothing_is_written(site, unchanged, body, message):
    client, _, _, _ = site
    response = client.post(f"/api/sessions/{SESSION_ID}/corrections", content=body, headers=JSON_HEADERS)
    assert response.status_code == 422
    assert message in response.json()["errore"]


HOSTILE_IDS = ["sconosciuta", "%2e%2e", ".%2E", "..%2F..%2Fetc", ".hidden", "a..b", "x%00y", "%2Fetc%2Fpasswd"]


@pytest.mark.parametrize("session_id", HOSTILE_IDS)
def test_unknown_or_hostile_session_ids_are_not_found(site, unchanged, session_id):
    client, _, _, _ = site
    for method, path in [
        ("GET", f"/sessione/{session_id}"),
        ("GET", f"/sessione/{session_id}/audio"),
        ("GET", f"/sessione/{session_id}/anteprima"),
        ("GET", f"/sessione/{session_id}/file/verbale.md"),
        ("GET", f"/api/sessions/{session_id}/corrections"),
        ("POST", f"/api/sessions/{session_id}/regenerate"),
        ("POST", f"/api/sessions/{session_id}/approve"),
    ]:
        response = client.request(method, path, json={})
        assert response.status_code == 404, (method, path, response.text)
    response = client.post(
        f"/api/sessions/{session_id}/corrections", json=_correction(0, op="replace", find="a", replace="b")
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["..%2Fsession.json", "session.json", CORRECTIONS_FILE, ".corrections.jsonl.lock", "%2e%2e", "audio.16k.wav"],
)
def test_only_documents_are_served_by_name(site, unchanged, name):
    client, _, _, _ = site
    assert client.get(f"/sessione/{SESSION_ID}/file/{name}").status_code == 404
    assert client.get(f"/sessione/{SESSION_ID}/file/verbale.md").status_code == 200


def test_a_correction_on_a_stale_version_gets_409_and_a_clear_message(site):
    client, settings, _, _ = site
    base = _version(client)
    first = _correction(base, op="replace", find="Rosetti", replace="Rossetti", case_sensitive=True)
    assert client.post(f"/api/sessions/{SESSION_ID}/corrections", json=first).status_code == 201
    before = snapshot(settings.outputs_dir)
    late = _correction(base, op="rename_speaker", **{"from": "SPEAKER_02", "to": "Giulia Bianchi"})
    response = client.post(f"/api/sessions/{SESSION_ID}/corrections", json=late)
    assert response.status_code == 409
    assert "modificata da un'altra persona" in response.json()["errore"]
    assert response.json()["versione"] == base + 1
    assert snapshot(settings.outputs_dir) == before


def test_undo_the_last_correction(site):
    client, _, _, _ = site
    base = _version(client)
    rename = _correction(base, op="rename_speaker", **{"from": "SPEAKER_05", "to": "Persona Rinominata"})
    assert client.post(f"/api/sessions/{SESSION_ID}/corrections", json=rename).status_code == 201
    assert "Persona Rinominata" in client.get(f"/sessione/{SESSION_ID}/trascrizione").text
    response = client.post(f"/api/sessions/{SESSION_ID}/undo", json={"base": base + 1, "by": "test"})
    assert response.status_code == 201 and response.json()["correzione"]["ids"] == [base + 1]
    assert "Persona Rinominata" not in client.get(f"/sessione/{SESSION_ID}/trascrizione").text


# --------------------------------------------------------------------------- audio


def test_the_review_audio_is_an_mp3_served_with_ranges(site):
    client, settings, _, _ = site
    whole = client.get(f"/sessione/{SESSION_ID}/audio")
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/sessione/{SESSION_ID}/audio", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(whole.content)}"
    assert part.content == whole.content[1000:2000]
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name,duration", "-of", "json",
         str(settings.outputs_dir / SESSION_ID / "audio.review.mp3")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    described = json.loads(probe.stdout)["format"]
    assert described["format_name"] == "mp3"
    from pipeline.audio import wav_duration

    assert float(described["duration"]) == pytest.approx(
        wav_duration(settings.outputs_dir / SESSION_ID / "audio.16k.wav"), abs=0.1
    )


# --------------------------------------------------------------------------- access


def test_a_token_is_required_when_one_is_set(tmp_path):
    outputs = tmp_path / "outputs"
    make_session(outputs)
    settings = Settings(outputs_dir=outputs, recordings_dir=tmp_path / "recordings")
    with TestClient(create_app(settings, token="segreto", processor=SubmittedFolders())) as client:
        for headers in ({}, {"Authorization": "Bearer sbagliato"}, {"Authorization": "segreto"}):
            response = client.get(f"/sessione/{SESSION_ID}", headers=headers)
            assert response.status_code == 401 and "codice di accesso" in response.json()["errore"]
        post = client.post(f"/api/sessions/{SESSION_ID}/corrections", json=_correction(0, op="replace", find="a"))
        assert post.status_code == 401 and not (outputs / SESSION_ID / CORRECTIONS_FILE).exists()
        assert client.get("/?token=sbagliato").status_code == 401
        assert client.get("/", headers={"Authorization": "Bearer segreto"}).status_code == 200
        login = client.get(f"/sessione/{SESSION_ID}?token=segreto", follow_redirects=False)
        assert login.status_code == 303 and "token" not in login.headers["location"]
        assert client.get(f"/sessione/{SESSION_ID}").status_code == 200  # the cookie


def test_changes_asked_by_another_site_or_host_name_are_refused(site, unchanged):
    client, _, _, _ = site
    body = _correction(_version(client), op="replace", find="Rosetti", replace="Rossetti")
    url = f"/api/sessions/{SESSION_ID}/corrections"
    evil = client.post(url, json=body, headers={"Origin": "http://sito-estraneo.example"})
    assert evil.status_code == 403 and "altro sito" in evil.json()["errore"]
    form = client.post(url, content=json.dumps(body), headers={"Content-Type": "text/plain"})
    assert form.status_code == 415  # a plain form post from another page, without CORS preflight
    rebound = client.post(url, json=body, headers={"Host": "sito-estraneo.example"})
    assert rebound.status_code == 400  # a name that resolves to 127.0.0.1 (DNS rebinding)
    assert client.post(f"/api/sessions/{SESSION_ID}/regenerate").status_code == 415


def test_only_loopback_is_served_without_a_token():
    from pipeline.review.cli import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")


# --------------------------------------------------------------------------- uploads

FOLDER = "2021-11-22 17.30.00 Plenaria 81234567890"


@pytest.mark.parametrize(
    "path",
    [
        "audio_only.m4a",  # not inside a folder
        f"../{FOLDER}/audio_only.m4a",
        f"{FOLDER}/../audio_only.m4a",
        f"{FOLDER}/Audio Record/../../x.m4a",
        f"/{FOLDER}/audio_only.m4a",
        f"C:\\Zoom\\{FOLDER}\\audio_only.m4a",
        f"{FOLDER}/.hidden",
        f".{FOLDER}/audio_only.m4a",
        f"{FOLDER}//audio_only.m4a",
        f"{FOLDER}/a\x00b.m4a",
    ],
)
def test_hostile_or_loose_upload_names_are_refused(site, unchanged, path):
    client, _, _, _ = site
    files = [{"path": f"{FOLDER}/chat.txt", "size": 3}, {"path": path, "size": 3}]
    response = client.post("/api/uploads", json={"files": files})
    assert response.status_code == 400, response.text
    assert response.json()["errore"]


@pytest.mark.parametrize("path", ["../x.m4a", "a/../../x.m4a", "/etc/passwd", ".part"])
def test_hostile_names_in_a_file_stream_are_refused(site, unchanged, path):
    client, _, _, _ = site
    response = client.put(f"/api/uploads/{FOLDER}/file", params={"path": path, "offset": 0}, content=b"abc")
    assert response.status_code in (400, 404), response.text


def test_an_upload_larger_than_the_free_disk_is_refused_and_leaves_nothing(site, unchanged):
    client, settings, _, _ = site
    free = shutil.disk_usage(settings.recordings_dir).free
    files = [{"path": f"{FOLDER}/zoom_0.mp4", "size": free + 10**9}, {"path": f"{FOLDER}/chat.txt", "size": 10}]
    response = client.post("/api/uploads", json={"files": files})
    assert response.status_code == 507
    assert "spazio su disco insufficiente" in response.json()["errore"]


def _cut_off_put(port: int, folder: str, path: str, declared: int, sent: bytes) -> None:
    """A PUT announcing ``declared`` bytes that sends fewer and drops the connection."""
    target = f"/api/uploads/{httpx.URL(path=folder).raw_path.decode()}/file?path={path}&offset=0"
    with socket.create_connection(("127.0.0.1", port)) as connection:
        head = f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {declared}\r\n\r\n"
        connection.sendall(head.encode() + sent)
        time.sleep(0.5)


def test_an_upload_cut_off_halfway_resumes_and_only_then_appears(site):
    client, settings, submitted, port = site
    audio = (ITALIAN_CLIPS / "cheetah_test_it.wav").read_bytes()
    chat = b"17:31:02 From Elena Rinaldi to Everyone:\r\n\tBuonasera\r\n"
    files = [
        {"path": f"{FOLDER}/audio_only.m4a", "size": len(audio)},
        {"path": f"{FOLDER}/chat.txt", "size": len(chat)},
    ]
    started = client.post("/api/uploads", json={"files": files})
    assert started.status_code == 201 and started.json()["ricevuti"] == {"audio_only.m4a": 0, "chat.txt": 0}
    assert client.put(f"/api/uploads/{FOLDER}/file", params={"path": "chat.txt"}, content=chat).status_code == 200

    half = len(audio) // 2
    _cut_off_put(port, FOLDER, "audio_only.m4a", len(audio), audio[:half])
    received = client.get(f"/api/uploads/{FOLDER}").json()["ricevuti"]["audio_only.m4a"]
    assert 0 < received <= half
    assert not (settings.recordings_dir / FOLDER).exists()  # never a finished recording
    assert client.post(f"/api/uploads/{FOLDER}/finish", json={}).status_code == 409
    again = client.post("/api/uploads", json={"files": files})  # the same folder picked again
    assert again.status_code == 201 and again.json()["ricevuti"]["audio_only.m4a"] == received

    wrong = client.put(f"/api/uploads/{FOLDER}/file", params={"path": "audio_only.m4a", "offset": 0}, content=audio)
    assert wrong.status_code == 409 and wrong.json()["ricevuti"] == received
    rest = client.put(
        f"/api/uploads/{FOLDER}/file", params={"path": "audio_only.m4a", "offset": received}, content=audio[received:]
    )
    assert rest.status_code == 200 and rest.json()["ricevuti"] == len(audio)
    assert client.post(f"/api/uploads/{FOLDER}/finish", json={}).status_code == 201
    placed = settings.recordings_dir / FOLDER
    assert (placed / "audio_only.m4a").read_bytes() == audio and (placed / "chat.txt").read_bytes() == chat
    assert sorted(p.name for p in placed.iterdir()) == ["audio_only.m4a", "chat.txt"]
    assert submitted.folders == [placed]
    assert not list(settings.recordings_dir.glob(".upload-*/"))

    before = snapshot(settings.recordings_dir)
    duplicate = client.post("/api/uploads", json={"files": files})
    assert duplicate.status_code == 409 and "già stata caricata" in duplicate.json()["errore"]
    assert snapshot(settings.recordings_dir) == before


def test_a_file_longer_than_announced_is_refused(site):
    client, _, _, _ = site
    folder = "2021-11-23 10.00.00 Altra 81234567891"
    files = [{"path": f"{folder}/chat.txt", "size": 4}]
    assert client.post("/api/uploads", json={"files": files}).status_code == 201
    response = client.put(f"/api/uploads/{folder}/file", params={"path": "chat.txt"}, content=b"troppo lungo")
    assert response.status_code == 400
    assert client.get(f"/api/uploads/{folder}").json()["ricevuti"] == {"chat.txt": 0}


# --------------------------------------------------------------------------- approval and labels


def test_approval_freezes_and_export_labels_writes_the_labelled_format(tmp_path):
    from pipeline.cli import main
    from tests.test_tables import score_tables

    outputs = tmp_path / "outputs"
    folder = make_session(outputs)
    settings = Settings(outputs_dir=outputs, recordings_dir=tmp_path / "recordings")
    with TestClient(create_app(settings, processor=SubmittedFolders()), base_url="http://127.0.0.1") as client:
        sentence = next(
            s for t in json.loads((folder / "tables.json").read_text())["tables"][:1] for s in t["sentences"]
            if s["heading"] == "criticita"
        )  # fmt: skip
        anchor = {"start": sentence["start"], "end": sentence["end"], "text": sentence["text"]}
        body = _correction(0, op="move_heading", sentence=anchor, heading="proposte")
        assert client.post(f"/api/sessions/{SESSION_ID}/corrections", json=body).status_code == 201
        approved = client.post(f"/api/sessions/{SESSION_ID}/approve", json={"by": "test"})
        assert approved.status_code == 200
        if soffice():
            assert approved.json()["approvazione"]["pdfa"] == "verbale.pdf"
            assert b"<pdfaid:part>2</pdfaid:part>" in (folder / "verbale.pdf").read_bytes()  # PDF/A-2
        else:
            assert approved.json()["approvazione"]["notes"] == [NO_LIBREOFFICE]
            assert "LibreOffice non è installato" in client.get(f"/sessione/{SESSION_ID}").text
        late = client.post(f"/api/sessions/{SESSION_ID}/corrections", json=_correction(1, op="replace", find="a"))
        assert late.status_code == 409 and "approvata" in late.json()["errore"]

    target = tmp_path / "labels"
    result = CliRunner().invoke(main, ["export-labels", "--out", str(outputs), "--dir", str(target)])
    assert result.exit_code == 0, result.output
    session = score_tables.LabelledSession(
        SESSION_ID, target / f"{SESSION_ID}.transcript.json", target / f"{SESSION_ID}.labels.json"
    )
    transcript, labels = session.load()
    from pipeline.review.documents import load_artifacts

    reviewed = load_artifacts(folder).reviewed()
    scores = score_tables.score_session(reviewed.tables, labels)
    assert (scores.recall, scores.precision, scores.number_accuracy) == (1.0, 1.0, 1.0)
    assert scores.heading_accuracy == 1.0
    moved = [u for u in labels.units if abs(u.start - sentence["start"]) < 0.01]
    assert moved and moved[0].heading == "proposte"
    assert transcript.text.replace(" ", "") == reviewed.transcript.text.replace(" ", "")


def _serve(tmp_path: Path, host: str, env: dict) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "pipeline", "review", "--host", host, "--port", str(port)]
    command += ["--out", str(tmp_path / "outputs"), "--recordings", str(tmp_path / "recordings")]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        with socket.socket() as attempt:
            if attempt.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.1)
    process.kill()
    raise AssertionError(process.stderr.read())


def test_verbali_review_off_loopback_requires_the_token(tmp_path):
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT), "VERBALI_REVIEW_TOKEN": "codice-di-prova"}
    process, port = _serve(tmp_path, "0.0.0.0", env)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 401
        authorised = httpx.get(f"http://127.0.0.1:{port}/", headers={"Authorization": "Bearer codice-di-prova"})
        assert authorised.status_code == 200 and "Carica una registrazione Zoom" in authorised.text
    finally:
        process.terminate()
        process.wait(timeout=20)

    env.pop("VERBALI_REVIEW_TOKEN")
    process, port = _serve(tmp_path, "0.0.0.0", env)
    process.terminate()
    _, errors = process.communicate(timeout=20)
    printed = re.search(r"access token \(shown once\): (\S+)", errors)
    assert printed and len(printed.group(1)) >= 20
