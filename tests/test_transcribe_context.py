"""What the session knows, as Whisper's prompt: names, organisations, vocabulary, budget."""

from pathlib import Path

import pytest

from pipeline.artifacts import ChatMessage, Session
from pipeline.ingest import discover
from pipeline.ingest.programme import load_programme
from pipeline.transcribe.context import (
    INITIAL_PROMPT_TOKENS,
    SessionContext,
    build_prompt,
    default_vocabulary,
    find_organisations,
    person_name,
    session_context,
)
from tests.conftest import ROOT

SAMPLE = ROOT / "recordings"


@pytest.mark.parametrize(
    ("display", "person"),
    [
        ("Elena Rinaldi", "Elena Rinaldi"),
        ("iPad di Paola", "Paola"),
        ("i Paddi Marta", "Marta"),  # the same device name as read from a track's file name
        ("iPhone", None),
        ("+39 333 123 4567", None),
        ("Sala 2", None),
    ],
)
def test_device_and_phone_names_are_not_people(display, person):
    assert person_name(display, default_vocabulary()) == person


def test_organisations_are_found_in_chat_lines():
    vocabulary = default_vocabulary()
    assert find_organisations("Paolo Greco, Comune di Garlasco. Seguo in ascolto", vocabulary) == ["Comune di Garlasco"]
    assert find_organisations("Marta Rossetti, Cooperativa Sociale Il Mosaico", vocabulary) == [
        "Cooperativa Sociale Il Mosaico"
    ]
    assert find_organisations("Giorgio Aschieri - ATS Val Padana, presente", vocabulary) == ["ATS Val Padana"]
    assert find_organisations("il comune ha risposto, la cooperativa no", vocabulary) == []


def test_the_sample_session_gives_people_organisations_and_programme_first():
    session = next(iter(discover(SAMPLE)))
    context = session_context(session, load_programme(SAMPLE / "programma.yaml"))
    terms = context.terms()
    assert terms[:6] == sorted(session.participants)
    assert "Comune di Garlasco" in terms  # from the chat
    assert "Caritas Diocesana di Vigevano" in terms  # from the programme
    assert terms.index("Consorzio Sociale Pavese") < terms.index("coprogrammazione")  # vocabulary last
    assert len(terms) == len({t.casefold() for t in terms})


def test_a_session_without_programme_or_chat_still_has_names_and_vocabulary():
    session = Session("s", "zoom-local", "/nowhere", "Plenaria", participants=["iPad di Giuseppe", "Anna Neri"])
    session.chat = [ChatMessage("10:00:00", "Anna Neri", "Everyone", "buonasera")]
    context = session_context(session)
    assert context.people == ("Giuseppe", "Anna Neri")
    assert context.organisations == ()
    assert "coprogettazione" in context.vocabulary


def _words(text: str) -> int:  # a stand-in tokenizer: one token per word and comma
    return len(text.replace(",", " ,").split())


def test_prompt_modes_and_budgets():
    context = SessionContext(people=("Elena Rinaldi", "Marco Bellini"), vocabulary=("coprogrammazione", "ATS"))
    assert build_prompt(context, "off", 96, _words).hotwords is None
    hot = build_prompt(context, "hotwords", 5, _words)
    assert hot.hotwords == "Elena Rinaldi, Marco Bellini" and hot.initial_prompt is None
    both = build_prompt(context, "both", 96, _words)
    assert both.initial_prompt == "Elena Rinaldi, Marco Bellini, coprogrammazione, ATS."
    assert both.terms.count("ATS") == 2
    assert build_prompt(SessionContext(vocabulary=("ATS",)), "hotwords", 96, _words).hotwords is None
    with pytest.raises(ValueError, match="context mode 'always'"):
        build_prompt(context, "always", 96, _words)


@pytest.mark.models
def test_prompts_fit_whispers_budget_in_real_tokens(engines):
    transcriber = engines.transcriber
    session = next(iter(discover(SAMPLE)))
    context = session_context(session, load_programme(Path(SAMPLE / "programma.yaml")))
    prompt = build_prompt(context, "both", 96, transcriber.count_tokens)
    assert 80 <= transcriber.count_tokens(prompt.hotwords) <= 96
    assert 200 <= transcriber.count_tokens(prompt.initial_prompt) <= INITIAL_PROMPT_TOKENS + 1
    assert prompt.hotwords.startswith("Anna Moretti, Davide Costa, Elena Rinaldi")
