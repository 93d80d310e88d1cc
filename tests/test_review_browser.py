"""The review app as an editor uses it: a real headless Chromium against uvicorn on 127.0.0.1.

One server and one processed sample session for the whole module: the sample Zoom folder is
uploaded through the page's folder picker, processed by the real pipeline in the background,
reviewed, corrected, regenerated and approved; then a re-run leaves the approved documents alone.
Set VERBALI_SCREENSHOTS=<folder> to keep screenshots of the pages (docs/images/review-*.png).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from pipeline.config import Settings
from tests.conftest import MODELS, ROOT

pytestmark = pytest.mark.models
SAMPLE = next((ROOT / "recordings").glob("2021-11-22 *"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from pipeline.review.app import create_app

    root = tmp_path_factory.mktemp("review")
    settings = Settings(models_dir=MODELS, outputs_dir=root / "outputs", recordings_dir=root / "recordings")
    app = create_app(settings)
    port = _free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings, app
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (setup.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="it-IT")
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.on("dialog", lambda dialog: dialog.accept())
    yield opened
    context.close()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("VERBALI_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"review-{name}.png"))


@pytest.fixture(scope="module")
def session_id(server, page):
    """The sample folder uploaded with the folder picker and processed in the background."""
    base, _, _ = server
    page.goto(base + "/")
    page.fill("#editor-name", "Giulia Test")
    page.dispatch_event("#editor-name", "change")
    page.set_input_files("#folder-picker", str(SAMPLE))
    page.wait_for_selector("#sessions .state-running", timeout=60_000)
    page.wait_for_selector("#sessions .progress-text >> text=/trascrizione \\d+ %/", timeout=120_000)
    _screenshot(page, "upload")
    link = page.wait_for_selector("#sessions a[href^='/sessione/']", timeout=600_000)
    _screenshot(page, "sessions")
    return link.get_attribute("href").rsplit("/", 1)[1]


def test_the_uploaded_folder_is_in_place_and_processed(server, session_id):
    _, settings, _ = server
    uploaded = settings.recordings_dir / SAMPLE.name
    sources = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    assert sorted(p.relative_to(uploaded) for p in uploaded.rglob("*") if p.is_file()) == sources
    assert all((uploaded / p).read_bytes() == (SAMPLE / p).read_bytes() for p in sources)
    assert [p.name for p in settings.recordings_dir.iterdir() if not p.name.endswith(".lock")] == [SAMPLE.name]
    folder = settings.outputs_dir / session_id
    assert (folder / "verbale.md").exists() and (folder / "audio.review.mp3").exists()


def test_play_click_to_seek_and_keys(server, page, session_id):
    base, _, _ = server
    page.goto(f"{base}/sessione/{session_id}")
    item = page.locator("#transcript .item").nth(8)
    start = float(item.get_attribute("data-start"))
    item.locator(".text").click()
    page.wait_for_function(f"document.getElementById('player').currentTime > {start + 0.5}")
    assert page.evaluate("document.getElementById('player').paused") is False
    highlighted = page.wait_for_selector(".w.now")
    heard_at = page.evaluate("document.getElementById('player').currentTime")
    assert abs(float(highlighted.get_attribute("data-s")) - heard_at) < 3.0
    _screenshot(page, "session")
    page.locator("body").press(" ")
    page.wait_for_function("document.getElementById('player').paused")
    before = page.evaluate("document.getElementById('player').currentTime")
    page.locator("body").press("ArrowRight")
    after = page.evaluate("document.getElementById('player').currentTime")
    assert after == pytest.approx(before + 5, abs=0.3)
    page.locator("body").press("-")
    assert page.evaluate("document.getElementById('player').playbackRate") == 0.75


def _saved(page) -> None:
    """Waits for the answer to a save (not the hint shown while a text is being corrected)."""
    page.wait_for_function(
        "() => { const m = document.getElementById('message');"
        " return !m.hidden && !m.textContent.startsWith('Correggi il testo'); }"
    )
    assert page.inner_text("#message") == "Correzione salvata.", page.inner_text("#message")
    page.evaluate("document.getElementById('message').hidden = true")


def _table_section(markdown: str, number: int) -> str:
    return markdown.split(f"### Tavolo {number}", 1)[1].split("\n### ", 1)[0]


def _heading_section(table: str, title: str) -> str:
    return table.split(f"#### {title}", 1)[1].split("\n#### ", 1)[0]


def test_rename_a_speaker_move_a_sentence_and_regenerate(server, page, session_id):
    base, settings, _ = server
    folder = settings.outputs_dir / session_id
    page.goto(f"{base}/sessione/{session_id}")
    spokesperson = page.locator(".table-form input[name=spokesperson]").first.input_value()
    row = page.locator(f".speakers li[data-speaker='{spokesperson}']")
    row.locator(".rename-to").fill(f"{spokesperson}, Cooperativa Il Ponte")
    row.locator(".rename").click()
    _saved(page)
    moved_at = page.locator("#transcript .item").evaluate_all(
        "items => items.find(i => i.dataset.table === '0' && i.querySelector('select.heading').value"
        " === 'criticita' && i.dataset.text.split(' ').length > 4).dataset.start"
    )
    clock = time.strftime("%H:%M:%S", time.gmtime(int(float(moved_at))))
    page.select_option(f"#transcript .item[data-start='{moved_at}'] select.heading", "rete")
    _saved(page)
    assert page.locator(f"#transcript .item[data-start='{moved_at}'] select.heading").input_value() == "rete"
    before = (folder / "verbale.md").read_text(encoding="utf-8")
    page.click("#regenerate")
    page.wait_for_selector("#message:not([hidden]) >> text=Verbale rigenerato")
    after = (folder / "verbale.md").read_text(encoding="utf-8")
    assert after != before
    table = _table_section(after, 1)
    assert f"**{spokesperson}, Cooperativa Il Ponte" in table
    assert f"[{clock}]" in _heading_section(table, "Lavoro di rete")
    assert f"[{clock}]" not in _heading_section(table, "Criticità")
    assert f"[{clock}]" in _heading_section(_table_section(before, 1), "Criticità")
    page.click("#show-preview")
    page.frame_locator("#preview").locator("text=Cooperativa Il Ponte").first.wait_for()
    _screenshot(page, "preview")


def test_fix_a_sentence_while_listening(server, page, session_id):
    base, settings, _ = server
    page.goto(f"{base}/sessione/{session_id}")
    item = page.locator("#transcript .item").nth(3)
    start, old_text = item.get_attribute("data-start"), item.get_attribute("data-text")
    item.locator(".edit").click()
    text = item.locator(".text")
    text.press("Home")
    text.type("Dunque, ")
    text.press("Control+ ")  # the audio plays while the text is being corrected
    page.wait_for_function("!document.getElementById('player').paused")
    text.press("Enter")
    _saved(page)
    fixed = page.locator(f"#transcript .item[data-start='{start}']")
    assert fixed.get_attribute("data-text") == f"Dunque, {old_text}"
    records = (settings.outputs_dir / session_id / "corrections.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(records[-1])["op"] == "fix_text" and json.loads(records[-1])["by"] == "Giulia Test"
    page.evaluate("document.getElementById('player').pause()")


def test_a_second_editor_on_a_stale_page_gets_a_clear_message(server, page, browser, session_id):
    base, settings, _ = server
    other = browser.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(f"{base}/sessione/{session_id}")
    page.goto(f"{base}/sessione/{session_id}")
    page.fill("#replace-form input[name=find]", "Rite")
    page.fill("#replace-form input[name=replace]", "rete")
    page.click("#replace-form button[type=submit]")
    _saved(page)
    records = (settings.outputs_dir / session_id / "corrections.jsonl").read_text(encoding="utf-8")
    other.fill("#replace-form input[name=find]", "parocchia")
    other.fill("#replace-form input[name=replace]", "parrocchia")
    other.click("#replace-form button[type=submit]")
    other.wait_for_selector("#message.error:not([hidden])")
    assert "modificata da un'altra persona" in other.inner_text("#message")
    assert (settings.outputs_dir / session_id / "corrections.jsonl").read_text(encoding="utf-8") == records
    other.close()


def test_corrections_survive_a_retranscription(server, page, session_id):
    """Whisper run again with another beam size: the corrections follow the sentences they were about."""
    from pipeline.batch import run_batch
    from pipeline.config import TranscribeOptions
    from pipeline.review.documents import load_artifacts

    base, settings, app = server
    folder = settings.outputs_dir / session_id
    before = load_artifacts(folder)
    other_beam = dataclasses.replace(settings, transcribe=TranscribeOptions(beam_size=2))
    report = run_batch([settings.recordings_dir], other_beam, settle=0, engines=app.state.review.processor.engines)
    assert report.exit_code == 0 and "transcription" in report.done[0].timings
    after = load_artifacts(folder)
    reviewed = after.reviewed()
    assert any(c.op == "move_heading" for c in reviewed.applied)
    assert reviewed.tables.tables[0].spokesperson.name.endswith(", Cooperativa Il Ponte")
    moved = [s for s in reviewed.tables.tables[0].sentences if s.heading == "rete"]
    assert moved, "the sentence moved to «rete» is there after the re-transcription"
    page.goto(f"{base}/sessione/{session_id}")
    for _, reason in reviewed.unmatched:  # listed for the editor, never silently dropped
        assert reason in page.inner_text(".box.unmatched")
    print(f"re-transcribed: {len(before.transcript.words)} -> {len(after.transcript.words)} words, "
          f"{len(reviewed.applied)} corrections applied, {len(reviewed.unmatched)} listed")  # fmt: skip


def _digests(folder: Path, names) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


def test_approve_then_a_rerun_leaves_the_documents_alone(server, page, session_id, tmp_path):
    from pipeline.batch import run_batch

    base, settings, app = server
    folder = settings.outputs_dir / session_id
    page.goto(f"{base}/sessione/{session_id}")
    page.check("#pseudonymised")
    page.click("#approve")
    page.wait_for_selector(".box.approved")
    assert not page.is_visible("#approve") and not page.is_visible("#transcript select.heading")
    _screenshot(page, "approved")
    approved = json.loads((folder / "approval.json").read_text(encoding="utf-8"))["files"]
    assert {"verbale.md", "verbale.html", "verbale.docx", "verbale.pseudonimizzato.md"} <= approved.keys()
    assert _digests(folder, approved) == approved
    pseudonymised = (folder / "verbale.pseudonimizzato.md").read_text(encoding="utf-8")
    assert "Cooperativa Il Ponte" in (folder / "verbale.md").read_text(encoding="utf-8")
    assert not re.search(r"Elena Rinaldi|Marco Bellini", pseudonymised)

    engines = app.state.review.processor.engines  # the models the app loaded
    rerun = run_batch([settings.recordings_dir], settings, force=True, settle=0, engines=engines)
    assert rerun.exit_code == 0 and rerun.done[0].timings.get("transcription")
    assert _digests(folder, approved) == approved

    office = tmp_path / "modelli"
    office.mkdir()
    packaged = (ROOT / "pipeline" / "documents" / "templates" / "verbale.md.j2").read_text(encoding="utf-8")
    (office / "verbale.md.j2").write_text("COMUNE DI PROVA\n\n" + packaged, encoding="utf-8")
    changed = dataclasses.replace(settings, templates_dir=office)
    assert run_batch([settings.recordings_dir], changed, settle=0, engines=engines).exit_code == 0
    assert _digests(folder, approved) == approved
    draft = (folder / "verbale.bozza.md").read_text(encoding="utf-8")
    assert draft.startswith("COMUNE DI PROVA") and "Cooperativa Il Ponte" in draft
