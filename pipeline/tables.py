"""Find the tables' reports in a plenary and give each sentence its guide question.

In a "coprogrammazione" plenary the facilitator hands the floor from table to
table and each table's spokesperson ("portavoce") presents its synthesis along
four guide questions: criticità, risorse, proposte, rete. This stage reads the
speaker-attributed transcript and writes ``tables.json``:

1. sentences: spaCy's sentencizer on each utterance, long unpunctuated runs cut
   at the longest pauses between words;
2. signals per sentence, from the patterns in ``pipeline/data/it/``: hand-overs,
   self-introductions, table references (number, ordinal, theme), names,
   organisations, questions, closings, heading cues and announcements;
3. reports: a turn that follows a hand-over, opens with a self-introduction or
   names its table starts a report; the report runs over that speaker's turns,
   across short interjections, until someone else takes the floor;
4. identity: table number, theme and spokesperson from every signal, checked
   against the programme and the session's participants where given;
5. headings: the most likely sequence of headings for a report's sentences
   (an announced heading carries over, lexical cues move it, the guide
   questions' order is preferred), with each sentence's posterior as confidence.

``find_tables`` never raises on odd input: it returns no tables or doubtful ones.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from .artifacts import SCHEMA_VERSION, Segment, Session, Transcript
from .nlp import NUMBER_KIND, NUMBER_VALUE, CueMatch, ItalianNlp, NlpSettings, load_nlp, longest_matches
from .programme import Programme

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


# --------------------------------------------------------------------------- options


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


# --------------------------------------------------------------------------- artifacts


def _round(value: float) -> float:
    return round(float(value), 3)


@dataclass
class Spokesperson:
    name: str | None = None
    organisation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "organisation": self.organisation}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Spokesperson:
        data = data or {}
        return cls(data.get("name"), data.get("organisation"))


@dataclass
class ReportSentence:
    start: float
    end: float
    text: str
    heading: str  # criticita | risorse | proposte | rete | altro
    confidence: float = 1.0
    doubtful: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": _round(self.start),
            "end": _round(self.end),
            "text": self.text,
            "heading": self.heading,
            "confidence": _round(self.confidence),
            "doubtful": self.doubtful,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportSentence:
        return cls(
            data["start"],
            data["end"],
            data["text"],
            data["heading"],
            data.get("confidence", 1.0),
            data.get("doubtful", False),
        )


@dataclass
class TableReport:
    table_number: int | None
    theme: str | None
    spokesperson: Spokesperson
    start: float
    end: float
    speaker: str | None
    evidence: list[str] = field(default_factory=list)
    sentences: list[ReportSentence] = field(default_factory=list)
    confidence: float = 1.0
    doubtful: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "table_number": self.table_number,
            "theme": self.theme,
            "spokesperson": self.spokesperson.to_dict(),
            "start": _round(self.start),
            "end": _round(self.end),
            "speaker": self.speaker,
            "evidence": list(self.evidence),
            "confidence": _round(self.confidence),
            "doubtful": self.doubtful,
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableReport:
        return cls(
            table_number=data.get("table_number"),
            theme=data.get("theme"),
            spokesperson=Spokesperson.from_dict(data.get("spokesperson")),
            start=data["start"],
            end=data["end"],
            speaker=data.get("speaker"),
            evidence=list(data.get("evidence", [])),
            sentences=[ReportSentence.from_dict(s) for s in data.get("sentences", [])],
            confidence=data.get("confidence", 1.0),
            doubtful=data.get("doubtful", False),
        )


@dataclass
class OtherPart:
    """A stretch that is no table's report: introduzione, domande, conduzione, chiusura, ..."""

    kind: str
    start: float
    end: float
    speaker: str | None
    table_number: int | None = None  # the table a "domande" part or an unpresented table is about

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": _round(self.start),
            "end": _round(self.end),
            "speaker": self.speaker,
        }
        if self.table_number is not None:
            data["table_number"] = self.table_number
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OtherPart:
        return cls(data["kind"], data["start"], data["end"], data.get("speaker"), data.get("table_number"))


@dataclass
class Tables:
    """``tables.json``: the tables' reports, the rest of the plenary, who was mentioned."""

    tables: list[TableReport] = field(default_factory=list)
    other: list[OtherPart] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    announced_not_presented: list[int] = field(default_factory=list)
    nlp_model: str = "blank"
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "nlp_model": self.nlp_model,
            "tables": [t.to_dict() for t in self.tables],
            "other": [o.to_dict() for o in self.other],
            "organisations": list(self.organisations),
            "people": list(self.people),
            "announced_not_presented": list(self.announced_not_presented),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tables:
        return cls(
            tables=[TableReport.from_dict(t) for t in data.get("tables", [])],
            other=[OtherPart.from_dict(o) for o in data.get("other", [])],
            organisations=list(data.get("organisations", [])),
            people=list(data.get("people", [])),
            announced_not_presented=list(data.get("announced_not_presented", [])),
            nlp_model=data.get("nlp_model", "blank"),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
        )


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class _Piece:
    """Where a word lies in an utterance's text, and when it was said."""

    start_char: int
    end_char: int
    start: float
    end: float


@dataclass
class Sentence:
    position: int
    segment: int
    speaker: str
    span: Span
    start: float
    end: float

    @property
    def text(self) -> str:
        return self.span.text.strip()

    @cached_property
    def words(self) -> int:
        return sum(1 for token in self.span if token.is_alpha)


def _timed_text(segment: Segment) -> tuple[str, list[_Piece]]:
    words = [w for w in segment.words if w.word.strip()]
    if not words:
        text = " ".join(segment.text.split())
        return text, [_Piece(0, len(text), float(segment.start), float(segment.end))]
    pieces, parts, offset = [], [], 0
    for word in words:
        token = " ".join(word.word.split())
        pieces.append(_Piece(offset, offset + len(token), float(word.start), float(word.end)))
        parts.append(token)
        offset += len(token) + 1
    return " ".join(parts), pieces


def _time_at(pieces: Sequence[_Piece], char: int, *, end: bool) -> float:
    if len(pieces) == 1:  # no word timings: spread the utterance evenly over its text
        piece = pieces[0]
        share = min(max(char / max(piece.end_char, 1), 0.0), 1.0)
        return piece.start + (piece.end - piece.start) * share
    inside = [p for p in pieces if p.start_char <= char < p.end_char + 1]
    piece = inside[0] if inside else min(pieces, key=lambda p: abs(p.start_char - char))
    return piece.end if end else piece.start


def _pause_before(span: Span, index: int, pieces: Sequence[_Piece]) -> float:
    if len(pieces) == 1:
        return 0.0
    previous, token = span[index - 1], span[index]
    return max(
        0.0,
        _time_at(pieces, token.idx, end=False) - _time_at(pieces, previous.idx + len(previous) - 1, end=True),
    )


def _split_long(span: Span, pieces: Sequence[_Piece], options: TablesOptions) -> list[Span]:
    """Cut an unpunctuated run at its longest pause (or a discourse marker) until each part is short."""
    if sum(1 for t in span if t.is_alpha) <= options.max_sentence_words or len(span) < 10:
        return [span]
    candidates = range(5, len(span) - 4)
    best = max(candidates, key=lambda i: _cut_score(span, i, pieces))
    if _cut_score(span, best, pieces) <= 0:
        best = len(span) // 2
    return _split_long(span[:best], pieces, options) + _split_long(span[best:], pieces, options)


def _cut_score(span: Span, index: int, pieces: Sequence[_Piece]) -> float:
    marker = 0.3 if span[index].lower_ in _DISCOURSE_MARKERS else 0.0
    return _pause_before(span, index, pieces) + marker


def _speaker_of(segment: Segment) -> str:
    return (segment.speaker or "").strip() or UNKNOWN_SPEAKER


def _usable(segment: Segment) -> bool:
    try:
        times_ok = math.isfinite(float(segment.start)) and math.isfinite(float(segment.end))
    except (TypeError, ValueError):
        return False
    return times_ok and bool((segment.text or "").strip() or segment.words)


def build_sentences(transcript: Transcript, nlp: ItalianNlp, options: TablesOptions) -> list[Sentence]:
    """Every utterance cut into sentences, each with its time span and speaker."""
    usable = [(i, s) for i, s in enumerate(transcript.segments) if _usable(s)]
    timed = [_timed_text(segment) for _, segment in usable]
    docs = nlp.pipe(text for text, _ in timed)
    sentences: list[Sentence] = []
    for (index, segment), (_, pieces), doc in zip(usable, timed, docs, strict=True):
        for span in _doc_sentences(doc, pieces, options):
            start = _time_at(pieces, span.start_char, end=False)
            end = max(start, _time_at(pieces, span.end_char - 1, end=True))
            sentences.append(Sentence(len(sentences), index, _speaker_of(segment), span, start, end))
    return sentences


def _doc_sentences(doc: Doc, pieces: Sequence[_Piece], options: TablesOptions) -> list[Span]:
    spans = []
    for sent in doc.sents:
        if any(not token.is_space for token in sent):
            spans.extend(_split_long(sent, pieces, options))
    return spans


# --------------------------------------------------------------------------- signals


@dataclass(frozen=True)
class TableRef:
    number: int | None = None
    relative: str | None = None  # next | last
    theme: str | None = None
    token: int = 0  # where in the doc the reference starts

    @property
    def describes(self) -> str:
        if self.number is not None:
            return f"tavolo {self.number}"
        return f"tavolo {self.relative}" if self.relative else f"tavolo «{self.theme}»"


@dataclass
class Signals:
    """What one sentence says about the plenary's structure."""

    labels: set[str]
    table_refs: list[TableRef]
    names: list[str]
    intro_name: str | None
    organisations: list[str]
    question: bool
    table_count: int | None
    heading_scores: dict[str, float]
    announced: dict[str, float]
    words: int
    continues: bool  # opens like "la seconda è...", "poi...": same heading as before

    @property
    def handover(self) -> bool:
        if "HANDOVER" in self.labels or self.calls_someone:
            return True
        return "HANDOVER_WEAK" in self.labels and bool(self.table_refs or self.names or "SPOKESPERSON" in self.labels)

    @property
    def calls_someone(self) -> bool:
        """Just a name, as when the facilitator calls the next presenter: "Giovanna?"."""
        if not self.names or "THANKS" in self.labels or self.words > 3:
            return False
        return len(self.names[0].split()) >= self.words - 1

    @property
    def names_table(self) -> bool:
        """Names a table other than to thank it ("grazie al tavolo due" is about the last one)."""
        return bool(self.table_refs) and not ("THANKS" in self.labels and not self.handover)

    @property
    def speaks_for_table(self) -> bool:
        return "SPEAK_FOR" in self.labels or ("SPOKESPERSON" in self.labels and self.intro_name is not None)

    @property
    def meta(self) -> float:
        """How much this is talk about the talk: who is speaking, the microphone, "ho finito" (0..1).

        "Al nostro tavolo è emerso che..." speaks for the table but also reports: half weight.
        """
        if self.labels & {"TECH", "END_REPORT", "OPENING"} or self.intro_name:
            return 1.0
        return 0.5 if self.speaks_for_table else 0.0


class SignalReader:
    """Reads the cues of one sentence with the pipeline's matchers."""

    def __init__(self, nlp: ItalianNlp):
        self.nlp = nlp
        people = nlp.people
        self.first_names = {str(n).lower() for n in people.get("first_names", [])}
        self.titles = {str(n).lower().rstrip(".") for n in people.get("titles", [])}
        self.not_names = {str(n).lower() for n in people.get("not_names", [])}
        self.name_titles = {str(n).lower() for n in people.get("name_titles", [])}
        self.heading_titles = HeadingTitles.from_yaml(nlp.data_yaml("headings.yaml"))

    def read(self, sentence: Sentence) -> Signals:
        span = sentence.span
        structure = self.nlp.structure(span)
        labels = {m.label for m in structure}
        return Signals(
            labels=labels,
            table_refs=self._table_refs(span),
            names=self._mentioned_names(span, structure),
            intro_name=self._intro_name(span, structure),
            organisations=_entities(span, "ORG"),
            question=span.text.rstrip().endswith("?") or "QUESTION" in labels,
            table_count=self._table_count(span),
            heading_scores=self._heading_scores(span),
            announced=self._announcements(span),
            words=sum(1 for token in span if token.is_alpha),
            continues=any(m.label == "CONTINUE" and m.start - span.start <= 2 for m in structure),
        )

    # tables -------------------------------------------------------------

    def _table_refs(self, span: Span) -> list[TableRef]:
        """Tables named in the sentence; "il quarto tavolo, quello sui giovani" is one table with its theme."""
        matches = self.nlp.tables(span)
        numbered = longest_matches(m for m in matches if m.label in ("TABLE_NUMBER", "TABLE_ORDINAL"))
        themed = longest_matches(m for m in matches if m.label == "TABLE_THEME")
        refs = []
        for match in numbered:
            ref = self._table_ref(span.doc, match)
            theme = next(
                (_theme_after(span.doc, t.end) for t in themed if t.start < match.end and t.end > match.start), None
            )
            if ref is not None:
                refs.append(TableRef(ref.number, ref.relative, ref.theme or theme, ref.token))
        for match in themed:
            if not any(m.start < match.end and m.end > match.start for m in numbered):
                theme = _theme_after(span.doc, match.end)
                refs += [TableRef(theme=theme, token=match.start)] if theme else []
        return sorted(refs, key=lambda r: r.token)

    def _table_ref(self, doc: Doc, match: CueMatch) -> TableRef | None:
        tokens = doc[match.start : match.end]
        number_tokens = [t for t in tokens if t._.get(NUMBER_KIND)]
        if not number_tokens:
            return None
        value = number_tokens[-1 if match.label == "TABLE_NUMBER" else 0]._.get(NUMBER_VALUE)
        theme = _theme_after(doc, match.end) if _is_theme_preposition(doc, match.end) else None
        if isinstance(value, int):
            return TableRef(number=value, theme=theme, token=match.start)
        return TableRef(relative=str(value), theme=theme, token=match.start)

    def _table_count(self, span: Span) -> int | None:
        counts = [m for m in self.nlp.tables(span) if m.label == "TABLE_COUNT"]
        if not counts:
            return None
        values = [t._.get(NUMBER_VALUE) for t in span.doc[counts[0].start : counts[0].end]]
        return next((v for v in values if isinstance(v, int)), None)

    # people --------------------------------------------------------------

    def _intro_name(self, span: Span, structure: list[CueMatch]) -> str | None:
        for match in structure:
            if match.label == "SELF_NAME":
                name = self.name_at(span.doc, match.end, limit=span.end)
                if name:
                    return name
        return self._name_said_first(span)

    def _name_said_first(self, span: Span) -> str | None:
        """ "Luca Pagani, assistente sociale al Comune di Codogno": a full name, then a pause."""
        start = span.start
        while start < span.end and (span.doc[start].is_punct or span.doc[start].lower_ in _GREETINGS):
            start += 1
        name = self.name_at(span.doc, start, limit=span.end, strict=True)
        after = start + len(name.split()) if name else start
        if name and len(name.split()) >= 2 and after < span.end and span.doc[after].text in {",", "."}:
            return name
        return None

    def _mentioned_names(self, span: Span, structure: list[CueMatch]) -> list[str]:
        names: list[str] = []
        index = span.start
        while index < span.end:
            name = self.name_at(span.doc, index, limit=span.end, strict=index == span.start)
            if name:
                names.append(name)
                index += len(name.split())
            else:
                index += 1
        return names + [e for e in _entities(span, "PER") if e not in names]

    def name_at(self, doc: Doc, index: int, *, limit: int, strict: bool = False) -> str | None:
        """The person's name that starts at ``index`` ("Giulia Bianchi", "giulia"), if any."""
        while index < limit and doc[index].lower_.rstrip(".") in self.titles:
            index += 1
        parts: list[str] = []
        titled = index + 1 < limit and doc[index].lower_ in self.name_titles
        if titled and self._name_token(doc[index + 1], first=True, strict=False):
            parts.append(doc[index].lower_)
            index += 1
        while index < limit and len(parts) < 3 and self._name_token(doc[index], first=not parts, strict=strict):
            parts.append(doc[index].text)
            index += 1
        return _person_case(" ".join(parts)) or None

    def _name_token(self, token: Any, *, first: bool, strict: bool) -> bool:
        lower = token.lower_
        if not token.is_alpha or lower in self.not_names or len(lower) < 2:
            return False
        if token.ent_type_ == "PER":
            return True
        if lower in self.first_names:
            return True
        if first:  # a capitalised word starts a name only where it cannot be the sentence's first word
            return token.is_title and not strict and not token.is_sent_start
        return token.is_title or (not token.is_stop and token.nbor(-1).lower_ in self.first_names)

    # headings -------------------------------------------------------------

    def _heading_scores(self, span: Span) -> dict[str, float]:
        blocked = {t.i for e in span.ents for t in e}  # an organisation's name is no cue
        scores = dict.fromkeys(STATES, 0.0)
        for match in longest_matches(self.nlp.heading_cues(span)):
            if match.label in scores and not any(i in blocked for i in range(match.start, match.end)):
                scores[match.label] += match.weight
        return scores

    def _announcements(self, span: Span) -> dict[str, float]:
        announced: dict[str, float] = dict.fromkeys(self.heading_titles.heard_in(span), 0.8)
        for match in self.nlp.announcements(span):
            label, _, where = match.label.partition(":")
            if where == "start" and match.start - span.start > 3:
                continue
            announced[label] = max(announced.get(label, 0.0), match.weight)
        return announced


@dataclass(frozen=True)
class HeadingTitles:
    """A guide question named on its own, even misheard: "Proposte.", "Lavoro direte."."""

    titles: dict[str, tuple[str, ...]]
    max_words: int = 7
    similarity: float = 85.0

    @classmethod
    def from_yaml(cls, data: dict[str, Any]) -> HeadingTitles:
        titles = {str(k): tuple(str(t).lower() for t in v) for k, v in (data.get("titles") or {}).items()}
        return cls(titles, int(data.get("max_title_words", 7)), float(data.get("similarity", 85)))

    def heard_in(self, span: Span) -> list[str]:
        words = [t.lower_ for t in span if t.is_alpha or "'" in t.text]
        if not words or len(words) > self.max_words:
            return []
        return [heading for heading, titles in self.titles.items() if any(self._said(t, words) for t in titles)]

    def _said(self, title: str, words: list[str]) -> bool:
        size = len(title.split())
        if size == 1 and len(title) < 7:  # "rete", "idee": too short to guess at
            return title in words
        windows = {" ".join(words[i : i + n]) for n in (size - 1, size, size + 1) if n > 0 for i in range(len(words))}
        return any(fuzz.ratio(title, window) >= self.similarity for window in windows)


def _entities(span: Span, label: str) -> list[str]:
    return [_clean_entity(e.text) for e in span.ents if e.label_ == label and _clean_entity(e.text)]


def _clean_entity(text: str) -> str:
    text = re.sub(r"^(l'|la |il |lo |i |gli |le |dell'|della |del |dello )", "", text.strip(" .,;:\"'«»"), flags=re.I)
    return " ".join(text.split())


def _theme_word(token: Any) -> bool:
    if token.is_punct or token.is_sent_start or token.lower_ in _THEME_STOP:
        return False
    return not token.is_stop or token.lower_ in _THEME_CONNECTORS


def _is_theme_preposition(doc: Doc, index: int) -> bool:
    return index < len(doc) and doc[index].lower_ in {"su", "sul", "sulla", "sullo", "sui", "sugli", "sulle", "sull'"}


def _theme_after(doc: Doc, index: int) -> str | None:
    """The few words after "tavolo sulla ..." / "tavolo che si è occupato di ...", up to punctuation."""
    while index < len(doc) and (doc[index].is_stop or doc[index].lower_ in _THEME_SKIP) and not doc[index].is_punct:
        index += 1
    words = []
    while index < len(doc) and len(words) < 6 and _theme_word(doc[index]):
        words.append(doc[index])
        index += 1
    while words and words[-1].is_stop:
        words.pop()
    return " ".join(t.text for t in words) or None


# --------------------------------------------------------------------------- turns


@dataclass
class Turn:
    """Consecutive sentences of one speaker."""

    speaker: str
    sentences: list[Sentence]
    signals: list[Signals]
    self_report: bool = False  # the facilitator presenting an absent spokesperson's table

    @property
    def start(self) -> float:
        return self.sentences[0].start

    @property
    def end(self) -> float:
        return self.sentences[-1].end

    @cached_property
    def words(self) -> int:
        return sum(s.words for s in self.sentences)

    def opening(self, count: int) -> list[Signals]:
        return self.signals[:count]

    @property
    def has_handover(self) -> bool:
        return any(s.handover for s in self.signals)

    @property
    def has_question(self) -> bool:
        return any(s.question for s in self.signals)


def build_turns(sentences: Sequence[Sentence], signals: Sequence[Signals]) -> list[Turn]:
    turns: list[Turn] = []
    for sentence, signal in zip(sentences, signals, strict=True):
        if turns and turns[-1].speaker == sentence.speaker:
            turns[-1].sentences.append(sentence)
            turns[-1].signals.append(signal)
        else:
            turns.append(Turn(sentence.speaker, [sentence], [signal]))
    return turns


def relabel_single_speaker(sentences: list[Sentence], signals: Sequence[Signals]) -> bool:
    """With one voice for the whole recording, tell facilitator from presenters by what they say.

    Returns whether it relabelled: the recording opens with the facilitator;
    hand-overs, closings and questions to the room are the facilitator's; what
    follows a hand-over, or a self-introduction, is a new pseudo presenter's.
    """
    voices = Counter(s.speaker for s in sentences if s.speaker != UNKNOWN_SPEAKER)
    if len(voices) > 1 or not sentences:
        return False
    current, presenter, said, invited = FACILITATOR, 0, 0, False
    for sentence, signal in zip(sentences, signals, strict=True):
        introduces = signal.speaks_for_table or bool(signal.intro_name)
        if _sounds_like_facilitator(signal, current):
            current, invited = FACILITATOR, invited or signal.handover
        elif (current == FACILITATOR and (invited or introduces)) or (said > 12 and introduces):
            presenter, said, invited = presenter + 1, 0, False
            current = f"voce {presenter}"
        said += sentence.words
        sentence.speaker = current
    return True


def _sounds_like_facilitator(signal: Signals, current: str) -> bool:
    if signal.handover or "CLOSING" in signal.labels:
        return True
    return current == FACILITATOR and signal.question and "QUESTION" in signal.labels


# --------------------------------------------------------------------------- reports


@dataclass
class Handover:
    """The facilitator's sentences that gave the floor to a table."""

    turn: int
    refs: list[TableRef]  # of the last hand-over sentence that names a table
    announced: list[TableRef]  # every table named in a hand-over of the turn
    names: list[str]
    spokesperson_word: bool
    start: float
    end: float
    speaker: str

    @property
    def specific(self) -> bool:
        return bool(self.refs or self.spokesperson_word)


@dataclass
class Draft:
    """A report as found, before its identity and headings are settled."""

    turns: list[Turn]
    handover: Handover | None
    evidence: list[str]
    co_speakers: set[str] = field(default_factory=set)

    @property
    def speaker(self) -> str:
        return self.turns[0].speaker

    @property
    def sentences(self) -> list[Sentence]:
        return [s for t in self.turns for s in t.sentences]

    @property
    def signals(self) -> list[Signals]:
        return [s for t in self.turns for s in t.signals]

    @property
    def words(self) -> int:
        return sum(t.words for t in self.turns)


def find_facilitator(turns: Sequence[Turn]) -> str | None:
    """The speaker who hands the floor over most often."""
    counts = Counter(t.speaker for t in turns for s in t.signals if s.handover)
    counts.pop(UNKNOWN_SPEAKER, None)
    return counts.most_common(1)[0][0] if counts else None


def _handover_of(turns: Sequence[Turn], index: int) -> Handover:
    """What the facilitator's turn says about the next table: the last table it names counts.

    A table named in thanks ("grazie al tavolo due") is the one that just spoke.
    """
    turn = turns[index]
    naming = [s for s in turn.signals if s.names_table]
    handovers = [s for s in turn.signals if s.handover]
    announced = [r for s in naming for r in s.table_refs]
    refs = naming[-1].table_refs[-1:] if naming else []
    names = [n for s in handovers for n in s.names]
    spokesperson = any("SPOKESPERSON" in s.labels for s in handovers)
    return Handover(index, refs, announced, names, spokesperson, turn.start, turn.end, turn.speaker)


def split_self_reports(turns: list[Turn], facilitator: str | None, options: TablesOptions) -> list[Turn]:
    """Cut a facilitator's turn after "lo riporto io": what follows is a table's report."""
    result: list[Turn] = []
    for turn in turns:
        cut = _self_report_cut(turn, options) if turn.speaker == facilitator else None
        if cut is None:
            result.append(turn)
            continue
        result.append(Turn(turn.speaker, turn.sentences[:cut], turn.signals[:cut]))
        result.append(Turn(turn.speaker, turn.sentences[cut:], turn.signals[cut:], self_report=True))
    return result


def _self_report_cut(turn: Turn, options: TablesOptions) -> int | None:
    for index, signal in enumerate(turn.signals[:-1]):
        if "SPEAK_FOR" in signal.labels:
            rest = sum(s.words for s in turn.sentences[index + 1 :])
            return index + 1 if rest >= 2 * options.min_report_words else None
    return None


class ReportFinder:
    """Walks the turns and cuts out the reports."""

    def __init__(self, turns: list[Turn], facilitator: str | None, options: TablesOptions):
        self.turns = turns
        self.facilitator = facilitator
        self.options = options
        self.found_any = False

    def find(self) -> tuple[list[Draft], list[Handover]]:
        drafts: list[Draft] = []
        handovers: list[Handover] = []
        pending: Handover | None = None
        index = 0
        while index < len(self.turns):
            turn = self.turns[index]
            if self._gives_floor(index):
                pending = _handover_of(self.turns, index)
                handovers.append(pending)
            elif self._closes(turn):
                pending = None
            else:
                evidence = self._start_evidence(index, pending)
                if evidence:
                    draft, index = self._extend(index, pending, evidence)
                    drafts.append(draft)
                    self.found_any, pending = True, None
                elif turn.speaker != self.facilitator and turn.words > self.options.min_report_words:
                    pending = None  # someone else had the floor: that hand-over is spent
            index += 1
        return drafts, handovers

    def _closes(self, turn: Turn) -> bool:
        closing = any("CLOSING" in s.labels for s in turn.signals)
        return turn.speaker == self.facilitator and not turn.self_report and closing

    def _gives_floor(self, index: int) -> bool:
        turn = self.turns[index]
        if turn.speaker != (self.facilitator or turn.speaker) or turn.self_report:
            return False
        following = self.turns[index + 1] if index + 1 < len(self.turns) else None
        names_table = self.facilitator is not None and _ends_naming_a_table(turn)
        return turn.has_handover or names_table or bool(following and following.self_report)

    def _start_evidence(self, index: int, pending: Handover | None) -> list[str]:
        turn = self.turns[index]
        opening = turn.opening(self.options.opening_sentences)
        if turn.speaker == self.facilitator and not turn.self_report:
            return []
        names_table = any(s.table_refs for s in opening)
        says_who = names_table or any(s.speaks_for_table for s in opening)
        if any(s.labels & {"OPENING", "CLOSING"} for s in opening) and not says_who:
            return []
        if self.facilitator is not None and pending is None and not self.found_any and not names_table:
            return []  # nobody has handed over yet: still the introduction
        evidence = []
        if pending is not None and index - pending.turn <= self.options.handover_reach:
            evidence += self._handover_evidence(turn, pending)
        if turn.self_report:
            evidence.append("the facilitator reports for the table")
        if any(s.speaks_for_table for s in opening):
            evidence.append("self-introduction")
        if any(s.table_refs for s in opening[:2]) and not _chimes_in(opening[0]):
            evidence.append("names its table")
        if not evidence and self._reads_like_report(turn):
            evidence.append("introduces themselves" if any(s.intro_name for s in opening) else "report-like turn")
        return evidence if self._enough_words(index, evidence) else []

    def _handover_evidence(self, turn: Turn, pending: Handover) -> list[str]:
        if _asks(turn.opening(1)[0]) and not turn.opening(2)[-1].speaks_for_table:
            return []
        said = "; ".join(r.describes for r in pending.refs) or ", ".join(pending.names) or "la parola"
        return [f"{pending.speaker}: hand-over ({said})"]

    def _enough_words(self, index: int, evidence: list[str]) -> bool:
        words = self._speaker_words_ahead(index)
        if not evidence:
            return False
        own = {"self-introduction", "names its table", "the facilitator reports for the table"}
        if own & set(evidence) or any("hand-over (tavolo" in e for e in evidence):
            return words >= self.options.min_report_words
        return words >= 2 * self.options.min_report_words and self._reads_like_report(self.turns[index], loose=True)

    def _speaker_words_ahead(self, index: int) -> int:
        speaker, words = self.turns[index].speaker, 0
        for turn in self.turns[index:]:
            technical = any("TECH" in s.labels for s in turn.signals)
            if turn.speaker == speaker:
                words += turn.words
            elif turn.words > self.options.interjection_words * (3 if technical else 1):
                break
        return words

    def _reads_like_report(self, turn: Turn, *, loose: bool = False) -> bool:
        """A long turn that announces headings or is dense in their cues.

        ``loose``: the floor was given by name only, so one announcement or dense cues will do.
        """
        if turn.words < 2 * self.options.min_report_words or any(_asks(s) for s in turn.opening(2)):
            return False
        announced = sum(1 for s in turn.signals if s.announced)
        content = sum(max(s.heading_scores[h] for h in HEADINGS) for s in turn.signals)
        dense = content >= turn.words / 25
        if announced >= 2 or (announced and (loose or any(s.intro_name for s in turn.opening(3)))):
            return True
        return dense and (loose or (self.found_any and turn.words >= 3 * self.options.min_report_words))

    def _extend(self, index: int, pending: Handover | None, evidence: list[str]) -> tuple[Draft, int]:
        draft = Draft([self.turns[index]], pending, evidence)
        last, cursor = index, index + 1
        while cursor < len(self.turns) and not self._ends_report(draft):
            turn = self.turns[cursor]
            if turn.speaker in {draft.speaker, *draft.co_speakers}:
                if self._starts_other_table(turn, draft):
                    break
                draft.turns.append(turn)
                last = cursor
            elif self._is_interjection(cursor, draft):
                pass
            elif self._is_co_presenter(turn, draft):
                draft.co_speakers.add(turn.speaker)
                draft.turns.append(turn)
                draft.evidence.append(f"second spokesperson ({turn.speaker})")
                last = cursor
            else:
                break
            cursor += 1
        return draft, last

    def _ends_report(self, draft: Draft) -> bool:
        closing = draft.turns[-1].signals[-2:]
        if any(s.handover and s.names for s in closing):  # "passo a Luca": a second voice may follow
            return False
        return any("END_REPORT" in s.labels for s in closing) and draft.words >= self.options.min_report_words

    def _is_interjection(self, cursor: int, draft: Draft) -> bool:
        """A short remark, or a word about the microphone, after which the report goes on."""
        turn = self.turns[cursor]
        technical = any("TECH" in s.labels for s in turn.signals)
        limit = 3 * self.options.interjection_words if technical else self.options.interjection_words
        if turn.words > limit or any(s.table_refs or s.labels & {"CLOSING", "END_REPORT"} for s in turn.signals):
            return False
        voice = self._next_voice(cursor)
        invited = self._invites(draft) and voice not in (None, self.facilitator)
        resumes = voice in {draft.speaker, *draft.co_speakers} or invited
        return resumes and (technical or invited or not turn.has_question)

    def _next_voice(self, cursor: int) -> str | None:
        following = self.turns[cursor + 1 :]
        return next((t.speaker for t in following if t.speaker != self.turns[cursor].speaker), None)

    @staticmethod
    def _invites(draft: Draft) -> bool:
        """Whether the presenter ended by handing over to a colleague ("passo a Luca")."""
        return any(s.handover and s.names for s in draft.turns[-1].signals[-2:])

    def _is_co_presenter(self, turn: Turn, draft: Draft) -> bool:
        asks = any(_asks(s) for s in turn.opening(2))
        if turn.speaker == self.facilitator or asks or turn.words < self.options.interjection_words:
            return False
        opening = turn.opening(self.options.opening_sentences)
        if _other_table(opening, draft):
            return False
        return self._invites(draft) or any("ADDITION" in s.labels or s.speaks_for_table for s in opening)

    def _starts_other_table(self, turn: Turn, draft: Draft) -> bool:
        opening = turn.opening(2)
        return any(s.speaks_for_table for s in opening) and _other_table(opening, draft)


def _ends_naming_a_table(turn: Turn) -> bool:
    """The turn's last words name a table by number ("...e ora il tavolo quattro"), as a hand-over does."""
    closing = list(turn.signals)
    while len(closing) > 1 and closing[-1].words <= 4:
        closing.pop()
    last = closing[-1]
    return last.names_table and not _asks(last) and any(r.number or r.relative for r in last.table_refs)


def _chimes_in(signal: Signals) -> bool:
    """A question or a remark from the floor ("posso aggiungere una cosa sul tavolo tre")."""
    return _asks(signal) or bool(signal.labels & {"QUESTION", "ADDITION"})


def _asks(signal: Signals) -> bool:
    """A real question, not "mi sentite?"."""
    return signal.question and "TECH" not in signal.labels


def _other_table(opening: Iterable[Signals], draft: Draft) -> bool:
    mine = {r.number for s in draft.signals[:5] for r in s.table_refs if r.number is not None}
    if draft.handover is not None:
        mine |= {r.number for r in draft.handover.refs if r.number is not None}
    theirs = {r.number for s in opening for r in s.table_refs if r.number is not None}
    return bool(theirs) and not theirs & mine


# --------------------------------------------------------------------------- identity


@dataclass
class KnownPeople:
    """Names the session already knows: programme spokespersons, participants, named speakers."""

    names: list[str]
    threshold: float

    def match(self, heard: str | None, prefer: str | None = None) -> str | None:
        if not heard:
            return None
        if prefer and self.similar(heard, prefer):
            return _fuller(heard, prefer)
        scored = [(self.similarity(heard, n), n) for n in self.names]
        good = [(score, n) for score, n in scored if score >= self.threshold]
        best = max((score for score, _ in good), default=0.0)
        top = [n for score, n in good if score == best]
        return _fuller(heard, top[0]) if len(top) == 1 else None  # "Giulia" and two Giulias: no guess

    @staticmethod
    def similarity(heard: str, name: str) -> float:
        """Token-set similarity, or whole-string when ASR split or joined words ("Mariagrazia")."""
        heard, name = heard.lower(), name.lower()
        joined = fuzz.ratio(heard.replace(" ", ""), name.replace(" ", ""))
        return max(fuzz.token_set_ratio(heard, name), joined)

    def similar(self, heard: str, name: str) -> bool:
        return self.similarity(heard, name) >= self.threshold


def _fuller(heard: str, known: str) -> str:
    """The known spelling, unless it says less ("Giuseppe" for "Giuseppe Riboldi")."""
    return known if len(known.split()) >= len(heard.split()) else heard


def is_name_label(label: str | None) -> bool:
    """Whether a speaker label is a person's name (from Zoom) rather than a diarisation label."""
    if not label or label in (UNKNOWN_SPEAKER, FACILITATOR) or label.startswith("voce "):
        return False
    return not _LABEL_SPEAKER.match(label.strip()) and any(c.isalpha() for c in label)


def person_of_label(label: str | None, device_prefixes: Iterable[str] = ()) -> str | None:
    """The person behind a Zoom name: "iPad di Giuseppe" -> "Giuseppe"; None for "SPEAKER_01"."""
    if not is_name_label(label):
        return None
    words = str(label).split()
    if len(words) > 2 and words[0].lower() in set(device_prefixes) and words[1].lower() in ("di", "de", "of"):
        words = words[2:]
    return " ".join(words)


def _person_case(name: str) -> str:
    """ASR's "giulia bianchi" as "Giulia Bianchi"; "don Stefano" and "De Luca" left alone."""
    if name != name.lower():
        return name
    return " ".join(w if w in ("don", "suor", "padre", "fra") else w.capitalize() for w in name.split())


@dataclass
class Identity:
    number: int | None
    theme: str | None
    name: str | None
    organisation: str | None
    evidence: list[str]
    score: float  # 0..1, how sure the number and spokesperson are


@dataclass(frozen=True)
class SessionClues:
    """What the whole session tells about its tables and people."""

    programme: Programme | None
    known: KnownPeople
    themes: dict[int, str]  # heard anywhere: "il tavolo 2 sulla casa"
    facilitator_name: str | None  # from the facilitator's self-introduction
    device_prefixes: frozenset[str]


class IdentityResolver:
    """Settles each report's table number, theme and spokesperson from all the clues."""

    def __init__(self, clues: SessionClues, options: TablesOptions):
        self.programme = clues.programme
        self.known = clues.known
        self.themes = clues.themes
        self.facilitator_name = clues.facilitator_name
        self.device_prefixes = clues.device_prefixes
        self.options = options
        self.used: list[int] = []

    def resolve(self, draft: Draft) -> Identity:
        evidence: list[str] = []
        heard_name, organisation = self._heard_spokesperson(draft, evidence)
        number, number_score = self._number(draft, heard_name, evidence)
        plan = self.programme.table(number) if self.programme and number is not None else None
        name = self._name(heard_name, plan.spokesperson if plan else None, evidence)
        if plan and plan.spokesperson and name is None:
            name = plan.spokesperson
            evidence.append("spokesperson from the programme")
        organisation = organisation or (plan.organisation if plan else None)
        if number is not None:
            self.used.append(number)
        theme = (plan.theme if plan else None) or self._heard_theme(draft, number)
        if self.programme and self.programme.tables and number not in self.programme.numbers:
            evidence.append("table number not in the programme")
        score = number_score + (0.15 if name else 0.0)
        return Identity(number, theme, name, organisation, evidence, score)

    # spokesperson ----------------------------------------------------------

    def _heard_spokesperson(self, draft: Draft, evidence: list[str]) -> tuple[str | None, str | None]:
        opening = draft.signals[: self.options.opening_sentences]
        for signal in opening:
            if signal.intro_name:
                evidence.append(f"self-introduction ({signal.intro_name})")
                return signal.intro_name, (signal.organisations or [None])[0]
        organisation = next((s.organisations[0] for s in opening if s.speaks_for_table and s.organisations), None)
        if draft.turns[0].self_report and self.facilitator_name:
            evidence.append(f"the facilitator ({self.facilitator_name}) presents")
            return self.facilitator_name, organisation
        if person_of_label(draft.speaker, self.device_prefixes):
            evidence.append("speaker's name from the recording")
            return person_of_label(draft.speaker, self.device_prefixes), organisation
        if draft.handover and draft.handover.names:
            evidence.append(f"named in the hand-over ({draft.handover.names[-1]})")
            return draft.handover.names[-1], organisation
        return None, organisation

    def _name(self, heard: str | None, planned: str | None, evidence: list[str]) -> str | None:
        if heard is None:
            return None
        known = self.known.match(heard, prefer=planned)
        if known and known != heard:
            evidence.append(f"name «{heard}» matched to «{known}»")
        return known or heard

    # number ----------------------------------------------------------------

    def _number(self, draft: Draft, heard_name: str | None, evidence: list[str]) -> tuple[int | None, float]:
        votes: Counter[int] = Counter()
        self._vote_refs(draft, votes, evidence)
        self._vote_programme_name(heard_name, votes, evidence)
        if votes:
            number, weight = votes.most_common(1)[0]
            rivals = [n for n, w in votes.items() if n != number and w >= 0.8]
            if rivals:
                evidence.append(f"conflicting table numbers {sorted([number, *rivals])}")
            return number, min(0.6, 0.3 + 0.3 * weight) - (0.2 if rivals else 0.0)
        return self._number_by_order(evidence)

    def _vote_refs(self, draft: Draft, votes: Counter[int], evidence: list[str]) -> None:
        sources: list[tuple[str, TableRef, float]] = []
        if draft.handover:
            sources += [("hand-over", r, 1.0) for r in draft.handover.refs]
        opening = draft.signals[: self.options.opening_sentences]
        sources += [("report opening", r, 1.1) for s in opening for r in s.table_refs]
        for where, ref, weight in sources:
            number = self._ref_number(ref)
            if number is not None:
                votes[number] += weight
                evidence.append(f"{where}: {ref.describes}")

    def _ref_number(self, ref: TableRef) -> int | None:
        if ref.number is not None:
            return ref.number
        if ref.relative == "next":
            return (self.used[-1] + 1) if self.used else 1
        if ref.relative == "last" and self.programme and self.programme.tables:
            return max(self.programme.numbers)
        return self._theme_number(ref.theme) if ref.theme else None

    def _theme_number(self, theme: str) -> int | None:
        planned = {t.number: t.theme for t in self.programme.tables if t.theme} if self.programme else {}
        candidates = {**self.themes, **planned}
        scored = [(fuzz.token_set_ratio(theme.lower(), t.lower()), n) for n, t in candidates.items()]
        good = [(s, n) for s, n in scored if s >= self.options.name_similarity]
        return max(good)[1] if good else None

    def _vote_programme_name(self, heard: str | None, votes: Counter[int], evidence: list[str]) -> None:
        if not heard or not self.programme:
            return
        for plan in self.programme.tables:
            if plan.spokesperson and self.known.similar(heard, plan.spokesperson):
                votes[plan.number] += 0.8
                evidence.append(f"programme: {plan.spokesperson} speaks for table {plan.number}")

    def _number_by_order(self, evidence: list[str]) -> tuple[int | None, float]:
        if self.programme and self.programme.tables:
            unused = [n for n in self.programme.numbers if n not in self.used]
            later = [n for n in unused if not self.used or n > self.used[-1]]
            if later or unused:
                evidence.append("number from the programme's order")
                return (later or unused)[0], 0.2
        evidence.append("number guessed from the order of reports")
        after = self.used[-1] if self.used else 0
        return next(n for n in range(after + 1, after + 100) if n not in self.used), 0.05

    def _heard_theme(self, draft: Draft, number: int | None) -> str | None:
        refs = (draft.handover.refs if draft.handover else []) + [
            r for s in draft.signals[: self.options.opening_sentences] for r in s.table_refs
        ]
        heard = next((r.theme for r in refs if r.theme), None)
        return heard or (self.themes.get(number) if number is not None else None)


# --------------------------------------------------------------------------- headings


class HeadingTagger:
    """The most likely headings of a report's sentences: an HMM over the four guide questions + altro.

    Emissions are log-weights of lexical cues and announcements; transitions keep
    a heading (carry-over), favour the guide questions' order and let "altro"
    (greetings, self-introduction, microphone trouble) come and go.
    """

    def __init__(self, options: TablesOptions):
        self.options = options
        self.transitions = self._transitions(options.heading_stay)
        self.sticky = self._transitions(options.heading_continue)
        self.open = self._transitions(0.5)
        self.initial = [math.log(p) for p in (0.35, 0.1, 0.1, 0.05, 0.4)]

    @staticmethod
    def _transitions(stay: float) -> list[list[float]]:
        """Log-probabilities: headings carry over, move on in the guide questions' order, return to altro."""
        rows = []
        for i, here in enumerate(STATES):
            row = []
            for j, there in enumerate(STATES):
                if here == ALTRO:
                    weight = 0.6 if there == ALTRO else 0.25 if j == 0 else 0.05
                elif i == j:
                    weight = stay
                else:  # the guide questions' order is only a mild preference: reports go back and forth
                    weight = (1 - stay) * (0.25 if there == ALTRO else 0.3 if j == i + 1 else 0.225)
                row.append(weight)
            rows.append([math.log(w / sum(row)) for w in row])
        return rows

    def emissions(self, signals: Signals, words: int) -> list[float]:
        scores = [self.options.cue_weight * signals.heading_scores[s] for s in STATES]
        for label, weight in signals.announced.items():
            if label in STATES:
                scores[STATES.index(label)] += self.options.announcement_weight * weight
        scores[-1] += 4.0 * signals.meta
        if words <= 4 and not signals.announced:
            scores[-1] += 1.0 if signals.labels & {"THANKS", "END_REPORT"} else 0.5
        return scores

    def tag(self, emissions: Sequence[list[float]], kinds: Sequence[str]) -> list[tuple[str, float]]:
        """(heading, posterior) per sentence.

        ``kinds`` says how each sentence joins the one before: "open" (it announces a heading,
        the natural place to change), "keep" ("la seconda è...": rarely a change) or "normal".
        """
        if not emissions:
            return []
        matrices = {"open": self.open, "keep": self.sticky, "normal": self.transitions}
        steps = [matrices[step] for step in kinds]
        path = self._viterbi(emissions, steps)
        posteriors = self._posteriors(emissions, steps)
        return [(STATES[s], posteriors[t][s]) for t, s in enumerate(path)]

    def _viterbi(self, emissions: Sequence[list[float]], steps: Sequence[list[list[float]]]) -> list[int]:
        states = range(len(STATES))
        score = [self.initial[s] + emissions[0][s] for s in states]
        back: list[list[int]] = []
        for emission, move in zip(emissions[1:], steps[1:], strict=True):
            best = [max(states, key=lambda i, j=j: score[i] + move[i][j]) for j in states]
            score = [score[best[j]] + move[best[j]][j] + emission[j] for j in states]
            back.append(best)
        state = max(states, key=lambda s: score[s])
        path = [state]
        for best in reversed(back):
            state = best[state]
            path.append(state)
        return path[::-1]

    def _posteriors(self, emissions: Sequence[list[float]], steps: Sequence[list[list[float]]]) -> list[list[float]]:
        states = range(len(STATES))
        forward = [[self.initial[s] + emissions[0][s] for s in states]]
        for emission, move in zip(emissions[1:], steps[1:], strict=True):
            forward.append([_logsumexp([forward[-1][i] + move[i][j] for i in states]) + emission[j] for j in states])
        backward = [[0.0] * len(STATES)]
        for emission, move in zip(reversed(emissions[1:]), reversed(steps[1:]), strict=True):
            after = backward[0]
            backward.insert(0, [_logsumexp([move[i][j] + emission[j] + after[j] for j in states]) for i in states])
        posteriors = []
        for f, b in zip(forward, backward, strict=True):
            joint = [x + y for x, y in zip(f, b, strict=True)]
            total = _logsumexp(joint)
            posteriors.append([math.exp(v - total) for v in joint])
        return posteriors


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


# --------------------------------------------------------------------------- the stage


def find_tables(
    transcript: Transcript,
    *,
    session: Session | None = None,
    programme: Programme | None = None,
    options: TablesOptions = TablesOptions(),
) -> Tables:
    """The tables' reports in a plenary transcript: a pure function of its arguments."""
    nlp = load_nlp(options.nlp_settings())
    sentences = build_sentences(transcript, nlp, options)
    reader = SignalReader(nlp)
    signals = [reader.read(s) for s in sentences]
    single_voice = relabel_single_speaker(sentences, signals)
    turns = build_turns(sentences, signals)
    facilitator = FACILITATOR if single_voice else find_facilitator(turns)
    turns = split_self_reports(turns, facilitator, options)
    drafts, handovers = ReportFinder(turns, facilitator, options).find()
    drafts = _plausible(_merge_same_table_drafts(drafts), options)
    devices = frozenset(str(d).lower() for d in nlp.people.get("device_prefixes", []))
    known = _known_people(transcript, session, programme, devices, options)
    clues = SessionClues(programme, known, _announced_themes(signals), _facilitator_name(turns, facilitator), devices)
    resolver = IdentityResolver(clues, options)
    tagger = HeadingTagger(options)
    tables = [_table_report(d, resolver.resolve(d), tagger, single_voice, programme, options) for d in drafts]
    _flag_duplicates(tables, options)
    return Tables(
        tables=tables,
        other=_other_parts(turns, drafts, tables, facilitator),
        organisations=_organisations(signals, tables, programme),
        people=_people(signals, tables, sentences, known),
        announced_not_presented=_announced_not_presented(handovers, tables) if tables else [],
        nlp_model=nlp.model_name or "blank",
    )


def _merge_same_table_drafts(drafts: list[Draft]) -> list[Draft]:
    """Two reports in a row that name the same table and no hand-over between: one table, two voices."""
    merged: list[Draft] = []
    for draft in drafts:
        previous = merged[-1] if merged else None
        if previous and _continues(previous, draft):
            previous.turns.extend(draft.turns)
            if draft.speaker != previous.speaker:
                previous.co_speakers.add(draft.speaker)
                previous.evidence.append(f"second spokesperson ({draft.speaker})")
            else:
                previous.evidence.append("report resumed after an interruption")
        else:
            merged.append(draft)
    return merged


_OWN_EVIDENCE = ("self-introduction", "names its table", "the facilitator reports for the table")


def _plausible(drafts: list[Draft], options: TablesOptions) -> list[Draft]:
    """Drop short reports that only a hand-over vouches for; no table at all if none is vouched for well.

    A plain meeting ("do la parola a Marta per il punto due") has hand-overs too, but
    nobody speaks for a table and no hand-over names one.
    """
    kept = [d for d in drafts if _own_evidence(d) or d.words >= 1.5 * options.min_report_words]
    return kept if any(_own_evidence(d) or _numbered_handover(d) for d in kept) else []


def _own_evidence(draft: Draft) -> bool:
    """The presenter says who they are or which table they speak for."""
    introduced = any(s.intro_name for s in draft.signals[:3])
    return introduced or any(e in _OWN_EVIDENCE for e in draft.evidence)


def _numbered_handover(draft: Draft) -> bool:
    """The facilitator named the table (by number, order or theme) when giving the floor."""
    return draft.handover is not None and bool(draft.handover.refs)


def _continues(previous: Draft, draft: Draft) -> bool:
    """No hand-over to another table in between, and the same voice or the same table named."""
    if draft.handover is not None and draft.handover.specific:
        return False
    return draft.speaker == previous.speaker or (draft.handover is None and _same_named_table(previous, draft))


def _same_named_table(first: Draft, second: Draft) -> bool:
    def numbers(draft: Draft) -> set[int]:
        return {r.number for s in draft.signals[:5] for r in s.table_refs if r.number is not None}

    return bool(numbers(first) & numbers(second))


def _known_people(
    transcript: Transcript,
    session: Session | None,
    programme: Programme | None,
    devices: frozenset[str],
    options: TablesOptions,
) -> KnownPeople:
    labels: list[str | None] = []
    if programme:
        labels += [t.spokesperson for t in programme.tables]
    if session:
        labels += [*session.participants, *(t.name for t in session.tracks)]
    labels += [s.speaker for s in transcript.segments]
    names = [person_of_label(label, devices) for label in labels]
    return KnownPeople(list(dict.fromkeys(n.strip() for n in names if n and n.strip())), options.name_similarity)


def _facilitator_name(turns: Sequence[Turn], facilitator: str | None) -> str | None:
    said = (s.intro_name for t in turns if t.speaker == facilitator for s in t.signals if s.intro_name)
    return next(said, None)


def _announced_themes(signals: Sequence[Signals]) -> dict[int, str]:
    themes: dict[int, str] = {}
    for signal in signals:
        for ref in signal.table_refs:
            if ref.number is not None and ref.theme and ref.number not in themes:
                themes[ref.number] = ref.theme
    return themes


def _table_report(
    draft: Draft,
    identity: Identity,
    tagger: HeadingTagger,
    single_voice: bool,
    programme: Programme | None,
    options: TablesOptions,
) -> TableReport:
    sentences = draft.sentences
    emissions = [tagger.emissions(sig, s.words) for s, sig in zip(sentences, draft.signals, strict=True)]
    tagged = tagger.tag(emissions, [_heading_step(sig) for sig in draft.signals])
    report_sentences = [
        ReportSentence(s.start, s.end, s.text, heading, conf, conf < options.doubt_threshold)
        for s, (heading, conf) in zip(sentences, tagged, strict=True)
    ]
    confidence = _table_confidence(draft, identity, single_voice, programme, options)
    speaker = sentences[0].speaker if not single_voice else None
    return TableReport(
        table_number=identity.number,
        theme=identity.theme,
        spokesperson=Spokesperson(identity.name, identity.organisation),
        start=sentences[0].start,
        end=sentences[-1].end,
        speaker=speaker,
        evidence=_unique(draft.evidence + identity.evidence),
        sentences=report_sentences,
        confidence=confidence,
        doubtful=confidence < options.doubt_threshold,
    )


def _heading_step(signals: Signals) -> str:
    if signals.announced:
        return "open"
    return "keep" if signals.continues else "normal"


def _table_confidence(
    draft: Draft, identity: Identity, single_voice: bool, programme: Programme | None, options: TablesOptions
) -> float:
    """How sure we are that this is table ``identity.number``'s report: support, then doubts."""
    evidence = " ".join(draft.evidence)
    support = 0.15 + identity.score
    support += 0.2 if "hand-over" in evidence else 0.0
    support += 0.15 if "self-introduction" in evidence or "names its table" in evidence else 0.0
    doubts = 0.15 if single_voice else 0.0
    doubts += 0.15 if draft.co_speakers else 0.0
    doubts += 0.15 if draft.words < 2 * options.min_report_words else 0.0
    doubts += 0.2 if programme and programme.tables and identity.number not in programme.numbers else 0.0
    return max(min(support, 0.99) - doubts, 0.05)


def _flag_duplicates(tables: list[TableReport], options: TablesOptions) -> None:
    counts = Counter(t.table_number for t in tables if t.table_number is not None)
    for table in tables:
        if counts.get(table.table_number, 0) > 1:
            table.confidence = min(table.confidence, options.doubt_threshold - 0.05)
            table.doubtful = True
            table.evidence.append(f"table {table.table_number} reported more than once")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------- the rest of the plenary


def _other_parts(
    turns: Sequence[Turn], drafts: Sequence[Draft], tables: Sequence[TableReport], facilitator: str | None
) -> list[OtherPart]:
    report_of = {s.position: i + 1 for i, d in enumerate(drafts) for s in d.sentences}
    parts: list[OtherPart] = []
    gap: list[tuple[Sentence, Signals]] = []
    table_index = 0
    for turn in turns:
        for sentence, signal in zip(turn.sentences, turn.signals, strict=True):
            if sentence.position in report_of:
                parts += _gap_parts(gap, table_index, len(drafts), tables)
                gap = []
                table_index = report_of[sentence.position]
            else:
                gap.append((sentence, signal))
    return parts + _gap_parts(gap, table_index, len(drafts), tables)


def _gap_parts(
    gap: list[tuple[Sentence, Signals]], after: int, total: int, tables: Sequence[TableReport]
) -> list[OtherPart]:
    if not gap:
        return []
    if after == 0:
        return [_part("introduzione", gap)]
    closing = next((i for i, (_, sig) in enumerate(gap) if "CLOSING" in sig.labels), None)
    if after >= total and closing is not None:
        return [*_between_tables(gap[:closing], after, tables), _part("chiusura", gap[closing:])]
    return _between_tables(gap, after, tables)


def _between_tables(gap: list[tuple[Sentence, Signals]], after: int, tables: Sequence[TableReport]) -> list[OtherPart]:
    """Questions and comments on the last report, then the facilitator's hand-over to the next."""
    if not gap:
        return []
    handover = next((i for i, (_, sig) in enumerate(gap) if sig.handover), len(gap))
    parts = []
    if handover > 0:
        kind = "domande" if any(sig.question for _, sig in gap[:handover]) else "commenti"
        parts.append(_part(kind, gap[:handover], tables[after - 1].table_number))
    if handover < len(gap):
        parts.append(_part("conduzione", gap[handover:]))
    return parts


def _part(kind: str, gap: Sequence[tuple[Sentence, Signals]], table_number: int | None = None) -> OtherPart:
    speakers = Counter(s.speaker for s, _ in gap for _ in range(max(s.words, 1)))
    speaker = speakers.most_common(1)[0][0]
    if kind != "chiusura" and 2 * sum(1 for _, sig in gap if "TECH" in sig.labels) >= len(gap):
        kind = "problemi-tecnici"
    return OtherPart(
        kind, gap[0][0].start, gap[-1][0].end, None if speaker == UNKNOWN_SPEAKER else speaker, table_number
    )


# --------------------------------------------------------------------------- who was there


def _organisations(signals: Sequence[Signals], tables: Sequence[TableReport], programme: Programme | None) -> list[str]:
    found = [o for s in signals for o in s.organisations]
    found += [t.spokesperson.organisation for t in tables if t.spokesperson.organisation]
    if programme:
        presented = {t.table_number for t in tables}
        found += [p.organisation for p in programme.tables if p.organisation and p.number in presented]
    return _dedupe_names(found)


def _people(
    signals: Sequence[Signals], tables: Sequence[TableReport], sentences: Sequence[Sentence], known: KnownPeople
) -> list[str]:
    heard = [t.spokesperson.name for t in tables if t.spokesperson.name]
    heard += [s.intro_name for s in signals if s.intro_name]
    heard += [n for s in signals if s.handover for n in s.names]
    heard += [n for n in known.names if any(s.speaker == n for s in sentences)]
    canonical = [known.match(n) or n for n in heard]
    return _dedupe_names([n for n in canonical if len(n) > 2])


def _dedupe_names(names: Iterable[str | None]) -> list[str]:
    """One entry per organisation or person, the longest spelling kept ("Caritas" < "Caritas di Pavia")."""
    kept: list[str] = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=lambda n: (-len(n), n)):
        if not any(fuzz.ratio(name.lower(), k.lower()) >= 90 or _same_prefix(name, k) for k in kept):
            kept.append(name)
    order = {n: i for i, n in reversed(list(enumerate(n.strip() for n in names if n)))}
    return [_capitalised(n) for n in sorted(kept, key=lambda n: order.get(n, len(order)))]


def _capitalised(name: str) -> str:
    """ "cooperativa il gabbiano" (lower-case ASR) as "Cooperativa Il Gabbiano"."""
    if name == name.lower():
        return " ".join(w if w in _THEME_CONNECTORS else w[:1].upper() + w[1:] for w in name.split())
    return name[:1].upper() + name[1:]


def _same_prefix(short: str, long: str) -> bool:
    """ "Marta" is "Marta Galli", "Caritas" is "Caritas di Pavia"."""
    return long.lower().startswith(short.lower() + " ")


def _announced_not_presented(handovers: Sequence[Handover], tables: Sequence[TableReport]) -> list[int]:
    presented = {t.table_number for t in tables}
    announced = [r.number for h in handovers for r in h.announced if r.number is not None]
    return sorted({n for n in announced if n not in presented})
