"""Corrections as records, applied on top of real artifacts (hand-labelled plenary, real tables stage)."""

from __future__ import annotations

import json
import threading

import pytest

from pipeline.artifacts import Transcript
from pipeline.review.corrections import apply_corrections, validate
from pipeline.review.matching import Anchor
from pipeline.review.records import (
    CORRECTIONS_FILE,
    Correction,
    CorrectionError,
    StaleVersion,
    append_correction,
    read_corrections,
)
from pipeline.review.textedit import retime
from tests.conftest import DATA

PAVIA = DATA / "plenaries" / "pavia-2021-11-22.transcript.json"


@pytest.fixture(scope="module")
def artifacts():
    from pipeline.tables import find_tables

    transcript = Transcript.from_dict(json.loads(PAVIA.read_text()))
    return transcript, find_tables(transcript)


def _records(*ops: tuple[str, dict]) -> list[Correction]:
    return [
        Correction(i + 1, i, "2026-11-23T14:00:00Z", "test", op, validate(op, args)) for i, (op, args) in enumerate(ops)
    ]


def _anchor(item) -> dict:
    return Anchor(item.start, item.end, item.text).to_dict()


def test_artifacts_are_never_modified(artifacts):
    transcript, tables = artifacts
    before = (json.dumps(transcript.to_dict()), json.dumps(tables.to_dict()))
    sentence = tables.tables[0].sentences[3]
    apply_corrections(transcript, tables, _records(
        ("rename_speaker", {"from": "SPEAKER_02", "to": "Giulia Bianchi"}),
        ("fix_text", {"sentence": _anchor(sentence), "text": "Testo nuovo."}),
    ))  # fmt: skip
    assert (json.dumps(transcript.to_dict()), json.dumps(tables.to_dict())) == before


def test_rename_and_merge_speakers_everywhere(artifacts):
    transcript, tables = artifacts
    facilitator = tables.other[0].speaker
    result = apply_corrections(transcript, tables, _records(
        ("rename_speaker", {"from": "SPEAKER_02", "to": "Giulia Bianchi, Il Ponte"}),
        ("merge_speakers", {"from": "SPEAKER_03", "into": facilitator}),
    ))  # fmt: skip
    assert not result.unmatched
    speakers = {s.speaker for s in result.transcript.segments}
    assert "SPEAKER_02" not in speakers and "SPEAKER_03" not in speakers
    assert "Giulia Bianchi, Il Ponte" in speakers
    assert result.tables.tables[0].speaker == "Giulia Bianchi, Il Ponte"
    assert result.tables.tables[1].speaker == facilitator
    assert len(speakers) == len({s.speaker for s in transcript.segments}) - 1


def test_reassign_one_sentence_splits_the_utterance(artifacts):
    transcript, tables = artifacts
    segment = next(s for s in transcript.segments if s.text.count(".") >= 2 and len(s.words) > 12)
    first_sentence = segment.words[: next(i for i, w in enumerate(segment.words) if w.word.endswith(".")) + 1]
    anchor = Anchor(first_sentence[0].start, first_sentence[-1].end, " ".join(w.word.strip() for w in first_sentence))
    result = apply_corrections(
        transcript, tables, _records(("reassign_sentence", {"sentence": anchor.to_dict(), "speaker": "Ospite"}))
    )
    assert not result.unmatched
    assert len(result.transcript.segments) == len(transcript.segments) + 1
    moved = next(s for s in result.transcript.segments if s.speaker == "Ospite")
    assert moved.text == anchor.text
    assert [w.start for w in moved.words] == [w.start for w in first_sentence]


def test_table_fields_and_bounds(artifacts):
    transcript, tables = artifacts
    first, second = tables.tables[0], tables.tables[1]
    table = {"start": first.start, "end": first.end, "text": ""}
    new_end = first.sentences[-3].end
    result = apply_corrections(transcript, tables, _records(
        ("set_table", {"table": table, "number": 7, "theme": "scuola", "spokesperson": "Giulia Bianchi",
                       "organisation": "Cooperativa Il Ponte"}),
        ("move_table_bound", {"table": table, "edge": "end", "time": new_end}),
        ("move_table_bound", {"table": {"start": second.start, "end": second.end}, "edge": "start",
                              "time": second.start - 20}),
    ))  # fmt: skip
    assert not result.unmatched
    changed, grown = result.tables.tables[0], result.tables.tables[1]
    assert (changed.table_number, changed.theme, changed.spokesperson.name) == (7, "scuola", "Giulia Bianchi")
    assert changed.end == new_end and len(changed.sentences) == len(first.sentences) - 2
    assert grown.start == second.start - 20
    assert len(grown.sentences) > len(second.sentences)
    assert grown.sentences[0].start >= grown.start - 0.05 and grown.sentences[0].heading == "altro"
    assert all(o.end <= grown.start + 0.05 or o.start >= grown.end - 0.05 for o in result.tables.other)


def test_move_sentence_to_another_heading(artifacts):
    transcript, tables = artifacts
    sentence = next(s for s in tables.tables[2].sentences if s.heading == "criticita")
    result = apply_corrections(
        transcript, tables, _records(("move_heading", {"sentence": _anchor(sentence), "heading": "proposte"}))
    )
    moved = next(s for s in result.tables.tables[2].sentences if s.start == sentence.start)
    assert (moved.heading, moved.doubtful) == ("proposte", False)


def test_fix_text_keeps_the_times_of_unchanged_words(artifacts):
    transcript, tables = artifacts
    sentence = tables.tables[2].sentences[2]
    words = sentence.text.split()
    words[1] = "CORRETTO"
    new_text = " ".join([*words[:-1], "aggiunta", words[-1]])
    result = apply_corrections(
        transcript, tables, _records(("fix_text", {"sentence": _anchor(sentence), "text": new_text}))
    )
    assert not result.unmatched
    assert result.tables.tables[2].sentences[2].text == new_text
    segment = next(s for s in result.transcript.segments if s.start <= sentence.start <= s.end)
    assert new_text in segment.text
    old_segment = next(s for s in transcript.segments if s.start <= sentence.start <= s.end)
    old_times = {(w.start, w.end, w.word.strip()) for w in old_segment.words}
    new_times = {(w.start, w.end, w.word.strip()) for w in segment.words}
    assert len(old_times & new_times) == len(old_segment.words) - 1  # only the changed word lost its time
    changed = next(w for w in segment.words if w.word.strip() == "CORRETTO")
    assert changed.probability == 1.0 and sentence.start <= changed.start < sentence.end


def test_retime_spreads_replaced_and_inserted_words():
    from pipeline.artifacts import Word

    old = [Word(0.0, 0.5, " uno", 0.9), Word(0.6, 1.0, " due", 0.4), Word(1.2, 1.6, " tre.", 0.9)]
    new = retime(old, "uno venti trenta tre.")
    assert [(w.word, w.start, w.end) for w in new] == [
        (" uno", 0.0, 0.5), (" venti", 0.6, 0.8), (" trenta", 0.8, 1.0), (" tre.", 1.2, 1.6)
    ]  # fmt: skip


def test_find_and_replace_across_the_session(artifacts):
    transcript, tables = artifacts
    result = apply_corrections(
        transcript, tables, _records(("replace", {"find": "Rosetti", "replace": "Rossetti", "case_sensitive": True}))
    )
    assert not result.unmatched
    assert "Rosetti" in transcript.text and "Rosetti" not in result.transcript.text
    assert all("Rosetti" not in s.text for t in result.tables.tables for s in t.sentences)
    missing = apply_corrections(transcript, tables, _records(("replace", {"find": "parola mai detta", "replace": "x"})))
    assert missing.unmatched and "non compare" in missing.unmatched[0][1]


def test_undo_cancels_the_last_corrections(artifacts):
    transcript, tables = artifacts
    records = _records(
        ("rename_speaker", {"from": "SPEAKER_02", "to": "A"}),
        ("rename_speaker", {"from": "SPEAKER_03", "to": "B"}),
        ("undo", {"ids": [2]}),
    )
    speakers = {s.speaker for s in apply_corrections(transcript, tables, records).transcript.segments}
    assert "A" in speakers and "SPEAKER_03" in speakers and "B" not in speakers


def test_a_sentence_that_changed_too_much_is_listed_not_applied(artifacts):
    transcript, tables = artifacts
    sentence = tables.tables[0].sentences[4]
    gone = Anchor(sentence.start, sentence.end, "una frase completamente diversa da qualunque cosa detta").to_dict()
    result = apply_corrections(transcript, tables, _records(
        ("move_heading", {"sentence": gone, "heading": "rete"}),
        ("fix_text", {"sentence": gone, "text": "x"}),
        ("rename_speaker", {"from": "SPEAKER_99", "to": "Nessuno"}),
    ))  # fmt: skip
    assert [c.op for c, _ in result.unmatched] == ["move_heading", "fix_text", "rename_speaker"]
    assert all(reason for _, reason in result.unmatched)


def test_moved_times_and_reworded_text_still_match(artifacts):
    """As after a re-transcription: times shifted by 0.4 s and two words heard differently."""
    transcript, tables = artifacts
    sentence = tables.tables[1].sentences[3]
    words = sentence.text.split()
    words[0], words[-2] = words[0].lower() + "h", words[-2] + "e"
    shifted = Anchor(sentence.start + 0.4, sentence.end + 0.4, " ".join(words)).to_dict()
    result = apply_corrections(transcript, tables, _records(("move_heading", {"sentence": shifted, "heading": "rete"})))
    assert not result.unmatched
    assert next(s for s in result.tables.tables[1].sentences if s.start == sentence.start).heading == "rete"


@pytest.mark.parametrize(
    ("op", "args", "message"),
    [
        ("explode", {}, "operazione sconosciuta"),
        ("rename_speaker", {"from": "A"}, "manca to"),
        ("move_heading", {"sentence": {"start": 1, "end": 2}, "heading": "varie"}, "intestazione sconosciuta"),
        ("move_heading", {"sentence": {"start": 5, "end": 2}, "heading": "rete"}, "start <= end"),
        ("move_table_bound", {"table": {"start": 1, "end": 2}, "edge": "middle", "time": 3}, "edge"),
        ("set_table", {"table": {"start": 1, "end": 2}, "number": "tre"}, "set_table"),
        ("set_table", {"table": {"start": 1, "end": 2}}, "nulla da cambiare"),
        ("fix_text", {"sentence": "frase", "text": "x"}, "anchor"),
        ("rename_speaker", {"from": "A", "to": ["B"]}, "testo"),
    ],
)
def test_malformed_corrections_are_refused(op, args, message):
    with pytest.raises(CorrectionError, match=message):
        validate(op, args)


def test_the_file_is_one_readable_record_per_line_and_stale_bases_are_refused(tmp_path):
    first = append_correction(tmp_path, 0, "Giulia", "rename_speaker", {"from": "SPEAKER_00", "to": "Elena Rinaldi"})
    append_correction(tmp_path, 1, "Marco", "replace", {"find": "Rosetti", "replace": "Rossetti"})
    with pytest.raises(StaleVersion, match="ricarica la pagina"):
        append_correction(tmp_path, 1, "Giulia", "replace", {"find": "a", "replace": "b"})
    lines = (tmp_path / CORRECTIONS_FILE).read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {
        "id": 1, "base": 0, "at": first.at, "by": "Giulia", "op": "rename_speaker",
        "from": "SPEAKER_00", "to": "Elena Rinaldi",
    }  # fmt: skip
    assert "Elena Rinaldi" in lines[0]  # not escaped: readable as written


def test_concurrent_saves_lose_nothing_and_duplicate_nothing(tmp_path):
    outcomes: list[str] = []

    def editor(name: str) -> None:
        for _ in range(15):
            base = len(read_corrections(tmp_path))
            try:
                append_correction(tmp_path, base, name, "replace", {"find": name, "replace": "x"})
                outcomes.append("saved")
            except StaleVersion:
                outcomes.append("conflict")

    threads = [threading.Thread(target=editor, args=(f"e{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = read_corrections(tmp_path)
    assert len(records) == outcomes.count("saved")
    assert [r.id for r in records] == list(range(1, len(records) + 1))
    assert [r.base for r in records] == list(range(len(records)))


def test_the_page_shows_every_word_once_even_a_question_inside_a_report():
    """pisa-2023-05-16: table 1's report is interrupted by a clarifying question."""
    from pipeline.review.view import items_of
    from pipeline.tables import find_tables

    transcript = Transcript.from_dict(json.loads((DATA / "plenaries" / "pisa-2023-05-16.transcript.json").read_text()))
    reviewed = apply_corrections(transcript, find_tables(transcript), [])
    items = items_of(reviewed)
    shown = [(w.start, w.text) for item in items for w in item.words]
    assert sorted(shown) == sorted((w.start, w.word.strip()) for w in transcript.words if w.word.strip())
    assert [i.start for i in items] == sorted(i.start for i in items)
    inside_reports = [
        i for i in items if i.table is None and any(t.start < i.start < t.end for t in reviewed.tables.tables)
    ]
    assert inside_reports, "the interruption is shown, outside any table's sentences"


def test_pseudonymised_text_names_roles_and_keeps_organisations(artifacts):
    from pipeline.artifacts import Session
    from pipeline.review.pseudonyms import pseudonymise, replacements

    transcript, tables = artifacts
    first = tables.tables[0]
    assert (first.spokesperson.name, first.table_number) == ("Giulia Bianchi", 1)
    session = Session("s", "file", "/x", "Plenaria", participants=["Paolo Ferri"])
    names = replacements(session, tables, transcript)
    organisation = first.spokesperson.organisation
    text = f"Giulia Bianchi ({organisation}) ha riportato. Grazie Giulia. Paolo Ferri chiede. {organisation}."
    result = pseudonymise({"testo": [text]}, names, [organisation])["testo"][0]
    assert "Giulia" not in result and "Bianchi" not in result and "Paolo" not in result
    assert result.startswith(f"Portavoce del tavolo 1 ({organisation}) ha riportato. Grazie Portavoce del tavolo 1")
    assert "Partecipante" in result and result.endswith(f"{organisation}.")
