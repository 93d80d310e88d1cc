"""The verbale as a signable record: Zoom's participants report, local times, the programme's spellings,
the formal parts, and the same content in Markdown, HTML, Word and ODT."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from click.testing import CliRunner
from odfdo import Document

from pipeline.artifacts import Session
from pipeline.cli import main
from pipeline.config import Settings
from pipeline.documents import RenderOptions, build_minutes, render_documents
from pipeline.documents.odt import odt_text
from pipeline.errors import UsageError
from pipeline.ingest import discover
from pipeline.ingest.participants import ParticipantsReportError, attendance_of, read_report, split_organisation
from pipeline.ingest.programme import ProgrammeError, load_programme
from tests.conftest import ROOT
from tests.test_render import labelled

REPORTS = ROOT / "tests" / "data" / "participants"
ROME = ZoneInfo("Europe/Rome")
PROGRAMME = """\
processo: "Piano Sociale di Zona 2021-2023"
ente: "Consorzio Sociale Pavese"
distretto: "Distretto di Pavia"
sessione: 2
tema: "Povertà e inclusione sociale"
presidente: {nome: "Paolo Gatti", qualifica: "Direttore del Consorzio Sociale Pavese"}
segretario: {nome: "Elena Marchi", qualifica: "Ufficio di Piano"}
luogo: "in videoconferenza sulla piattaforma Zoom del Consorzio"
atto: {tipo: "avviso pubblico", numero: "12/2021", data: 2021-10-15}
protocollo: "2021/0012345"
tavoli:
  - {numero: 1, tema: "povertà educativa", portavoce: "Giulia Bianchi", organizzazione: "Cooperativa Sociale Il Ponte"}
  - {numero: 2, tema: "lavoro e inclusione", portavoce: "Roberto Sala", organizzazione: "ACLI di Pavia"}
  - {numero: 3, tema: "casa ed emergenza abitativa", portavoce: "Maria Grazia Rossetti",
     organizzazione: "Caritas diocesana di Pavia"}
  - {numero: 4, tema: "povertà alimentare e grave marginalità", portavoce: "Andrea Colombo"}
"""


def attendees(name: str) -> dict[str, object]:
    return {a.name: a for a in attendance_of(read_report(REPORTS / name, ROME)).attendees}


# --------------------------------------------------------------------------- the participants report


def test_zoom_report_with_meeting_rows_rejoins_guests_and_host() -> None:
    report = read_report(REPORTS / "participants_81234567890.csv", ROME)  # UTF-8 BOM, meeting rows on top
    assert report.meeting is not None and report.meeting.meeting_id == "81234567890"
    people = attendees("participants_81234567890.csv")
    marco = people["Marco Bellini"]
    assert (marco.joins, marco.organisation, marco.guest) == (2, "Coop. Sociale Il Ponte", True)
    assert marco.first_join.startswith("2021-11-22T17:27:10") and marco.last_leave.startswith("2021-11-22T19:40:30")
    assert 131.5 <= marco.minutes <= 132.5  # 35.6 + 96.5 minutes, the gap between the joins not counted
    paolo = people["Paolo Greco"]  # two overlapping joins (a second device) count once
    assert paolo.joins == 2 and 130.5 <= paolo.minutes <= 131.5
    assert people["Elena Rinaldi"].host and not people["Giulia Ferrari"].host
    assert people["Davide Costa"].display_names == ["Davide Costa"]  # "(iPad di Davide)" is the original name
    assert "D'Angelo, Nicolò" in people


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Giulia Bianchi - Coop. Il Ponte", ("Giulia Bianchi", "Coop. Il Ponte")),
        ("Marco Rossi (ACLI Pavia)", ("Marco Rossi", "ACLI Pavia")),
        ("Anna Ferri", ("Anna Ferri", None)),
        ("iPad di Paola", ("iPad di Paola", None)),
        ("Sala Giunta", ("Sala Giunta", None)),
    ],
)
def test_display_names_split_as_the_tables_stage_reads_them(shown: str, expected: tuple[str, str | None]) -> None:
    assert split_organisation(shown) == expected


def test_excel_in_italian_locale_semicolons_cp1252_and_day_first_dates() -> None:
    people = attendees("participants_excel_it.csv")
    assert people["François Lefèvre"].first_join.startswith("2021-11-01T17:29:33")  # 01/11 is 1 November
    assert people["Marco Bellini"].joins == 2 and people["Marco Bellini"].guest is True  # "Sì"


def test_italian_portal_column_names() -> None:
    people = attendees("partecipanti_portale_it.csv")
    assert set(people) == {"Elena Rinaldi", "Giulia Ferrari"}
    assert people["Giulia Ferrari"].guest is True


def test_a_malformed_report_names_the_file_and_the_row() -> None:
    with pytest.raises(ParticipantsReportError, match=r"participants_malformed\.csv, row 3: join time 'the evening'"):
        read_report(REPORTS / "participants_malformed.csv", ROME)


def test_a_malformed_report_leaves_the_session_processed_without_it(tmp_path: Path) -> None:
    folder = zoom_folder(tmp_path)
    shutil.copy(REPORTS / "participants_malformed.csv", folder / "participants_81234567890.csv")
    [session] = discover(folder)
    assert session.attendance is None
    assert any("participants_81234567890.csv, row 3" in w for w in session.warnings)


def test_the_report_in_the_session_folder_is_read_at_ingest(tmp_path: Path) -> None:
    folder = zoom_folder(tmp_path)
    shutil.copy(REPORTS / "participants_81234567890.csv", folder)
    [session] = discover(folder)
    assert session.attendance is not None and len(session.attendance.attendees) == 8
    assert Session.from_dict(session.to_dict()) == session  # session.json round trip


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("stamp", "local_date", "local_time"),
    [
        ("20211122-233000", "2021-11-23", "00:30:00"),  # after midnight in Rome
        ("20220327-003000", "2022-03-27", "01:30:00"),  # before the change to summer time (01:00 UTC)
        ("20220327-013000", "2022-03-27", "03:30:00"),  # after it
        ("20221030-003000", "2022-10-30", "02:30:00"),  # last hour of summer time
    ],
)
def test_cloud_stamps_become_local_time(tmp_path: Path, stamp: str, local_date: str, local_time: str) -> None:
    folder = tmp_path / "cloud"
    folder.mkdir()
    (folder / f"GMT{stamp}_Recording.m4a").write_bytes(b"not decoded at ingest")
    [session] = discover(folder)
    assert (session.date, session.start_time) == (local_date, local_time)
    assert session.start_utc == f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:00Z"
    assert not any("UTC" in w for w in session.warnings)  # no English note left for the verbale


def test_the_programme_time_zone_and_an_unknown_one(tmp_path: Path) -> None:
    folder = tmp_path / "cloud"
    folder.mkdir()
    (folder / "GMT20211122-163000_Recording.m4a").write_bytes(b"x")
    (folder / "programma.yaml").write_text("fuso_orario: Europe/Lisbon\n")
    [session] = discover(folder)
    assert (session.start_time, session.timezone) == ("16:30:00", "Europe/Lisbon")
    (folder / "programma.yaml").write_text("fuso_orario: Europe/Atlantide\n")
    with pytest.raises(ProgrammeError, match="fuso_orario"):
        load_programme(folder / "programma.yaml")
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Base'"):
        Settings(timezone="Mars/Base")


def test_an_unknown_timezone_is_refused_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "nothing-here"), "--timezone", "Mars/Base", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Base'" in result.output
    assert not (tmp_path / "out" / "verbali.db").exists()


# --------------------------------------------------------------------------- the verbale


@pytest.fixture(scope="module")
def signable(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The pavia plenary with a programme, a participants report and ASR spellings that differ."""
    session, transcript, tables, _ = labelled("pavia-2021-11-22")
    folder = tmp_path_factory.mktemp("pavia")
    (folder / "programma.yaml").write_text(PROGRAMME, encoding="utf-8")
    programme = load_programme(folder / "programma.yaml")
    report = pavia_report(folder / "participants_81234567890.csv")
    session = dataclasses.replace(session, folder=str(folder), timezone="Europe/Rome")
    session.attendance = attendance_of(read_report(report, ROME))
    first = tables.tables[0]  # Whisper heard the organisation wrong: the programme's spelling wins
    misheard = dataclasses.replace(first.spokesperson, organisation="Cooperativa Soziale")
    tables = dataclasses.replace(tables, tables=[dataclasses.replace(first, spokesperson=misheard), *tables.tables[1:]])
    minutes = build_minutes(session, transcript, tables, programme, transcript.duration)
    options = RenderOptions(formats=("md", "html", "docx", "odt"))
    documents = render_documents("verbale", minutes.to_dict(), options)
    return {"json": minutes, "inputs": (session, transcript, tables, programme), **documents}


def pavia_report(path: Path) -> Path:
    rows = [
        ("Paolo Gatti (Host)", "direzione@consorzio.example", "17:25:02", "19:48:10", "No"),
        ("Elena Marchi - Ufficio di Piano", "udp@consorzio.example", "17:24:40", "19:48:30", "No"),
        ("Giulia Bianchi", "", "17:28:00", "18:20:00", "Yes"),
        ("Giulia Bianchi", "", "18:22:10", "19:45:00", "Yes"),
        ("Mariagrazia Rosetti", "", "17:31:00", "19:40:00", "Yes"),
        ("Roberto Sala", "r.sala@acli.example", "17:29:00", "19:41:00", "No"),
        ("iPad di Andrea", "", "17:30:00", "19:40:00", "Yes"),
        ("Laura Riva", "laura.riva@asst.example", "17:40:00", "17:44:00", "No"),
    ]
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants",
        "81234567890,Coprogrammazione,11/22/2021 05:24:40 PM,11/22/2021 07:48:30 PM,direzione@consorzio.example,144,8",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
        *(f"{n},{e},2021-11-22 {a},2021-11-22 {b},1,{g}" for n, e, a, b, g in rows),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_verbale_lists_presenti_with_organisations_and_times(signable: dict) -> None:
    minutes = signable["json"]
    present = {p.name: p for p in minutes.present}
    assert present["Maria Grazia Rossetti"].organisation == "Caritas diocesana di Pavia"  # programme spelling
    assert present["Giulia Bianchi"].organisation == "Cooperativa Sociale Il Ponte"
    assert (present["Giulia Bianchi"].first_join, present["Giulia Bianchi"].last_leave) == ("17:28", "19:45")
    assert present["Elena Marchi"].organisation == "Ufficio di Piano"
    assert minutes.unnamed_connections == ["iPad di Andrea"]
    assert (minutes.opening_time, minutes.closing_time) == ("17:24", "19:48")
    assert "registro dei partecipanti" in minutes.present_source
    assert any(s.startswith("Giulia Bianchi") for s in minutes.speakers)


def test_the_programme_is_the_authority_on_names(signable: dict) -> None:
    minutes = signable["json"]
    first = minutes.tables[0]
    assert (first.spokesperson, first.organisation) == ("Giulia Bianchi", "Cooperativa Sociale Il Ponte")
    assert minutes.tables[2].spokesperson == "Maria Grazia Rossetti"  # heard "Mariagrazia Rosetti"
    markdown = signable["verbale.md"].decode()
    assert "Soziale" not in markdown and "Mariagrazia" not in markdown.split("## Allegato")[0]


@pytest.mark.parametrize("fmt", ["md", "html", "docx", "odt"])
def test_every_format_has_the_formal_parts(signable: dict, fmt: str) -> None:
    text = document_text(signable[f"verbale.{fmt}"], fmt)
    for expected in (
        "Letto, approvato e sottoscritto.",
        "Prot. n. 2021/0012345",
        "Paolo Gatti",
        "Segretario verbalizzante",
        "Elena Marchi",
        "avviso pubblico n. 12/2021 del 15 ottobre 2021",
        "dichiara aperta la seduta alle ore 17:24",
        "chiusa la seduta alle ore 19:48",
        "Maria Grazia Rossetti (Caritas diocesana di Pavia)",
        "dalle 17:28 alle 19:45",
    ):
        assert expected in text, f"{fmt}: {expected!r} missing"
    assert "UTC" not in text and "warning" not in text.lower()


def test_odt_has_real_headings_in_italian(signable: dict) -> None:
    data = signable["verbale.odt"]
    outline = odt_text(data)["headings"]
    assert (1, "Verbale della sessione di coprogrammazione n. 2") in [(lvl, t.strip()) for lvl, t in outline]
    assert any(level == 2 and text.strip() == "Presenti" for level, text in outline)
    document = Document(io.BytesIO(data))
    assert document.get_language() == "it-IT"
    assert document.get_style("paragraph", "Heading_20_2") is not None


def test_without_a_report_the_verbale_says_the_list_comes_from_the_recording() -> None:
    session, transcript, tables, programme = labelled("lodi-2022-03-15")
    minutes = build_minutes(session, transcript, tables, programme, transcript.duration)
    assert "non sostituisce il registro delle presenze" in minutes.present_source
    assert minutes.present and not minutes.show_attendance_times
    assert minutes.chair.name is None and minutes.protocol is None  # left blank for the office


def test_a_minimum_presence_names_short_presences_apart(signable: dict) -> None:
    session, transcript, tables, programme = signable["inputs"]
    assert "Laura Riva" in [p.name for p in signable["json"].present]  # no threshold by default
    options = RenderOptions(min_presence_minutes=10)
    minutes = build_minutes(session, transcript, tables, programme, transcript.duration, options)
    assert "Laura Riva" not in [p.name for p in minutes.present]
    assert minutes.short_presences == ["Laura Riva"]


def document_text(data: bytes, fmt: str) -> str:
    if fmt in ("md", "html"):
        text = data.decode()
        if fmt == "html":
            from lxml import html as lxml_html

            text = lxml_html.fromstring(text).text_content()
        return " ".join(text.replace("*", "").split())
    if fmt == "docx":
        document = docx.Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return " ".join(" ".join(parts).split())
    content = odt_text(data)
    return " ".join(" ".join([t for _, t in content["headings"]] + content["paragraphs"]).split())


def zoom_folder(root: Path) -> Path:
    folder = root / "2021-11-22 17.30.00 Coprogrammazione 81234567890"
    folder.mkdir(parents=True)
    (folder / "audio_only.m4a").write_bytes(b"not decoded at ingest")
    return folder
