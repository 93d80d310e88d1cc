"""The tables stage's options and the names it gives headings and speakers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.tables.nlp import NlpSettings

PACKAGED_MODEL = "packaged"
RULES_ONLY = "rules"
HEADINGS = ("criticita", "risorse", "proposte", "rete")
ALTRO = "altro"
STATES = (*HEADINGS, ALTRO)
UNKNOWN_SPEAKER = "?"
FACILITATOR = "facilitatore"
_LABEL_SPEAKER = re.compile(
    r"^(speaker|spk|spkr|unknown|sconosciuto|persona|participant|partecipante|voce)?[\s_\-]*\d*$", re.I
)
_DISCOURSE_MARKERS = {"poi", "quindi", "inoltre", "invece", "allora", "infine", "anche", "però", "comunque", "ma"}
_GREETINGS = {"sì", "si", "allora", "eccomi", "ecco", "buonasera", "buongiorno", "ciao", "salve", "grazie", "ok"} | {
    "a",
    "tutti",
    "tutte",
    "e",
}  # "Salve a tutti, Paolo Neri, Caritas"
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
class HeadingModel:
    """The heading HMM's priors and weights, as tuned on the labelled plenaries (docs/benchmarks.md)."""

    initial: tuple[float, ...] = (0.35, 0.1, 0.1, 0.05, 0.4)  # first sentence: crit, riso, prop, rete, altro
    stay_where_announced: float = 0.5  # carry-over into a sentence that announces a heading
    from_altro: tuple[float, float, float] = (0.6, 0.25, 0.05)  # altro -> altro, -> criticità, -> another heading
    to_next_question: float = 0.3  # of a heading's leaving probability: to the next guide question
    to_altro: float = 0.25  # ... back to altro
    to_other_question: float = 0.225  # ... to any other guide question (reports go back and forth)
    meta_weight: float = 4.0  # log-weight towards altro of meta talk (microphone, greetings)
    short_words: int = 4  # a sentence this short that announces nothing leans to altro:
    short_closing_weight: float = 1.0  # ... by this much when it thanks or closes,
    short_weight: float = 0.5  # ... by this much otherwise


@dataclass(frozen=True)
class ConfidenceWeights:
    """How a table's confidence adds up: support from the evidence, less the doubts."""

    base: float = 0.15
    handover: float = 0.2  # the facilitator handed over
    says_whose: float = 0.15  # the presenter introduced themselves or named the table
    ceiling: float = 0.99
    single_voice: float = 0.15  # doubts: one voice for the whole recording,
    co_speakers: float = 0.15  # ... a second spokesperson,
    short: float = 0.15  # ... fewer than twice min_report_words,
    not_in_programme: float = 0.2  # ... a table number the programme does not have
    floor: float = 0.05


@dataclass(frozen=True)
class IdentityWeights:
    """Votes and scores by which a report's table number is chosen."""

    handover_vote: float = 1.0  # the facilitator named the table when handing over
    opening_vote: float = 1.1  # the report's opening names it
    programme_name_vote: float = 0.8  # the programme says this spokesperson speaks for that table
    rival_vote: float = 0.8  # another number with this many votes makes the choice doubtful
    voted_base: float = 0.3  # score of a voted number: base + per_vote * votes, at most voted_max,
    per_vote: float = 0.3
    voted_max: float = 0.6
    rival_penalty: float = 0.2  # ... less this with a rival
    programme_order: float = 0.2  # score of a number taken from the programme's order
    guessed: float = 0.05  # score of a number guessed from the order of reports
    name_bonus: float = 0.15  # a spokesperson's name was found


@dataclass(frozen=True)
class TablesOptions:
    """How the tables stage reads a plenary; the defaults are those the scores were measured with."""

    patterns_dir: Path | None = None  # an office's extra cue files, named as in pipeline/data/it/
    spacy_model: str | None = None  # None: an installed it_core_news_* if any, else blank; "blank": always blank
    doubt_threshold: float = 0.5  # a table below this confidence is "doubtful"
    heading_doubt_threshold: float = 0.5  # with the rules only: a sentence whose posterior is below this is "doubtful"
    max_sentence_words: int = 40  # an unpunctuated run longer than this is cut at its longest pauses
    min_report_words: int = 40  # a report has at least this many words
    interjection_words: int = 12  # another speaker saying fewer words does not interrupt a report
    floor_holding_words: int = 200  # after a report, another voice speaking this long is a report, whatever its opening
    handover_reach: int = 4  # turns after a hand-over within which its report must begin
    opening_sentences: int = 5  # sentences at a report's start searched for its table and spokesperson
    heading_stay: float = 0.85  # probability that a heading carries over to the next sentence
    heading_continue: float = 0.95  # the same after "poi", "la seconda è", "inoltre"
    announcement_weight: float = 5.0  # log-weight of an announced heading ("per quanto riguarda le criticità")
    cue_weight: float = 1.5  # log-weight per unit of lexical cue weight
    name_similarity: float = 80.0  # rapidfuzz token-set score to take a heard name for a known one
    heading_model: str = PACKAGED_MODEL  # "packaged", "rules" (cues only) or a folder written by `verbali train`
    introduction_sentences: int = 3  # sentences at a report's start where a self-introduction counts
    headings: HeadingModel = field(default_factory=HeadingModel)
    confidence: ConfidenceWeights = field(default_factory=ConfidenceWeights)
    identity: IdentityWeights = field(default_factory=IdentityWeights)

    def nlp_settings(self) -> NlpSettings:
        return NlpSettings(model=self.spacy_model, patterns_dir=self.patterns_dir)
