"""A trained heading classifier: a linear model over a sentence's words, the rules' cues and its place in the report.

The rules stay: their cue scores, announcements and "talk about the talk" are features
here, and the model's probabilities become the emissions of the same sequence tagger
(``headings.HeadingTagger``), so an announced heading still carries over. The model is
plain data (``model.json``: classes, bias and one weight row per feature), read without
scikit-learn; ``training.py`` fits it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import ModelUnavailable
from pipeline.tables.options import STATES
from pipeline.tables.sentences import Sentence
from pipeline.tables.signals import Signals

MODEL_FORMAT = "verbali-headings/1"
MODEL_FILE = "model.json"
PACKAGED_MODEL = ("data", "it", "headings-model")
REBUILD = "verbali train --labels tests/data/plenaries --labels tests/data/plenaries-asr"

Features = dict[str, float]


@dataclass(frozen=True)
class FeatureSettings:
    """Which features the model reads; saved with the model so training and use agree.

    A model saved before a setting existed reads it as off, so it keeps the features it was trained on.
    """

    char_ngrams: int = 4  # word-bounded character n-grams (0: none): robust to ASR's spellings
    bigrams: bool = True
    context: bool = True  # the heading announced earlier in the report, the sentence's place in it
    shape: bool = False  # how the sentence opens (a bare infinitive, "e poi c'è"), figures, organisations
    lexicons: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word groups (headings.yaml), and
    # their combinations: something exists but..., negated existence
    neighbours: bool = False  # the cues and word groups of the sentences before and after

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSettings:
        lexicons = {str(k): tuple(str(w) for w in v) for k, v in (data.get("lexicons") or {}).items()}
        return cls(
            int(data.get("char_ngrams", 4)),
            bool(data.get("bigrams", True)),
            bool(data.get("context", True)),
            bool(data.get("shape", False)),
            lexicons,
            bool(data.get("neighbours", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "char_ngrams": self.char_ngrams,
            "bigrams": self.bigrams,
            "context": self.context,
            "shape": self.shape,
            "lexicons": {k: list(v) for k, v in self.lexicons.items()},
            "neighbours": self.neighbours,
        }


def report_features(
    sentences: Sequence[Sentence], signals: Sequence[Signals], settings: FeatureSettings
) -> list[Features]:
    """The features of each sentence of one report, in order."""
    found = []
    announced: str | None = None
    for index, (sentence, signal) in enumerate(zip(sentences, signals, strict=True)):
        features = sentence_features(sentence, signal, settings)
        if settings.context:
            if announced:
                features[f"before={announced}"] = 1.0
            features["first"] = float(index == 0)
            features["last"] = float(index == len(sentences) - 1)
            features["continues"] = float(signal.continues)
        if signal.announced:
            announced = max(signal.announced, key=lambda h: signal.announced[h])
        found.append(features)
    if settings.neighbours:
        found = [_with_neighbours(found, index) for index in range(len(found))]
    return found


_NEIGHBOUR_KINDS = ("cue=", "lex=", "announce=", "opens=")


def _with_neighbours(found: list[Features], index: int) -> Features:
    """A sentence cut mid-clause ("I dormitori ci sono,") takes its heading from what surrounds it."""
    features = dict(found[index])
    for offset, prefix in ((-1, "prev:"), (1, "next:")):
        if 0 <= index + offset < len(found):
            for name, value in found[index + offset].items():
                if name.startswith(_NEIGHBOUR_KINDS):
                    features[prefix + name] = value
    return features


def sentence_features(sentence: Sentence, signal: Signals, settings: FeatureSettings) -> Features:
    features: Features = {}
    lemmas = [t.lemma_.lower() or t.lower_ for t in sentence.span if t.is_alpha]
    for lemma in lemmas:
        features[f"w={lemma}"] = 1.0
    if settings.bigrams:
        for first, second in itertools.pairwise(lemmas):
            features[f"b={first}_{second}"] = 1.0
    if settings.char_ngrams:
        size = settings.char_ngrams
        for token in sentence.span:
            if token.is_alpha and len(token) >= size:
                padded = f"<{token.lower_}>"
                for i in range(len(padded) - size + 1):
                    features[f"c={padded[i : i + size]}"] = 1.0
    for heading, score in signal.heading_scores.items():
        if score:
            features[f"cue={heading}"] = score
    for heading, weight in signal.announced.items():
        features[f"announce={heading}"] = weight
    features["meta"] = signal.meta
    features["question"] = float(signal.question)
    features["short"] = float(signal.words <= 4)
    for label in signal.labels & {"THANKS", "END_REPORT", "TECH", "OPENING", "ADDITION", "SPEAK_FOR"}:
        features[f"label={label}"] = 1.0
    if signal.intro_name:
        features["introduces"] = 1.0
    words = [t.lower_ for t in sentence.span if t.is_alpha or "'" in t.text]
    if settings.shape:
        features.update(opening_features(words))
        features["figures"] = float(any(t.like_num for t in sentence.span))
        features["organisations"] = min(len(signal.organisations), 3) / 3
    if settings.lexicons:
        features.update(lexicon_features(words, settings.lexicons))
    return features


# Words that open a clause without saying what it is about ("E poi, allora, c'è...")
_FILLERS = {"e", "poi", "allora", "quindi", "anche", "ecco", "ah", "eh", "sì", "si", "no", "niente", "comunque"} | {
    "infine",
    "inoltre",
    "ancora",
    "invece",
    "cioè",
    "diciamo",
    "ok",
    "okay",
    "insomma",
    "dopodiché",
    "infatti",
    "adesso",
    "ora",
}
_INFINITIVE_ENDINGS = ("are", "ere", "ire", "arsi", "ersi", "irsi", "arli", "erli", "irli", "arle", "erle", "irle")


def opening_features(words: Sequence[str]) -> Features:
    """How the sentence opens: its first words past the fillers, and whether that is a bare infinitive."""
    features: Features = {}
    if not words:
        return features
    features[f"opens={words[0]}"] = 1.0
    rest = list(itertools.dropwhile(lambda w: w in _FILLERS, words))
    if rest:
        features[f"opens_with={rest[0]}"] = 1.0
        if len(rest) > 1:
            features[f"opens_with={rest[0]}_{rest[1]}"] = 1.0
        if len(rest[0]) >= 5 and rest[0].endswith(_INFINITIVE_ENDINGS):
            features["opens=infinitive"] = 1.0
    if len(rest) < len(words) and "poi" in words[: len(words) - len(rest)]:
        features["opens=poi"] = 1.0  # "e poi ...": the next item of a list
    return features


def lexicon_features(words: Sequence[str], lexicons: dict[str, tuple[str, ...]]) -> Features:
    """Which word groups the sentence holds, and two of their combinations.

    "X exists but ..." (existence, then a contrast) is a problem told through a resource; a negated
    existence ("non c'è") is a lack.
    """
    found: dict[str, int] = {}  # group -> the first word where it is said
    for group, entries in _compiled(tuple(lexicons.items())):
        where = _first_occurrence(words, entries)
        if where is not None:
            found[group] = where
    features: Features = {f"lex={group}": 1.0 for group in found}
    if "exists" in found and "contrast" in found and found["contrast"] > found["exists"]:
        features["lex=exists_but"] = 1.0
    if "exists" in found and "negation" in found and 0 <= found["exists"] - found["negation"] <= 2:
        features["lex=exists_not"] = 1.0
    return features


_Entries = tuple[dict[str, tuple[tuple[str, ...], ...]], tuple[tuple[str, ...], ...]]


@lru_cache(maxsize=8)
def _compiled(lexicons: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, _Entries], ...]:
    """Each group's entries as token sequences ("c'è" is "c'" + "è", as the tokenizer cuts it), by first word;
    those that start with a stem ("coinvolg*") apart."""
    compiled = []
    for group, entries in lexicons:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        stems = []
        for entry in entries:
            parts = tuple(re.findall(r"[^\s']+'|[^\s']+", entry.lower()))
            if parts and parts[0].endswith("*"):
                stems.append(parts)
            elif parts:
                by_first.setdefault(parts[0], []).append(parts)
        compiled.append((group, ({k: tuple(v) for k, v in by_first.items()}, tuple(stems))))
    return tuple(compiled)


def _first_occurrence(words: Sequence[str], entries: _Entries) -> int | None:
    by_first, stems = entries
    for start, word in enumerate(words):
        candidates = [*by_first.get(word, ()), *(s for s in stems if word.startswith(s[0][:-1]))]
        if any(_said_at(words, start, parts) for parts in candidates):
            return start
    return None


def _said_at(words: Sequence[str], start: int, parts: tuple[str, ...]) -> bool:
    if start + len(parts) > len(words):
        return False
    return all(_word_matches(words[start + i], part) for i, part in enumerate(parts))


def _word_matches(word: str, entry: str) -> bool:
    return word.startswith(entry[:-1]) if entry.endswith("*") else word == entry


@dataclass(frozen=True)
class HeadingClassifier:
    """Multinomial logistic regression as data: P(heading | features) = softmax(bias + sum of weights)."""

    classes: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    settings: FeatureSettings
    sequence_weight: float = 1.0  # how much the model's log-probabilities count in the tagger
    stay: float = 0.85  # the tagger's carry-over probability with this model
    doubt_below: float = 0.5  # a sentence whose posterior is below this is marked doubtful (calibrated by CV)
    about: dict[str, Any] | None = None  # what it was trained on

    def probabilities(self, features: Features) -> list[float]:
        """Probabilities in the order of ``STATES``."""
        scores = list(self.bias)
        for name, value in features.items():
            row = self.weights.get(name)
            if row is not None:
                scores = [s + value * w for s, w in zip(scores, row, strict=True)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        by_class = {c: e / total for c, e in zip(self.classes, exps, strict=True)}
        return [by_class.get(state, 1e-6) for state in STATES]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "classes": list(self.classes),
            "bias": [round(b, 5) for b in self.bias],
            "settings": self.settings.to_dict(),
            "sequence_weight": self.sequence_weight,
            "stay": self.stay,
            "doubt_below": self.doubt_below,
            "about": self.about or {},
            "weights": {k: [round(w, 4) for w in v] for k, v in sorted(self.weights.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeadingClassifier:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {MODEL_FORMAT!r}")
        classes = tuple(str(c) for c in data["classes"])
        if set(classes) - set(STATES):
            raise ValueError(f"unknown headings {sorted(set(classes) - set(STATES))}")
        width = len(classes)
        weights = {str(k): tuple(float(w) for w in v) for k, v in data["weights"].items()}
        if len(data["bias"]) != width or any(len(v) != width for v in weights.values()):
            raise ValueError("weight rows do not match the classes")
        return cls(
            classes,
            tuple(float(b) for b in data["bias"]),
            weights,
            FeatureSettings.from_dict(data.get("settings") or {}),
            float(data.get("sequence_weight", 1.0)),
            float(data.get("stay", 0.85)),
            float(data.get("doubt_below", 0.5)),
            dict(data.get("about") or {}),
        )


def packaged_model_dir() -> Path:
    folder = resources.files("pipeline")
    for part in PACKAGED_MODEL:
        folder = folder.joinpath(part)
    return Path(str(folder))


def load_heading_model(folder: Path | None = None) -> HeadingClassifier:
    """The model in ``folder`` (default: the packaged one), or a one-line ModelUnavailable naming the fix."""
    path = (folder or packaged_model_dir()) / MODEL_FILE
    rebuild = REBUILD if folder is None else f"verbali train --labels DIR --out {folder}"
    return _load(path, rebuild, path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=4)
def _load(path: Path, rebuild: str, _mtime: int) -> HeadingClassifier:
    try:
        return HeadingClassifier.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelUnavailable(f"heading model {path} is missing: rebuild it with `{rebuild}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise ModelUnavailable(f"heading model {path} is corrupt ({error}): rebuild it with `{rebuild}`") from None
