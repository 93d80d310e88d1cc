"""The verbale: its content from the artifacts, its Markdown, HTML and Word forms, and template errors."""

from __future__ import annotations

import json
import logging
import re
import shutil
from functools import cache
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html

from pipeline.artifacts import Session, Transcript
from pipeline.documents import (
    NO_TABLES,
    PACKAGED_TEMPLATES,
    Minutes,
    RenderOptions,
    TemplateError,
    build_minutes,
    italian,
    render_documents,
    render_minutes,
)
from pipeline.documents.summary import SummaryOptions
from pipeline.errors import UsageError
from pipeline.ingest.programme import Programme, load_programme
from pipeline.tables import HEADINGS, Tables, find_tables
from tests.conftest import ROOT

PLENARIES = ROOT / "tests" / "data" / "plenaries"
ALL_FORMATS = RenderOptions(formats=("md", "html", "docx", "json"))


# --------------------------------------------------------------------------- inputs


@cache
def labelled(name: str) -> tuple[Session, Transcript, Tables, Programme | None]:
    """A labelled plenary as the pipeline would have it: its transcript, the tables found in it."""
    transcript = Transcript.from_dict(json.loads((PLENARIES / f"{name}.transcript.json").read_text()))
    programme_file = PLENARIES / f"{name}.programma.yaml"
    programme = load_programme(programme_file) if programme_file.is_file() else None
    speakers = sorted({s.speaker for s in transcript.segments if s.speaker})
    session = Session(
        session_id=f"{name[-10:]}-1730-{name[:-11]}",
        kind="zoom-local",
        folder=str(PLENARIES / name),
        topic=f"Coprogrammazione {name[:-11]}",
        date=name[-10:],
        start_time="17:30:00",
        participants=[s for s in speakers if not s.startswith("SPEAKER_")],
    )
    return session, transcript, find_tables(transcript, session=session, programme=programme), programme


@cache
def minutes_of(name: str) -> Minutes:
    session, transcript, tables, programme = labelled(name)
    return build_minutes(session, transcript, tables, programme, transcript.duration)


def spoken_words(transcript: Transcript, start: float, end: float) -> list[str]:
    said = [w.word for w in transcript.words if start - 0.5 <= (w.start + w.end) / 2 <= end + 0.5]
    return words(" ".join(said))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+|\d+", text.lower())


def assert_said(transcript: Transcript, text: str, start: float, end: float) -> None:
    """Every word of ``text``, in order, was said between ``start`` and ``end``."""
    heard = iter(spoken_words(transcript, start, end))
    missing = [w for w in words(text) if w not in heard]
    assert not missing, f"{text!r} not said at {italian.timestamp(start)}: {missing}"


def all_quotes(minutes: Minutes) -> list[tuple[str, float, float]]:
    quotes = [(q.text, q.at.seconds, q.end) for t in minutes.tables for h in t.headings for q in h.summary + h.full]
    quotes += [(q.text, q.at.seconds, q.end) for t in minutes.tables for q in t.other]
    parts = [p for p in (minutes.introduction, minutes.closing) if p]
    contributions = [c for p in parts for c in p.contributions] + minutes.discussion
    return quotes + [(q.text, q.at.seconds, q.end) for c in contributions for q in c.sentences]


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    lines += [c.text for table in document.tables for row in table.rows for c in row.cells]
    lines += [p.text for s in document.sections for p in s.header.paragraphs + s.footer.paragraphs]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pavia(tmp_path_factory) -> tuple[Minutes, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("pavia")
    minutes = minutes_of("pavia-2021-11-22")
    paths = render_minutes(minutes, folder, ALL_FORMATS)
    return minutes, {p.suffix[1:]: p for p in paths}


# --------------------------------------------------------------------------- the content


def test_session_facts_from_the_programme_and_the_recording() -> None:
    minutes = minutes_of("pavia-2021-11-22")
    assert minutes.organisation == "Consorzio Sociale Pavese" and minutes.district == "Distretto di Pavia"
    assert minutes.process == "Piano Sociale di Zona 2021-2023" and minutes.session_number == 2
    assert minutes.title == "Verbale della sessione di coprogrammazione n. 2"
    assert minutes.theme == "Povertà e inclusione sociale"
    assert (minutes.date, minutes.weekday, minutes.start_time) == ("22 novembre 2021", "lunedì", "17:30")
    assert minutes.end_time == "17:44"  # 17:30 + 14 min 23 s of recording
    assert minutes.draft_notice == "BOZZA GENERATA AUTOMATICAMENTE – DA REVISIONARE"
    assert "In data lunedì 22 novembre 2021, dalle ore 17:30 alle ore 17:44" in minutes.preamble
    assert "D.M. n. 72 del 31 marzo 2021" in minutes.preamble


def test_each_table_with_its_spokesperson_and_the_four_headings() -> None:
    minutes = minutes_of("pavia-2021-11-22")
    assert [t.number for t in minutes.tables] == [1, 2, 3, 4]
    assert [t.spokesperson for t in minutes.tables] == [
        "Giulia Bianchi",
        "Roberto Sala",
        "Maria Grazia Rossetti",  # heard as "Mariagrazia Rosetti": the programme's spelling
        "Andrea Colombo",
    ]
    assert minutes.tables[1].spokesperson_line == "Roberto Sala (ACLI di Pavia)"
    assert minutes.tables[2].title == "Tavolo 3 – casa ed emergenza abitativa"
    for table in minutes.tables:
        assert [h.key for h in table.headings] == list(HEADINGS)
        assert [h.title for h in table.headings] == ["Criticità", "Risorse", "Proposte", "Lavoro di rete"]


def test_summaries_are_shorter_and_made_of_what_was_said() -> None:
    minutes = minutes_of("pavia-2021-11-22")
    transcript = labelled("pavia-2021-11-22")[1]
    for text, start, end in all_quotes(minutes):
        assert_said(transcript, text, start, end)
    for table in minutes.tables:
        for heading in table.headings:
            assert len(heading.summary) <= min(len(heading.full), SummaryOptions().max_sentences)
            assert all(q.heading == heading.key for q in heading.summary + heading.full)
            assert not any(re.search(r"\b(ehm|cioè|diciamo|insomma)\b", q.text, re.I) for q in heading.summary)


def test_doubtful_parts_are_listed() -> None:
    tables = labelled("pavia-2021-11-22")[2]
    doubtful = [(t, s) for t in tables.tables for s in t.sentences if s.doubtful and s.heading in HEADINGS]
    minutes = minutes_of("pavia-2021-11-22")
    assert len(minutes.doubts) == len(doubtful) + sum(t.doubtful for t in tables.tables)
    for table, sentence in doubtful:
        assert any(
            italian.timestamp(sentence.start) in line and f"Tavolo {table.table_number}" in line
            for line in minutes.doubts
        )


def test_participants_and_organisations() -> None:
    minutes = minutes_of("lodi-2022-03-15")  # Zoom display names, one of them a device
    assert "iPad di Giuseppe" not in minutes.participants
    assert "Giuseppe" in " ".join(minutes.participants)
    assert len({p.casefold() for p in minutes.participants}) == len(minutes.participants)
    pavia = minutes_of("pavia-2021-11-22")
    assert {"ACLI di Pavia", "Caritas diocesana di Pavia"} <= set(pavia.organisations)


def test_introduction_discussion_and_closing_come_from_the_recording() -> None:
    minutes = minutes_of("pavia-2021-11-22")
    assert minutes.introduction is not None and minutes.closing is not None
    assert minutes.introduction.title == "Introduzione" and minutes.closing.title == "Chiusura dei lavori"
    assert any("SUNIA" in c.text for c in minutes.discussion)  # the question after table 3
    assert any(c.speaker == "Maria Grazia Rossetti" for c in minutes.discussion)  # and her answer
    assert "6 dicembre" in " ".join(c.text for c in minutes.closing.contributions)


def test_a_session_without_programme() -> None:
    minutes = minutes_of("lodi-2022-03-15")
    assert minutes.organisation is None and minutes.session_number is None
    assert minutes.theme == "Coprogrammazione lodi"
    assert minutes.title == "Verbale della sessione di coprogrammazione"
    assert "sessione di coprogrammazione, sul tema «Coprogrammazione lodi»" in minutes.preamble


def test_a_table_announced_and_not_presented() -> None:
    minutes = minutes_of("rhodense-2022-05-10")
    assert 4 not in [t.number for t in minutes.tables]
    assert any(line.startswith("Tavolo 4") for line in minutes.missing_tables)


def test_a_session_with_no_tables_says_so(tmp_path: Path) -> None:
    minutes = minutes_of("cremona-udp-2023-01-17")
    assert minutes.tables == [] and minutes.no_tables_notice == NO_TABLES
    paths = {p.suffix: p for p in render_minutes(minutes, tmp_path, ALL_FORMATS)}
    assert NO_TABLES in paths[".md"].read_text()
    assert NO_TABLES in docx_text(paths[".docx"])
    page = lxml_html.fromstring(paths[".html"].read_bytes())
    assert page.xpath("//p[@class='avviso']")[0].text_content() == NO_TABLES
    assert not page.xpath("//article[contains(@class, 'tavolo')]")


def test_no_tables_with_a_programme_names_the_planned_ones() -> None:
    session, transcript, _, programme = labelled("pavia-2021-11-22")
    minutes = build_minutes(session, transcript, Tables(), programme, transcript.duration)
    assert minutes.no_tables_notice is not None and minutes.no_tables_notice.startswith(NO_TABLES)
    assert "Tavolo 4 – povertà alimentare e grave marginalità" in minutes.no_tables_notice


@pytest.mark.parametrize(
    ("day", "utc", "local"), [("2021-11-22", "16:30:00", "17:30"), ("2022-05-10", "15:00:00", "17:00")]
)
def test_zoom_cloud_times_are_shown_in_italian_time(day: str, utc: str, local: str) -> None:
    session = Session(session_id="cloud", kind="zoom-cloud", folder="/x", topic="t", date=day, start_time=utc)
    minutes = build_minutes(session, Transcript("it"), Tables(), None, 3600)
    assert minutes.start_time == local
    assert any("UTC" in note for note in minutes.notes)


def test_minutes_round_trip_through_json() -> None:
    minutes = minutes_of("pavia-2021-11-22")
    data = json.loads(json.dumps(minutes.to_dict()))
    assert Minutes.from_dict(data) == minutes
    assert data["tavoli"][0]["domande"][0]["sintesi"][0]["tempo"]["link"].startswith("audio.16k.wav#t=")


# --------------------------------------------------------------------------- the documents


def test_markdown(pavia) -> None:
    minutes, paths = pavia
    text = paths["md"].read_text()
    assert text.startswith("> **BOZZA GENERATA AUTOMATICAMENTE – DA REVISIONARE**")
    for fragment in (
        "# Verbale della sessione di coprogrammazione n. 2",
        "lunedì 22 novembre 2021",
        "dalle ore 17:30 alle ore 17:44",
        "Consorzio Sociale Pavese",
        "[transcript.txt](transcript.txt)",
    ):
        assert fragment in text
    for table in minutes.tables:
        section = text.split(f"### {table.title}\n", 1)[1].split("\n### ", 1)[0]
        assert table.spokesperson_line in section
        for heading in table.headings:
            assert f"#### {heading.title}" in section
            for quote in heading.summary:
                assert f"- {quote.text} [{quote.at.clock}]" in section


def test_html_links_times_to_the_recording(pavia) -> None:
    minutes, paths = pavia
    transcript = labelled("pavia-2021-11-22")[1]
    page = lxml_html.fromstring(paths["html"].read_bytes())
    assert page.xpath("//p[@class='bozza']")[0].text_content() == italian.DRAFT_NOTICE
    assert page.xpath("//audio/@src") == ["audio.16k.wav"]
    links = page.xpath("//a[@class='t']")
    assert links and all(re.fullmatch(r"audio\.16k\.wav#t=\d+(\.\d)?", a.get("href")) for a in links)
    assert all(a.text_content() == f"[{italian.timestamp(float(a.get('data-t')))}]" for a in links)
    articles = page.xpath("//article[contains(@class, 'tavolo')]")
    assert [a.xpath("h3")[0].text_content().split(" da verificare")[0] for a in articles] == [
        t.title for t in minutes.tables
    ]
    for article in articles:
        assert [h.text_content() for h in article.xpath("h4")] == ["Criticità", "Risorse", "Proposte", "Lavoro di rete"]
        for item in article.xpath(".//ul[@class='sintesi']/li"):
            link = item.xpath("a[@class='t']")[0]
            said = item.text_content().split(" [")[0]
            start = float(link.get("href").split("=")[1])
            assert_said(transcript, said, start, start + 60)
            assert (item.get("class") == "dubbia") == bool(item.xpath("span[@class='dubbio']"))


def test_docx_opens_and_holds_the_verbale(pavia) -> None:
    minutes, paths = pavia
    text = docx_text(paths["docx"])
    assert "{{" not in text and "{%" not in text and "None" not in text
    assert italian.DRAFT_NOTICE in text and "Consorzio Sociale Pavese – Distretto di Pavia" in text
    assert "lunedì 22 novembre 2021" in text and "dalle ore 17:30 alle ore 17:44" in text
    for table in minutes.tables:
        assert table.title in text and table.spokesperson_line in text
        for heading in table.headings:
            for quote in heading.summary:
                assert f"{quote.text} [{quote.at.clock}]" in text
    document = docx.Document(str(paths["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 3"]
    assert headings.count("Criticità") >= len(minutes.tables)


def test_json_is_the_template_context(pavia) -> None:
    minutes, paths = pavia
    assert json.loads(paths["json"].read_text()) == minutes.to_dict()


def test_documents_are_reproducible(tmp_path: Path) -> None:
    minutes = minutes_of("pavia-2021-11-22")
    first = render_documents("verbale", minutes.to_dict(), ALL_FORMATS)
    assert render_documents("verbale", minutes.to_dict(), ALL_FORMATS) == first
    render_minutes(minutes, tmp_path, ALL_FORMATS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["verbale.docx", "verbale.html", "verbale.json", "verbale.md"]


def test_render_through_a_publisher(tmp_path: Path) -> None:
    written: dict[Path, bytes] = {}

    def publish(target: Path, data: bytes) -> Path:
        written[target] = data
        return target

    paths = render_minutes(minutes_of("lodi-2022-03-15"), tmp_path, RenderOptions(formats=("md",)), publish=publish)
    assert paths == [tmp_path / "verbale.md"] and not any(tmp_path.iterdir())
    assert written[tmp_path / "verbale.md"].decode().startswith("> **BOZZA")


def test_odt_and_pdf_are_skipped_with_a_note_without_libreoffice(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="verbali"):
        paths = render_minutes(minutes_of("lodi-2022-03-15"), tmp_path, RenderOptions(formats=("md", "pdf", "odt")))
    assert [p.name for p in paths] == ["verbale.md"]
    assert "LibreOffice (soffice) is not installed" in caplog.text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_pdf_and_odt_through_libreoffice(tmp_path: Path) -> None:
    paths = render_minutes(minutes_of("lodi-2022-03-15"), tmp_path, RenderOptions(formats=("pdf", "odt")))
    assert [p.name for p in paths] == ["verbale.pdf", "verbale.odt"]
    assert paths[0].read_bytes().startswith(b"%PDF")


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown document format 'rtf'"):
        RenderOptions(formats=("md", "rtf"))


# --------------------------------------------------------------------------- an office's templates


def render_with(templates: Path, formats: tuple[str, ...] = ("md",)) -> dict[str, bytes]:
    return render_documents("verbale", minutes_of("lodi-2022-03-15").to_dict(), RenderOptions(templates, formats))


def test_an_office_template_replaces_the_packaged_one(tmp_path: Path) -> None:
    (tmp_path / "verbale.md.j2").write_text(
        "{{ titolo }} – {{ data }}\n{% for t in tavoli %}{{ t.titolo }}\n{% endfor %}"
    )
    documents = render_with(tmp_path, ("md", "html"))
    assert documents["verbale.md"].decode().startswith("Verbale della sessione di coprogrammazione – 15 marzo 2022\n")
    assert b"<!DOCTYPE html>" in documents["verbale.html"]  # not overridden: the packaged one


def test_a_field_that_does_not_exist_names_template_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "verbale.md.j2").write_text("# {{ titolo }}\n\n{% for t in tavoli %}\n{{ t.relatore }}\n{% endfor %}\n")
    with pytest.raises(TemplateError) as error:
        render_with(tmp_path)
    assert str(error.value) == f"{tmp_path / 'verbale.md.j2'}, line 4: 'relatore' is undefined"


def test_an_undefined_top_level_field(tmp_path: Path) -> None:
    (tmp_path / "verbale.md.j2").write_text("riga uno\n{{ tavolo }}\n")
    with pytest.raises(TemplateError, match=r"verbale\.md\.j2, line 2: 'tavolo' is undefined$"):
        render_with(tmp_path)


def test_a_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    (tmp_path / "verbale.md.j2").write_text("uno\ndue\n{% for t in tavoli %}\n{{ t.titolo }\n")
    with pytest.raises(TemplateError, match=r"verbale\.md\.j2, line 4: unexpected '}'"):
        render_with(tmp_path)


def test_an_error_in_an_office_macro_file_names_that_file(tmp_path: Path) -> None:
    macros = (PACKAGED_TEMPLATES / "documenti.html.j2").read_text().replace("[{{ t.ora }}]", "[{{ t.orario }}]")
    (tmp_path / "documenti.html.j2").write_text(macros)
    with pytest.raises(TemplateError) as error:
        render_with(tmp_path, ("html",))
    line = (
        macros.splitlines().index('<a class="t" href="{{ t.link }}" data-t="{{ t.secondi }}">[{{ t.orario }}]</a>') + 1
    )
    assert str(error.value) == f"{tmp_path / 'documenti.html.j2'}, line {line}: 'orario' is undefined"


def test_a_missing_templates_folder(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="templates folder not found"):
        render_with(tmp_path / "nowhere")


def test_an_office_word_template_with_its_own_letterhead(tmp_path: Path) -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Comune di Lodi – Ufficio di Piano"
    document.add_paragraph("Verbale del {{ data }}: {{ tema }}")
    document.add_paragraph("{%p for tavolo in tavoli %}")
    document.add_paragraph("{{ tavolo.titolo }}, portavoce {{ tavolo.portavoce_testo }}")
    document.add_paragraph("{%p endfor %}")
    document.save(str(tmp_path / "verbale.docx"))
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "verbale.docx"
    path.write_bytes(render_with(tmp_path, ("docx",))["verbale.docx"])
    text = docx_text(path)
    assert "Comune di Lodi – Ufficio di Piano" in text
    assert "Verbale del 15 marzo 2022: Coprogrammazione lodi" in text
    assert text.count("Tavolo ") == len(minutes_of("lodi-2022-03-15").tables)


def test_a_word_template_with_a_field_that_does_not_exist(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Intestazione")
    document.add_paragraph("Sessione: {{ numero_seduta }}")
    document.save(str(tmp_path / "verbale.docx"))
    with pytest.raises(TemplateError) as error:
        render_with(tmp_path, ("docx",))
    assert (
        str(error.value)
        == f"{tmp_path / 'verbale.docx'}, near «Sessione: {{{{ numero_seduta }}}}»: 'numero_seduta' is undefined"
    )


def test_a_file_that_is_not_a_word_document(tmp_path: Path) -> None:
    (tmp_path / "verbale.docx").write_text("non sono un documento")
    with pytest.raises(TemplateError, match=r"verbale\.docx: not a Word \(\.docx\) file"):
        render_with(tmp_path, ("docx",))


# --------------------------------------------------------------------------- the sample recording


@pytest.fixture(scope="module")
def sample(sample_output) -> tuple[Session, Transcript, Tables, Minutes]:
    folder = sample_output
    session = Session.from_dict(json.loads((folder / "session.json").read_text()))
    transcript = Transcript.from_dict(json.loads((folder / "transcript.json").read_text()))
    tables = find_tables(transcript, session=session)
    return session, transcript, tables, build_minutes(session, transcript, tables, None, transcript.duration)


@pytest.mark.models
def test_the_sample_plenary(sample, tmp_path: Path) -> None:
    _, transcript, _, minutes = sample
    assert (minutes.date, minutes.start_time, minutes.end_time) == ("22 novembre 2021", "17:30", "17:32")
    assert minutes.meeting_id == "81234567890" and minutes.modality == "telematica, su piattaforma Zoom"
    assert {"Elena Rinaldi", "Marco Bellini", "Giulia Ferrari", "Davide Costa", "Paolo Greco"} <= set(
        minutes.participants
    )
    assert {t.spokesperson for t in minutes.tables} >= {"Marco Bellini", "Davide Costa"}
    for text, start, end in all_quotes(minutes):
        assert_said(transcript, text, start, end)
    paths = {p.suffix: p for p in render_minutes(minutes, tmp_path, ALL_FORMATS)}
    text = docx_text(paths[".docx"])
    assert "lunedì 22 novembre 2021" in text and "Marco Bellini" in text
    page = lxml_html.fromstring(paths[".html"].read_bytes())
    assert len(page.xpath("//article[contains(@class, 'tavolo')]")) == len(minutes.tables)
