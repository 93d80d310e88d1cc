"""What the session knows, as words for Whisper's prompt.

People's display names (from the tracks, the chat, a cloud transcript), organisations
named in the chat and the programme, the programme's process and themes, and a
vocabulary of co-programming terms (``pipeline/data/it/vocabulary.yaml``) become
faster-whisper's ``hotwords`` (given with every 30-second window) and/or its
``initial_prompt`` (the first window's "previous text"). Both share the decoder's
448 positions with the text being written, so each is cut to a token budget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from pipeline.artifacts import Session

# names: hotwords of the session's people and organisations only; hotwords: those, then the
# programme's themes and the vocabulary; prompt: all as initial prompt; both: hotwords + prompt.
CONTEXT_MODES = ("off", "names", "hotwords", "prompt", "both")
# faster-whisper keeps at most max_length // 2 - 1 = 223 tokens of previous text.
INITIAL_PROMPT_TOKENS = 223
VOCABULARY_LANGUAGE = "it"  # the language of pipeline/data/it/vocabulary.yaml
_DIGITS = re.compile(r"\d")
_WORD = re.compile(r"[\w'’.-]+")


@dataclass(frozen=True)
class Prompt:
    hotwords: str | None = None
    initial_prompt: str | None = None

    @property
    def terms(self) -> list[str]:
        return [t for text in (self.hotwords, self.initial_prompt) if text for t in text.rstrip(".").split(", ")]


NO_PROMPT = Prompt()


@dataclass(frozen=True)
class SessionContext:
    """The words a session gives, by kind, most useful first."""

    people: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()

    @property
    def from_session(self) -> bool:
        return bool(self.people or self.organisations or self.topics)

    def terms(self, names_only: bool = False) -> list[str]:
        """Every term once (case-insensitive), people first, the vocabulary last."""
        seen: dict[str, str] = {}
        for term in (*self.people, *self.organisations, *(() if names_only else (*self.topics, *self.vocabulary))):
            seen.setdefault(" ".join(term.casefold().split()), " ".join(term.split()))
        return list(seen.values())


@dataclass(frozen=True)
class Vocabulary:
    terms: tuple[str, ...]
    organisation_heads: tuple[str, ...]
    organisation_joiners: frozenset[str]
    device_prefixes: frozenset[str]


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    folder = resources.files("pipeline").joinpath("data", "it")
    words = yaml.safe_load(folder.joinpath("vocabulary.yaml").read_text(encoding="utf-8"))
    people = yaml.safe_load(folder.joinpath("people.yaml").read_text(encoding="utf-8"))
    return Vocabulary(
        terms=tuple(words["terms"]),
        organisation_heads=tuple(sorted(words["organisation_heads"], key=len, reverse=True)),
        organisation_joiners=frozenset(w.casefold() for w in words["organisation_joiners"]),
        device_prefixes=frozenset(p.casefold() for p in people["device_prefixes"]),
    )


def session_context(
    session: Session | None, programme: Any = None, vocabulary: Vocabulary | None = None
) -> SessionContext:
    """The context of one session; ``programme`` is a ``pipeline.programme.Programme`` or None."""
    vocabulary = vocabulary or default_vocabulary()
    people: list[str] = []
    organisations: list[str] = []
    topics: list[str] = []
    if session is not None:
        people += [p for p in (person_name(n, vocabulary) for n in session.participants) if p]
        for message in session.chat:
            organisations += find_organisations(message.text, vocabulary)
        topics += [session.topic] if session.kind != "file" and session.topic else []
    if programme is not None:
        people += [t.spokesperson for t in programme.tables if t.spokesperson]
        organisations += [t.organisation for t in programme.tables if t.organisation]
        organisations += [programme.organisation] if programme.organisation else []
        topics += [x for x in (programme.process, programme.district, programme.theme) if x]
        topics += [t.theme for t in programme.tables if t.theme]
    return SessionContext(tuple(people), tuple(organisations), tuple(topics), vocabulary.terms)


def person_name(display_name: str, vocabulary: Vocabulary) -> str | None:
    """The person in a Zoom display name: "iPad di Paola" -> "Paola"; None for "+39 333…", "Utente"."""
    words = display_name.split()
    if not words or _DIGITS.search(display_name):
        return None
    joined = "".join(words).casefold()  # "iPad di Marta" may come from a track's file name as "i Paddi Marta"
    if any(joined.startswith(prefix) for prefix in vocabulary.device_prefixes):
        owner = words[-1]
        return owner if len(words) > 1 and owner[0].isupper() and owner.casefold() not in ("di", "de") else None
    return " ".join(words)


def find_organisations(text: str, vocabulary: Vocabulary) -> list[str]:
    """Organisations named in free text: a head word ("Comune", "Caritas", "ASST") and the
    capitalised words after it ("Comune di Garlasco", "Cooperativa Sociale Il Ponte")."""
    found = []
    words = _WORD.findall(text)
    position = 0
    while position < len(words):
        head = _head_at(words, position, vocabulary)
        if head == 0:
            position += 1
            continue
        end = _name_end(words, position + head, vocabulary)
        if end > position + head or words[position].isupper():
            found.append(" ".join(words[position:end]).rstrip(".,"))
        position = max(end, position + 1)
    return found


def _head_at(words: list[str], position: int, vocabulary: Vocabulary) -> int:
    for head in vocabulary.organisation_heads:
        parts = head.split()
        window = [w.casefold() for w in words[position : position + len(parts)]]
        if window == [p.casefold() for p in parts] and words[position][0].isupper():
            return len(parts)
    return 0


def _name_end(words: list[str], position: int, vocabulary: Vocabulary) -> int:
    """Where the name that starts before ``position`` ends: its last capitalised word."""
    end = position
    for index in range(position, len(words)):
        word = words[index]
        if word[0].isupper():
            end = index + 1
            if word.endswith("."):
                break
        elif word.casefold().rstrip("'’") + ("'" if word[-1] in "'’" else "") not in vocabulary.organisation_joiners:
            break
    return end


def build_prompt(context: SessionContext, mode: str, budget: int, count_tokens: Callable[[str], int]) -> Prompt:
    """The prompt for ``mode`` (see CONTEXT_MODES), each part within its budget."""
    if mode not in CONTEXT_MODES:
        raise ValueError(f"context mode {mode!r}: expected one of {', '.join(CONTEXT_MODES)}")
    terms = context.terms(names_only=mode == "names")
    if mode == "off" or not context.from_session:
        return NO_PROMPT  # the vocabulary alone made read speech worse (docs/benchmarks.md)
    hotwords = fit(terms, budget, count_tokens) if mode in ("names", "hotwords", "both") else None
    initial = fit(terms, INITIAL_PROMPT_TOKENS, count_tokens) + "." if mode in ("prompt", "both") else None
    return Prompt(hotwords=hotwords or None, initial_prompt=initial)


def fit(terms: Iterable[str], budget: int, count_tokens: Callable[[str], int]) -> str:
    """As many terms as fit in ``budget`` tokens, in order, joined by commas."""
    chosen: list[str] = []
    for term in terms:
        if count_tokens(", ".join([*chosen, term])) <= budget:
            chosen.append(term)
    return ", ".join(chosen)
