"""Extractive condensation: fillers out, every other word as said, the sentences that carry content."""

from __future__ import annotations

import re

import pytest

from pipeline.documents.summary import SummaryOptions, carries_content, clean, condense, tidy_spacing
from pipeline.tables import ReportSentence


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+|\d+", text.lower())


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    remaining = iter(whole)
    return all(word in remaining for word in part)


@pytest.mark.parametrize(
    ("said", "written"),
    [
        (
            "Poi le famiglie con più figli che dopo il covid, ehm, fanno fatica a sostenere i costi.",
            "Poi le famiglie con più figli che dopo il covid, fanno fatica a sostenere i costi.",
        ),
        ("Ehm, noi abbiamo fatto un lavoro un po' diverso.", "Noi abbiamo fatto un lavoro un po' diverso."),
        ("le criticità che abbiamo visto sono diciamo di due tipi", "le criticità che abbiamo visto sono di due tipi"),
        ("Sul tema della rete, diciamo che qui la rete c'è già.", "Sul tema della rete, qui la rete c'è già."),
        ("i lavoratori poveri cioè persone che lavorano poco", "i lavoratori poveri, persone che lavorano poco"),
        ("sono i volontari, cioè i ragazzi del servizio civile.", "sono i volontari, i ragazzi del servizio civile."),
        ("insomma la casa è il problema, no? insomma.", "la casa è il problema."),
        ("che che il il problema è è la casa", "che il problema è la casa"),
        ("Adesso mi sentite? Allora, i doposcuola sono pochi.", "I doposcuola sono pochi."),
        ("I affitti sono alti e mancano all 'oggi.", "I affitti sono alti e mancano all'oggi."),
        ("Uhm... la dote scuola, eh, arriva tardi", "La dote scuola, arriva tardi"),
        ("piano piano si va avanti", "piano piano si va avanti"),
    ],
)
def test_clean_removes_fillers_and_keeps_every_other_word(said: str, written: str) -> None:
    assert clean(said) == written
    assert is_subsequence(words(written), words(said))


@pytest.mark.parametrize("said", ["Ehm.", "Mi sentite?", "ehm, cioè, diciamo, insomma", "   "])
def test_clean_of_nothing_but_fillers_is_empty(said: str) -> None:
    assert clean(said) == ""


def test_tidy_spacing_changes_only_spaces() -> None:
    assert tidy_spacing("un 'unica vista , e l' emergenza .") == "un'unica vista, e l'emergenza."


def test_a_heading_announcement_or_a_microphone_remark_carries_no_content() -> None:
    options = SummaryOptions()
    assert not carries_content("Passiamo alle risorse.", options)
    assert not carries_content("Parto dalle criticità.", options)
    assert not carries_content("Scusate, mi si è bloccato il video, mi sentite ancora?", options)
    assert carries_content("I doposcuola sono pochi e hanno le liste d'attesa.", options)


def sentence(start: float, text: str, heading: str = "criticita", doubtful: bool = False) -> ReportSentence:
    return ReportSentence(start, start + 4.0, text, heading, 0.4 if doubtful else 0.95, doubtful)


REPORT = [
    sentence(10, "Allora, partiamo dalle criticità."),
    sentence(14, "Gli affitti sono cresciuti molto e le famiglie con un reddito basso non trovano casa."),
    sentence(18, "Ehm, i proprietari chiedono garanzie che le famiglie non hanno."),
    sentence(22, "Gli affitti, diciamo, sono cresciuti molto."),
    sentence(26, "I comuni non hanno alloggi per l'emergenza abitativa.", doubtful=True),
    sentence(30, "Passiamo alle risorse.", "risorse"),
    sentence(32, "C'è il fondo per la morosità incolpevole e l'agenzia per l'abitare.", "risorse"),
]


def test_condense_keeps_the_content_of_each_heading_in_order() -> None:
    kept = condense(REPORT, SummaryOptions(max_sentences=3))
    assert [s.start for s in kept] == [14, 18, 26, 32]
    assert kept[1].text == "I proprietari chiedono garanzie che le famiglie non hanno."
    assert kept[2].doubtful and kept[2].heading == "criticita"
    assert all(s.end == s.start + 4.0 for s in kept)  # times kept for the links to the recording


def test_condense_leaves_out_what_repeats_covered_words() -> None:
    kept = condense(REPORT, SummaryOptions(max_sentences=10))
    assert 22 not in [s.start for s in kept]  # "gli affitti sono cresciuti molto" again


@pytest.mark.parametrize(
    ("options", "per_heading"), [(SummaryOptions(max_sentences=1), 1), (SummaryOptions(max_sentences=0, ratio=0.5), 2)]
)
def test_the_length_is_configurable(options: SummaryOptions, per_heading: int) -> None:
    kept = condense(REPORT, options)
    assert len([s for s in kept if s.heading == "criticita"]) == per_heading
    assert len([s for s in kept if s.heading == "risorse"]) == 1


def test_condense_never_invents_words() -> None:
    originals = {s.start: s.text for s in REPORT}
    for kept in condense(REPORT, SummaryOptions(max_sentences=0)):
        assert is_subsequence(words(kept.text), words(originals[kept.start]))


def test_condense_of_nothing_is_nothing() -> None:
    assert condense([], SummaryOptions()) == []
    assert condense([sentence(1, "Criticità."), sentence(2, "Mi sentite?")], SummaryOptions()) == []
