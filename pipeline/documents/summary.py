"""Extractive condensation of what was said: chosen sentences, never new text.

``clean`` takes out what carries nothing on paper (hesitations such as "ehm",
fillers such as "cioè", "diciamo", "insomma", a word said twice, "mi sentite?")
and leaves every other word as it was said. ``condense`` keeps, for each guide
question, the sentences that add the most content words not already covered,
up to the configured length, in the order they were said; sentences that only
announce a heading ("Passiamo alle risorse.") or deal with the connection are
left out. The full text stays in the verbale's appendix and in transcript.txt.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.lang.it.stop_words import STOP_WORDS

from pipeline.tables import ReportSentence

_LETTER = r"A-Za-zÀ-ÖØ-öø-ÿ"
_HESITATIONS = r"e+h+m*|e+m+h*|u+h+m*|u+m+h*|m+h+|h+m+"
_FILLERS = (
    r"come dire|per così dire|diciamo così|diciamolo(?: pure)?|diciamo(?: che)?|insomma|cioè"
    r"|ecco(?=\s*[,.…!]|\s*$)"
)
_FILLER = re.compile(rf"(?<![{_LETTER}'])(?:{_HESITATIONS}|{_FILLERS})(?![{_LETTER}'])(?:,|…|\.\.\.)*", re.IGNORECASE)
_OPENING_FILLER = re.compile(r"^(?:allora|sì|si|ok|okay|va bene)\s*,\s*", re.IGNORECASE)
_TAG_QUESTION = re.compile(r",\s*no\?(?=\s|$)", re.IGNORECASE)
_CAN_YOU_HEAR = re.compile(
    r"(?:(?:adesso|ora|ancora)\s+)?(?:mi|ci)\s+(?:sentite|senti|sente|si sente|vedete)"
    r"(?:\s+(?:bene|ancora|adesso))?\s*\?",
    re.IGNORECASE,
)
_REPEATED_WORD = re.compile(rf"(?<![{_LETTER}'])([{_LETTER}']+)(?:[\s,]+\1)+(?![{_LETTER}'])", re.IGNORECASE)
_MEANINGFUL_REPETITIONS = frozenset({"piano", "via", "passo", "pian"})  # "piano piano": slowly
_TRUNCATED_WORD = re.compile(rf"(?<![{_LETTER}])([{_LETTER}]+)-\s+(?=\1)", re.IGNORECASE)
# Whisper's words joined with spaces split elisions: "all 'oggi", "l' emergenza".
_ELISION_GAP = re.compile(
    rf"(?<![{_LETTER}])((?:l|un|dell|all|nell|sull|dall|d|c|quest|quell|s|m|t|v|n)(?:'\s+|\s+'))(?=[{_LETTER}])",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:?!…])")
_DOUBLE_COMMA = re.compile(r",\s*(?=[,.;:?!…])")
_LEADING_PUNCTUATION = re.compile(r"^[\s,.;:…-]+")
_TECHNICAL = re.compile(
    r"\b(?:microfon[oi]|mi sent|ci sent|vi sentiamo|si sente|mi vedete|si è bloccat|mi è cadut|"
    r"condivid\w* (?:lo )?schermo|c'è (?:un po' di )?eco|ricolleg)",
    re.IGNORECASE,
)
_WORD = re.compile(rf"[{_LETTER}0-9]+")
# Words that name the structure of a report, or say too little, rather than its content.
_STRUCTURE_WORDS = frozenset(
    {
        *("criticità", "criticita", "risorse", "risorsa", "proposte", "proposta", "rete", "tavolo", "tavoli"),
        *("portavoce", "buonasera", "grazie", "passiamo", "passo", "parto", "partiamo", "riguarda", "riguardo"),
        *("emerso", "emersa", "emersi", "emerse", "seconda", "terza", "altra", "cose", "tanti", "tipo", "ok"),
        *("sintesi", "punto", "finito", "cosa", "volta", "modo", "esempio", "parte", "problema", "problemi"),
        *("vanno", "deve", "devono", "dovrebbe", "dovrebbero", "bisogna", "serve", "servono", "servirebbe"),
        *("potrebbe", "possono", "vuol", "vogliamo", "magari", "soprattutto", "almeno", "ognuno", "ognuna"),
        *("detto", "detti", "fatto", "fatta", "fatti", "dire", "tante", "troppo", "sempre", "oggi", "adesso"),
    }
)


@dataclass(frozen=True)
class SummaryOptions:
    """How long the condensed text is; the full text is always kept in the appendix."""

    max_sentences: int = 4  # per guide question of a table; 0: no limit
    ratio: float | None = None  # at most this share of a question's sentences (rounded up); None: no share limit
    min_content_words: int = 3  # fewer content words: a heading announcement or a courtesy, left out
    max_part_sentences: int = 3  # per contribution to the introduction, the discussion and the closing


def tidy_spacing(text: str) -> str:
    """Only the spacing fixed: "all 'oggi" as "all'oggi", no space before punctuation."""
    text = _ELISION_GAP.sub(lambda m: "".join(m.group(1).split()), " ".join(text.split()))
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def clean(text: str) -> str:
    """``text`` without hesitations, fillers, repeated words and "mi sentite?"; other words unchanged."""
    original = " ".join(text.split())
    cleaned = _CAN_YOU_HEAR.sub(" ", tidy_spacing(original))
    cleaned = _TAG_QUESTION.sub("", cleaned)
    cleaned = _FILLER.sub(_filler_gap, cleaned)
    cleaned = _REPEATED_WORD.sub(_once, cleaned)
    cleaned = _TRUNCATED_WORD.sub("", cleaned)
    cleaned = _tidy_punctuation(_OPENING_FILLER.sub("", _tidy_punctuation(cleaned)))
    if original[:1].isupper():
        cleaned = cleaned[:1].upper() + cleaned[1:]
    return cleaned if _WORD.search(cleaned) else ""


def _filler_gap(match: re.Match[str]) -> str:
    """A removed filler leaves a space; "cioè" between two words leaves the comma it stood for."""
    before = match.string[: match.start()].rstrip()
    if match.group(0).lower().startswith("cioè") and before and before[-1] not in ",.;:?!":
        return ", "
    return " "


def _once(match: re.Match[str]) -> str:
    word = match.group(1)
    return match.group(0) if word.lower() in _MEANINGFUL_REPETITIONS else word


def _tidy_punctuation(text: str) -> str:
    text = " ".join(text.split())
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    text = _DOUBLE_COMMA.sub("", text)
    text = re.sub(r"([.;:?!…])\s*,", r"\1", text)
    return _LEADING_PUNCTUATION.sub("", text).rstrip(" ,;:-")


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def content_words(text: str) -> set[str]:
    """Lower-case words that carry meaning, without their final vowel ("famiglia" = "famiglie")."""
    words = (w.lower() for w in _WORD.findall(text))
    kept = (w for w in words if len(w) > 2 and w not in STOP_WORDS and w not in _STRUCTURE_WORDS)
    return {w if w.isdigit() else w.rstrip("aeiouàèéìòù") or w for w in kept}


def is_technical(text: str) -> bool:
    """About the connection, the microphone or the screen rather than the session's subject."""
    return _TECHNICAL.search(text) is not None


def carries_content(text: str, options: SummaryOptions) -> bool:
    return bool(text) and not is_technical(text) and len(content_words(text)) >= options.min_content_words


def condense(sentences: list[ReportSentence], options: SummaryOptions = SummaryOptions()) -> list[ReportSentence]:
    """The sentences that carry each heading's content, cleaned, in the order they were said.

    Each starts with a capital letter, as a sentence on paper does (ASR often gives none).
    """
    cleaned = [dataclasses.replace(s, text=_sentence_case(clean(s.text))) for s in sentences]
    chosen: list[int] = []
    for heading in dict.fromkeys(s.heading for s in cleaned):
        indices = [i for i, s in enumerate(cleaned) if s.heading == heading and carries_content(s.text, options)]
        chosen += _most_informative(indices, cleaned, _limit(len(indices), options))
    return [cleaned[i] for i in sorted(chosen)]


def _limit(count: int, options: SummaryOptions) -> int:
    limit = count
    if options.max_sentences > 0:
        limit = min(limit, options.max_sentences)
    if options.ratio is not None:
        limit = min(limit, max(1, math.ceil(options.ratio * count)))
    return limit


def _most_informative(indices: Iterable[int], sentences: list[ReportSentence], limit: int) -> list[int]:
    """Greedy cover: each step takes the sentence adding most content words not yet covered (earliest on ties)."""
    words = {i: content_words(sentences[i].text) for i in indices}
    covered: set[str] = set()
    chosen: list[int] = []
    while len(chosen) < limit and words:
        best = max(words, key=lambda i: (len(words[i] - covered), -i))
        if not words[best] - covered:
            break
        chosen.append(best)
        covered |= words.pop(best)
    return chosen
