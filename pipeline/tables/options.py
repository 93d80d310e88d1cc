"""The tables stage's options and the names it gives headings and speakers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.tables.nlp import NlpSettings

HEADINGS = ("criticita", "risorse", "proposte", "rete")
ALTRO = "altro"
STATES = (*HEADINGS, ALTRO)
UNKNOWN_SPEAKER = "?"
FACILITATOR = "facilitatore"
_LABEL_SPEAKER = re.compile(
    r"^(speaker|spk|spkr|unknown|sconosciuto|persona|participant|partecipante|voce)?[\s_\-]*\d*$", re.I
)
_DISCOURSE_MARKERS = {"poi", "quindi", "inoltre", "invece", "allora", "infine", "anche", "però", "comunque", "ma"}
_GREETINGS = {"sì", "si", "allora", "eccomi", "ecco", "buonasera", "buongiorno", "ciao", "salve", "grazie", "ok"}
_THEME_STOP = {"prego", "grazie", "vai", "tocca", "parola", "chi", "allora", "quindi", "adesso", "ora"}
_THEME_CONNECTORS = frozenset(
    {"e", "di", "del", "della", "dello", "dei", "degli", "delle", "dell'", "d'", "per", "con", "in", "nel", "nella"}
    | {"a", "al", "alla", "ai", "agli", "alle", "all'", "nei", "l'", "la", "il", "lo", "le", "i", "gli"}
)
_THEME_SKIP = {
    "occupato",
    "occupata",
    "occupati",
    "lavorato",
    "trattato",
    "trattava",
    "riguardava",
    "dedicato",
    "dedicata",
}


@dataclass(frozen=True)
class TablesOptions:
    """How the tables stage reads a plenary; the defaults are those the scores were measured with."""

    patterns_dir: Path | None = None  # an office's extra cue files, named as in pipeline/data/it/
    spacy_model: str | None = None  # None: an installed it_core_news_* if any, else blank; "blank": always blank
    doubt_threshold: float = 0.5  # a table or sentence below this confidence is "doubtful"
    max_sentence_words: int = 40  # an unpunctuated run longer than this is cut at its longest pauses
    min_report_words: int = 40  # a report has at least this many words
    interjection_words: int = 12  # another speaker saying fewer words does not interrupt a report
    handover_reach: int = 4  # turns after a hand-over within which its report must begin
    opening_sentences: int = 5  # sentences at a report's start searched for its table and spokesperson
    heading_stay: float = 0.85  # probability that a heading carries over to the next sentence
    heading_continue: float = 0.95  # the same after "poi", "la seconda è", "inoltre"
    announcement_weight: float = 5.0  # log-weight of an announced heading ("per quanto riguarda le criticità")
    cue_weight: float = 1.5  # log-weight per unit of lexical cue weight
    name_similarity: float = 80.0  # rapidfuzz token-set score to take a heard name for a known one

    def nlp_settings(self) -> NlpSettings:
        return NlpSettings(model=self.spacy_model, patterns_dir=self.patterns_dir)
