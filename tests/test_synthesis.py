"""The synthesis document: points brought together across tables and sessions, and traced back."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html

from pipeline.artifacts import Session, Transcript
from pipeline.documents import build_minutes
from pipeline.documents.synthesis import (
    NO_PROCESS,
    SynthesisOptions,
    build_synthesis,
    group_by_process,
    process_slug,
    render_synthesis,
    synthesis_fingerprint,
)
from pipeline.ingest.programme import Programme
from pipeline.tables import ReportSentence, Spokesperson, TableReport, Tables
from tests.test_render import assert_said, docx_text, labelled

PROCESS = "Piano Sociale di Zona 2021-2023"


# --------------------------------------------------------------------------- hand-made sessions


def report(number: int, spokesperson: str, sentences: list[tuple[str, str]], start: float = 100.0) -> TableReport:
    said = [
        ReportSentence(start + 10 * i, start + 10 * i + 8, text, heading) for i, (heading, text) in enumerate(sentences)
    ]
    return TableReport(
        number, f"tema {number}", Spokesperson(spokesperson), start, said[-1].end, spokesperson, sentences=said
    )


def session_inputs(day: str, number: int, reports: list[TableReport], process: str | None = PROCESS):
    session = Session(
        session_id=f"{day}-1730-sessione-{number}",
        kind="zoom-local",
        folder="/x",
        topic="t",
        date=day,
        start_time="17:30:00",
    )
    programme = (
        Programme(
            process=process,
            organisation="Consorzio Sociale Pavese",
            session=number,
            theme=f"Tema della sessione {number}",
            date=day,
        )
        if process
        else None
    )
    tables = Tables(tables=reports)
    return session, tables, programme, build_minutes(session, Transcript("it"), tables, programme, 3600)


FIRST = session_inputs(
    "2021-11-22",
    1,
    [
        report(
            1,
            "Marco Bellini",
            [
                ("criticita", "Gli affitti sono troppo alti e mancano alloggi per le emergenze abitative."),
                ("proposte", "Proponiamo un'agenzia sociale per l'affitto che faccia da garante con i proprietari."),
                ("rete", "Servizi sociali e volontariato devono condividere le informazioni sulle famiglie."),
            ],
        ),
        report(
            2,
            "Giulia Ferrari",
            [
                ("criticita", "Molte persone con il reddito di cittadinanza non trovano lavoro."),
                ("proposte", "Un'equipe unica tra servizi sociali e centro per l'impiego."),
            ],
            start=300.0,
        ),
    ],
)
SECOND = session_inputs(
    "2021-12-06",
    2,
    [
        report(
            3,
            "Maria Grazia Rossetti",
            [
                ("criticita", "Ehm, a Pavia gli affitti sono troppo alti e mancano alloggi per l'emergenza."),
                ("proposte", "Serve un fondo di garanzia per i proprietari che affittano a canone concordato."),
                ("proposte", "Un'agenzia sociale per l'affitto che faccia da garante con i proprietari, diciamo."),
            ],
        ),
    ],
)


def test_process_slug() -> None:
    assert process_slug(Programme(process=PROCESS)) == "piano-sociale-di-zona-2021-2023"
    assert process_slug(None) == NO_PROCESS == "senza-processo"
    assert process_slug(Programme(organisation="Consorzio")) == NO_PROCESS
    loose = session_inputs("2022-01-10", 3, [], process=None)
    assert list(group_by_process([FIRST, loose, SECOND])) == ["piano-sociale-di-zona-2021-2023", NO_PROCESS]


def test_repeated_points_are_brought_together_and_counted() -> None:
    synthesis = build_synthesis([SECOND, FIRST])  # any order: sessions are taken by date
    assert [s.label for s in synthesis.sessions] == [
        "Sessione n. 1 del 22 novembre 2021",
        "Sessione n. 2 del 6 dicembre 2021",
    ]
    assert synthesis.process == PROCESS and synthesis.process_id == "piano-sociale-di-zona-2021-2023"
    assert synthesis.period == "dal 22 novembre 2021 al 6 dicembre 2021"
    recurring = {p.heading: p for p in synthesis.recurring}
    assert set(recurring) == {"criticita", "proposte"}
    housing = recurring["criticita"]
    assert (housing.tables, housing.sessions, len(housing.items)) == (2, 2, 2)
    assert housing.text == "Gli affitti sono troppo alti e mancano alloggi per le emergenze abitative."
    assert housing.other_wordings == ["A Pavia gli affitti sono troppo alti e mancano alloggi per l'emergenza."]
    assert [r.text for r in housing.references] == [
        "Sessione n. 1 del 22 novembre 2021, Tavolo 1 – tema 1",
        "Sessione n. 2 del 6 dicembre 2021, Tavolo 3 – tema 3",
    ]
    agency = recurring["proposte"]
    assert agency.tables == 2 and agency.code.startswith("PR-")


def test_all_proposals_are_listed() -> None:
    synthesis = build_synthesis([FIRST, SECOND])
    texts = [p.text for p in synthesis.proposals]
    assert len(texts) == 3  # four said, two of them the same agency
    assert "Un'equipe unica tra servizi sociali e centro per l'impiego." in texts
    assert all(p.code.startswith("PR-") for p in synthesis.proposals)


def test_traceability_of_every_item() -> None:
    synthesis = build_synthesis([FIRST, SECOND])
    assert [i.number for i in synthesis.items] == list(range(1, 9))
    codes = {p.code for h in synthesis.by_heading for p in h.points}
    for item in synthesis.items:
        assert item.point in codes
        assert item.at.link == f"../{item.session_id}/audio.16k.wav#t={item.at.seconds:g}"
    rossetti = [i for i in synthesis.items if i.spokesperson == "Maria Grazia Rossetti"]
    assert [i.at.clock for i in rossetti] == ["00:01:40", "00:01:50", "00:02:00"]
    assert {i.table for i in rossetti} == {"Tavolo 3 – tema 3"} and rossetti[0].text.startswith("A Pavia")


def test_per_theme_and_table_each_point_once() -> None:
    synthesis = build_synthesis([FIRST, SECOND])
    assert [t.theme for t in synthesis.themes] == ["Tema della sessione 1", "Tema della sessione 2"]
    table = synthesis.themes[1].tables[0]
    assert table.title == "Tavolo 3 – tema 3" and table.spokesperson == "Maria Grazia Rossetti"
    proposals = next(h for h in table.headings if h.key == "proposte").points
    assert [p.tables for p in proposals] == [1, 2]
    assert [h.title for h in table.headings] == ["Criticità", "Risorse", "Proposte", "Lavoro di rete"]


def test_the_threshold_is_an_option() -> None:
    strict = build_synthesis([FIRST, SECOND], SynthesisOptions(similarity=100, min_shared_words=8))
    assert strict.recurring == [] and len(strict.proposals) == 4
    assert strict.similarity == 100


def test_a_pure_function_with_a_fingerprint() -> None:
    assert build_synthesis([FIRST, SECOND]) == build_synthesis([SECOND, FIRST])
    assert synthesis_fingerprint([FIRST, SECOND]) == synthesis_fingerprint([SECOND, FIRST])
    session, tables, programme, minutes = SECOND
    changed = Tables(tables=[dataclasses.replace(tables.tables[0], sentences=tables.tables[0].sentences[:1])])
    assert synthesis_fingerprint([FIRST, (session, changed, programme, minutes)]) != synthesis_fingerprint(
        [FIRST, SECOND]
    )
    assert synthesis_fingerprint([FIRST, SECOND], SynthesisOptions(similarity=80)) != synthesis_fingerprint(
        [FIRST, SECOND]
    )


def test_sessions_of_two_processes_are_refused() -> None:
    with pytest.raises(ValueError, match="several processes"):
        build_synthesis([FIRST, session_inputs("2022-01-10", 3, [], process="Altro piano")])


def test_a_session_without_tables_is_noted() -> None:
    empty = session_inputs("2022-01-10", 3, [])
    synthesis = build_synthesis([FIRST, empty])
    assert synthesis.notes == ["Sessione n. 3 del 10 gennaio 2022: nessun resoconto dei tavoli individuato."]


# --------------------------------------------------------------------------- the labelled plenaries, as one process


@pytest.fixture(scope="module")
def labelled_process(tmp_path_factory):
    inputs, transcripts = [], {}
    for name in ("pavia-2021-11-22", "lodi-2022-03-15", "bassa-romagna-2022-10-04"):
        session, transcript, tables, programme = labelled(name)
        programme = dataclasses.replace(programme or Programme(), process="Piano di prova", theme=name[:-11])
        minutes = build_minutes(session, transcript, tables, programme, transcript.duration)
        inputs.append((session, tables, programme, minutes))
        transcripts[session.session_id] = transcript
    synthesis = build_synthesis(inputs)
    folder = tmp_path_factory.mktemp("sintesi")
    paths = render_synthesis(synthesis, folder, SynthesisOptions(formats=("md", "html", "docx", "json")))
    return synthesis, transcripts, {p.suffix[1:]: p for p in paths}


def test_every_item_was_said_at_its_time(labelled_process) -> None:
    synthesis, transcripts, _ = labelled_process
    assert len(synthesis.items) > 100
    for item in synthesis.items:
        assert_said(transcripts[item.session_id], item.text, item.at.seconds, item.at.seconds + 60)


def test_points_partition_the_items(labelled_process) -> None:
    synthesis, _, _ = labelled_process
    points = [p for h in synthesis.by_heading for p in h.points]
    assert sorted(n for p in points for n in p.items) == [i.number for i in synthesis.items]
    by_number = {i.number: i for i in synthesis.items}
    for point in points:
        assert {by_number[n].point for n in point.items} == {point.code}
        assert {by_number[n].heading for n in point.items} == {point.heading}
        assert point.text in {by_number[n].text for n in point.items}
    assert all(p.tables >= 2 for p in synthesis.recurring)


def test_synthesis_documents(labelled_process) -> None:
    synthesis, _, paths = labelled_process
    text = paths["md"].read_text()
    for title in (
        "## 1. Sessioni considerate",
        "## 2. Punti ricorrenti",
        "## 3. Sintesi per tema e per tavolo",
        "## 4. Elenco delle proposte",
        "## 5. Tabella di tracciabilità",
    ):
        assert title in text
    page = lxml_html.fromstring(paths["html"].read_bytes())
    rows = page.xpath("//section[@id='tracciabilita']//tbody/tr")
    assert len(rows) == len(synthesis.items)
    first = synthesis.items[0]
    assert rows[0].xpath(".//a[@class='t']/@href") == [first.at.link]
    assert len(page.xpath("//section[@id='proposte']//ol/li")) == len(synthesis.proposals)
    word = docx_text(paths["docx"])
    assert "{{" not in word and "{%" not in word
    assert synthesis.items[-1].text in word and "Documento istruttorio di sintesi della coprogrammazione" in word
    table = docx.Document(str(paths["docx"])).tables[-1]
    assert len(table.rows) == len(synthesis.items) + 1
    assert re.fullmatch(r"\d\d:\d\d:\d\d", table.rows[1].cells[4].text)


def test_sintesi_template_errors_name_the_template(tmp_path: Path) -> None:
    (tmp_path / "sintesi.md.j2").write_text("{{ titolo }}\n{{ verbale }}\n")
    from pipeline.documents import TemplateError

    with pytest.raises(TemplateError, match=r"sintesi\.md\.j2, line 2: 'verbale' is undefined"):
        render_synthesis(build_synthesis([FIRST]), tmp_path, SynthesisOptions(templates_dir=tmp_path, formats=("md",)))
