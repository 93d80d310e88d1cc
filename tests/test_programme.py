"""The optional session programme (programma.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import VerbaliError
from pipeline.ingest.programme import Programme, ProgrammeError, TablePlan, find_programme, load_programme

GOOD = """\
processo: "Piano Sociale di Zona 2021-2023"
ente: "Consorzio Sociale Pavese"
distretto: "Distretto di Pavia"
sessione: 2
tema: "Povertà e inclusione sociale"
data: 2021-11-22
tavoli:
  - {numero: 1, tema: "povertà educativa", portavoce: "Giulia Bianchi", organizzazione: "Cooperativa sociale Il Ponte"}
  - {numero: "2", tema: "casa"}
  - tema: "lavoro"
"""


def write(folder: Path, text: str, name: str = "programma.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_every_field(tmp_path: Path) -> None:
    programme = load_programme(write(tmp_path, GOOD))
    assert programme.process == "Piano Sociale di Zona 2021-2023"
    assert programme.organisation == "Consorzio Sociale Pavese"
    assert programme.district == "Distretto di Pavia"
    assert programme.session == 2
    assert programme.date == "2021-11-22"
    assert programme.tables[0] == TablePlan(1, "povertà educativa", "Giulia Bianchi", "Cooperativa sociale Il Ponte")
    assert programme.table(2) == TablePlan(2, "casa")
    assert programme.tables[2].number == 3  # no numero: its place in the list
    assert programme.numbers == [1, 2, 3]
    assert programme.table(9) is None


def test_round_trips_through_dict(tmp_path: Path) -> None:
    programme = load_programme(write(tmp_path, GOOD))
    assert Programme.from_dict(programme.to_dict()) == programme


def test_minimal_programme_is_fine(tmp_path: Path) -> None:
    programme = load_programme(write(tmp_path, "tema: casa\n"))
    assert programme.theme == "casa"
    assert programme.tables == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tavoli: [1, 2\n", "not valid YAML"),
        ("", "is empty"),
        ("- una lista\n", "expected a mapping"),
        ("titolo: x\n", "unknown key 'titolo'"),
        ("tavoli: {numero: 1}\n", "should be a list"),
        ("tavoli:\n  - {numero: uno}\n", "'numero' should be a whole number"),
        ("tavoli:\n  - {numero: 0}\n", "'numero' should be a whole number"),
        ("tavoli:\n  - {numero: 1}\n  - {numero: 1}\n", "table number 1 appears twice"),
        ("tavoli:\n  - {numero: 1, portavoce: [a, b]}\n", "'portavoce' should be text"),
        ("tavoli:\n  - {numero: 1, relatore: x}\n", "unknown key 'relatore'"),
        ("data: 22/11/2021\n", "'data'"),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProgrammeError) as caught:
        load_programme(path)
    message = str(caught.value)
    assert isinstance(caught.value, VerbaliError)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert problem in message


def test_a_missing_file_is_a_programme_error(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeError, match="cannot be read"):
        load_programme(tmp_path / "programma.yaml")


def test_find_programme_in_the_session_folder_then_its_parent(tmp_path: Path) -> None:
    session = tmp_path / "2021-11-22 17.30.00 Plenaria"
    session.mkdir()
    assert find_programme(session) is None
    in_parent = write(tmp_path, GOOD, "programme.yaml")
    assert find_programme(session) == in_parent
    in_session = write(session, GOOD, "programma.yml")
    assert find_programme(session) == in_session
    preferred = write(session, GOOD, "programma.yaml")
    assert find_programme(session) == preferred


def test_find_programme_beside_a_single_recording(tmp_path: Path) -> None:
    recording = tmp_path / "plenaria.m4a"
    recording.write_bytes(b"")
    path = write(tmp_path, GOOD)
    assert find_programme(recording) == path
