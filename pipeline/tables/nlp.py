"""The Italian spaCy pipeline used by the tables stage, and the cue patterns it runs.

``spacy.blank("it")`` with a sentencizer, a lookup lemmatizer from
``spacy-lookups-data`` (on lower-cased text, so "Mancano" and "mancano" agree),
a number tagger and an ``EntityRuler`` for organisations. A trained Italian
pipeline (``it_core_news_sm/md/lg``) is used instead where one is installed:
its lemmas and its PER/ORG entities come on top of the same rules.

Every cue word and pattern lives in ``pipeline/data/it/``: JSONL files in
spaCy's pattern format (``{"label": ..., "pattern": [...] | "phrase"}``, with an
optional ``"weight"``) and small YAML files. A user folder given as
``patterns_dir`` may hold files with the same names; their entries are added to
the packaged ones.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from pipeline.errors import ModelUnavailable, VerbaliError

DATA_PACKAGE = "pipeline"
DATA_FOLDER = ("data", "it")
TRAINED_MODELS = ("it_core_news_lg", "it_core_news_md", "it_core_news_sm")
BLANK = "blank"

NUMBER_VALUE = "verbali_number"  # Token extension: int | None
NUMBER_KIND = "verbali_number_kind"  # Token extension: cardinal | ordinal | relative | None
_DIGITS_WITH_MARKER = re.compile(r"^(?:n|nr|n°|num)\.?\s*(\d{1,2})$", re.IGNORECASE)
_DIGIT_ORDINAL = re.compile(r"^(\d{1,2})[°ºª]$")


class PatternDataError(VerbaliError):
    """A pattern file (packaged or in the user's folder) cannot be read."""


# --------------------------------------------------------------------------- data files


def _data_folder() -> Traversable:
    try:
        folder = resources.files(DATA_PACKAGE)
    except (NotADirectoryError, ModuleNotFoundError, TypeError):
        # a stale editable install can make the package a namespace that importlib cannot read
        return Path(__file__).parents[1].joinpath(*DATA_FOLDER)
    for part in DATA_FOLDER:  # one step at a time: namespace packages need it
        folder = folder.joinpath(part)
    return folder


def _packaged_file(name: str) -> str | None:
    resource = _data_folder().joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _data_texts(name: str, extra_dir: Path | None) -> list[tuple[str, str]]:
    """(where, text) of the packaged file and of the user's file of that name."""
    texts = []
    packaged = _packaged_file(name)
    if packaged is not None:
        texts.append((f"pipeline/data/it/{name}", packaged))
    if extra_dir is not None and (extra_dir / name).is_file():
        texts.append((str(extra_dir / name), (extra_dir / name).read_text(encoding="utf-8")))
    return texts


@dataclass(frozen=True)
class CuePattern:
    label: str
    pattern: tuple[Any, ...] | str
    weight: float = 1.0
    source: str = ""


def read_patterns(name: str, extra_dir: Path | None = None) -> list[CuePattern]:
    """The patterns of ``name`` (a JSONL file), packaged ones first."""
    patterns = []
    for where, text in _data_texts(name, extra_dir):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.lstrip().startswith("//"):
                patterns.append(_parse_pattern_line(line, f"{where}:{number}"))
    return patterns


def _parse_pattern_line(line: str, where: str) -> CuePattern:
    try:
        entry = json.loads(line)
        pattern = entry["pattern"]
        frozen = pattern if isinstance(pattern, str) else tuple(pattern)
        return CuePattern(str(entry["label"]), frozen, float(entry.get("weight", 1.0)), where)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise PatternDataError(f"{where}: not a pattern line ({error})") from error


def read_yaml(name: str, extra_dir: Path | None = None) -> dict[str, Any]:
    """A YAML mapping, the user's lists appended to and keys merged over the packaged ones."""
    merged: dict[str, Any] = {}
    for where, text in _data_texts(name, extra_dir):
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            raise PatternDataError(f"{where}: not valid YAML ({error})") from error
        if not isinstance(data, dict):
            raise PatternDataError(f"{where}: expected a mapping at the top")
        for key, value in data.items():
            merged[key] = _merge_values(merged.get(key), value)
    return merged


def _merge_values(old: Any, new: Any) -> Any:
    if isinstance(old, list) and isinstance(new, list):
        return old + new
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **new}
    return new


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class CueMatch:
    label: str
    weight: float
    start: int  # token offsets in the doc
    end: int


class CueMatcher:
    """A ``Matcher`` (token patterns) and a ``PhraseMatcher`` (phrases, on LOWER) in one."""

    def __init__(self, nlp: Language, patterns: Iterable[CuePattern]):
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._meta: dict[int, tuple[str, float]] = {}
        for index, cue in enumerate(patterns):
            key = f"{cue.label}#{index}"
            self._meta[nlp.vocab.strings.add(key)] = (cue.label, cue.weight)
            try:
                if isinstance(cue.pattern, str):
                    self._phrases.add(key, [nlp.make_doc(cue.pattern.lower())])
                else:
                    self._matcher.add(key, [list(cue.pattern)])
            except (ValueError, KeyError, TypeError) as error:
                raise PatternDataError(f"{cue.source}: bad pattern ({error})") from error

    def __call__(self, doclike: Doc | Span) -> list[CueMatch]:
        """Matches inside ``doclike``, in doc token offsets (the whole doc is matched, then filtered)."""
        doc = doclike if isinstance(doclike, Doc) else doclike.doc
        first, last = (0, len(doc)) if isinstance(doclike, Doc) else (doclike.start, doclike.end)
        found = list(self._matcher(doc)) + list(self._phrases(doc))
        matches = [CueMatch(*self._meta[key], start, end) for key, start, end in found if first <= start <= end <= last]
        return sorted(matches, key=lambda m: (m.start, -m.end))


def longest_matches(matches: Iterable[CueMatch]) -> list[CueMatch]:
    """Drop matches overlapped by a longer one ("non c'è" beats "c'è")."""
    kept: list[CueMatch] = []
    for match in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
        if all(match.end <= k.start or match.start >= k.end for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


# --------------------------------------------------------------------------- components


@dataclass(frozen=True)
class NumberWords:
    cardinals: dict[str, int]
    ordinals: dict[str, int]
    relative: dict[str, str]  # "prossimo": "next", "ultimo": "last"

    @classmethod
    def from_yaml(cls, data: dict[str, Any]) -> NumberWords:
        return cls(
            {str(k).lower(): int(v) for k, v in (data.get("cardinals") or {}).items()},
            {str(k).lower(): int(v) for k, v in (data.get("ordinals") or {}).items()},
            {str(k).lower(): str(v) for k, v in (data.get("relative") or {}).items()},
        )

    def parse(self, text: str) -> tuple[int | str | None, str | None]:
        """(value, kind) of one token: "tre" -> (3, cardinal), "terzo" -> (3, ordinal)."""
        word = text.lower().strip()
        if word.isdigit() and len(word) <= 2:
            return int(word), "cardinal"
        if marked := _DIGITS_WITH_MARKER.match(word):
            return int(marked.group(1)), "cardinal"
        if ordinal := _DIGIT_ORDINAL.match(word):
            return int(ordinal.group(1)), "ordinal"
        for table, kind in ((self.cardinals, "cardinal"), (self.ordinals, "ordinal")):
            if word in table:
                return table[word], kind
        if word in self.relative:
            return self.relative[word], "relative"
        return None, None


def _register_extensions() -> None:
    for name in (NUMBER_VALUE, NUMBER_KIND):
        if not Token.has_extension(name):
            Token.set_extension(name, default=None)


class NumberTagger:
    """Sets ``token._.verbali_number`` / ``_kind`` so patterns can ask for a number word."""

    def __init__(self, numbers: NumberWords):
        self.numbers = numbers

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            value, kind = self.numbers.parse(token.text)
            token._.set(NUMBER_VALUE, value)
            token._.set(NUMBER_KIND, kind)
        return doc


class LowerLookupLemmatizer:
    """Lemmas from the ``spacy-lookups-data`` table, looked up in lower case."""

    def __init__(self, table: Table, overrides: dict[str, str]):
        self.table = table
        self.overrides = overrides

    def __call__(self, doc: Doc) -> Doc:
        for token in doc:
            lower = token.lower_
            token.lemma_ = self.overrides.get(lower) or self.table.get(lower, lower)
        return doc


def _lookup_table() -> Table:
    return load_lookups("it", ["lemma_lookup"]).get_table("lemma_lookup")


def _optional_path(folder: str | None) -> Path | None:
    return Path(folder) if folder else None


@Language.factory("verbali_numbers", default_config={"patterns_dir": None})
def make_number_tagger(nlp: Language, name: str, patterns_dir: str | None) -> NumberTagger:
    return NumberTagger(NumberWords.from_yaml(read_yaml("numbers.yaml", _optional_path(patterns_dir))))


@Language.factory("verbali_organisation_extender")
def make_organisation_extender(nlp: Language, name: str) -> OrganisationExtender:
    return OrganisationExtender()


@Language.factory("verbali_lemmatizer", default_config={"patterns_dir": None})
def make_lemmatizer(nlp: Language, name: str, patterns_dir: str | None) -> LowerLookupLemmatizer:
    data = read_yaml("lemmas.yaml", _optional_path(patterns_dir))
    overrides = {str(k).lower(): str(v).lower() for k, v in (data.get("lemmas") or {}).items()}
    return LowerLookupLemmatizer(_lookup_table(), overrides)


_PLACE_LINKS = {"di", "del", "della", "dello", "dei", "degli", "delle", "dell'"}
_COMPASS = {"nord", "sud", "est", "ovest", "centro"}
_PLACE_AREAS = {"ambito", "distretto", "unione", "zona", "comuni", "provincia", "città", "area"}


class OrganisationExtender:
    """Grows an organisation to the place it belongs to: "ASST" + "di Pavia", "Caritas diocesana" + "di Pavia"."""

    def __call__(self, doc: Doc) -> Doc:
        lowercase_text = doc.text == doc.text.lower()
        entities = []
        for entity in doc.ents:
            end = entity.end
            if entity.label_ == "ORG":
                end = self._extended_end(doc, end, lowercase_text)
            entities.append(Span(doc, entity.start, end, label=entity.label_) if end != entity.end else entity)
        doc.ents = spacy.util.filter_spans(entities)
        return doc

    @staticmethod
    def _place_word(token: Token, lowercase_text: bool) -> bool:
        if token.lower_ in _PLACE_AREAS:
            return True
        return token.is_alpha and (token.is_title or token.is_upper or (lowercase_text and not token.is_stop))

    def _extended_end(self, doc: Doc, end: int, lowercase_text: bool) -> int:
        while end < len(doc):
            token = doc[end]
            if token.lower_ in _PLACE_LINKS and end + 1 < len(doc) and self._place_word(doc[end + 1], lowercase_text):
                end += 2
            elif not lowercase_text and (token.is_title or token.lower_ in _COMPASS) and token.is_alpha:
                end += 1
            else:
                return end
        return end


# --------------------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class NlpSettings:
    model: str | None = None  # None: an installed it_core_news_*, else blank; "blank": always blank
    patterns_dir: Path | None = None


def installed_italian_model() -> str | None:
    """The largest installed trained Italian pipeline, if any."""
    for name in TRAINED_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def resolve_model(requested: str | None) -> str | None:
    if requested is None:
        return installed_italian_model()
    return None if requested in ("", BLANK) else requested


class ItalianNlp:
    """The spaCy pipeline and the cue matchers built from the data files."""

    def __init__(self, settings: NlpSettings):
        self.settings = settings
        self.model_name = resolve_model(settings.model)
        self.nlp = self._build()

    def data_yaml(self, name: str) -> dict[str, Any]:
        return read_yaml(name, self.settings.patterns_dir)

    def patterns(self, name: str) -> list[CuePattern]:
        return read_patterns(name, self.settings.patterns_dir)

    def _build(self) -> Language:
        _register_extensions()
        nlp = self._base_pipeline()
        nlp.add_pipe("sentencizer", first=True)
        nlp.add_pipe("verbali_numbers", last=True, config=self._component_config)
        ruler = nlp.add_pipe(
            "entity_ruler",
            name="verbali_organisations",
            before="ner" if "ner" in nlp.pipe_names else None,
            config={"phrase_matcher_attr": "LOWER", "validate": True},
        )
        ruler.add_patterns(  # type: ignore[attr-defined]
            [
                {"label": p.label, "pattern": _token_pattern(nlp, p.pattern)}
                for p in self.patterns("organisations.jsonl")
            ]
        )
        nlp.add_pipe("verbali_organisation_extender", after="ner" if "ner" in nlp.pipe_names else None)
        return nlp

    def _base_pipeline(self) -> Language:
        if self.model_name is None:
            nlp = spacy.blank("it")
            nlp.add_pipe("verbali_lemmatizer", config=self._component_config)
            return nlp
        try:
            nlp = spacy.load(self.model_name, exclude=["parser", "senter"])
        except OSError as error:
            raise ModelUnavailable(
                f"spaCy model {self.model_name!r} is not installed: "
                f"pip install {self.model_name}, or leave spacy_model unset"
            ) from error
        if "lemmatizer" not in nlp.pipe_names:  # the cue patterns need lemmas
            nlp.add_pipe("verbali_lemmatizer", config=self._component_config)
        return nlp

    @property
    def _component_config(self) -> dict[str, Any]:
        folder = self.settings.patterns_dir
        return {"patterns_dir": None if folder is None else str(folder)}

    @cached_property
    def structure(self) -> CueMatcher:
        """Hand-overs, self-introductions, closings, questions (``structure.jsonl``)."""
        return CueMatcher(self.nlp, self.patterns("structure.jsonl"))

    @cached_property
    def tables(self) -> CueMatcher:
        """References to a table by number, ordinal or theme (``tables.jsonl``)."""
        return CueMatcher(self.nlp, self.patterns("tables.jsonl"))

    @cached_property
    def heading_cues(self) -> CueMatcher:
        """Weighted lexical cues of the four guide questions (``heading_cues.jsonl``)."""
        return CueMatcher(self.nlp, self.patterns("heading_cues.jsonl"))

    @cached_property
    def announcements(self) -> CueMatcher:
        """A portavoce announcing a heading (``heading_announcements.jsonl``)."""
        return CueMatcher(self.nlp, self.patterns("heading_announcements.jsonl"))

    @cached_property
    def people(self) -> dict[str, Any]:
        return self.data_yaml("people.yaml")

    def pipe(self, texts: Iterable[str]) -> list[Doc]:
        return list(self.nlp.pipe(texts, batch_size=64))


def _token_pattern(nlp: Language, pattern: tuple[Any, ...] | str) -> list[Any]:
    """A phrase as a LOWER token pattern, so the ruler needs no pipeline run to add it."""
    if isinstance(pattern, str):
        return [{"LOWER": token.lower_} for token in nlp.make_doc(pattern)]
    return list(pattern)


@lru_cache(maxsize=4)
def load_nlp(settings: NlpSettings = NlpSettings()) -> ItalianNlp:
    """The pipeline for these settings, built once per process."""
    return ItalianNlp(settings)
