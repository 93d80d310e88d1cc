"""Training the heading classifier on labelled sessions (the format of ``tests/data/plenaries``).

A labelled session is ``<name>.transcript.json`` + ``<name>.labels.json``: each segment's
table and heading. The report sentences are cut and read exactly as the stage does, each
takes its segment's heading, and a multinomial logistic regression (scikit-learn) is fitted
on their features; the result is written as plain data (``classifier.HeadingClassifier``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.artifacts import Transcript
from pipeline.errors import VerbaliError
from pipeline.storage.files import write_text
from pipeline.tables.classifier import MODEL_FILE, Features, FeatureSettings, HeadingClassifier, report_features
from pipeline.tables.headings import HeadingTagger, heading_step
from pipeline.tables.nlp import NlpSettings, load_nlp, read_yaml
from pipeline.tables.options import STATES, TablesOptions
from pipeline.tables.sentences import Sentence, build_sentences
from pipeline.tables.signals import SignalReader


class TrainingDataError(VerbaliError):
    """A labelled session cannot be used for training."""


@dataclass(frozen=True)
class TrainingSettings:
    """How the model is fitted; ``pipeline/data/it/headings-train.yaml`` holds the chosen values."""

    c: float = 1.0  # inverse regularisation of the logistic regression
    features: FeatureSettings = field(default_factory=FeatureSettings)
    sequence_weight: float = 1.0
    stay: float = 0.85
    min_count: int = 2  # a feature seen in fewer training sentences is dropped
    doubt_below: float = 0.5  # posterior under which a sentence is marked doubtful

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingSettings:
        features = dict(data.get("features") or {})
        lexicons = features.get("lexicons")
        if lexicons is True:  # the packaged word groups, copied into the model
            features["lexicons"] = read_yaml("headings.yaml").get("feature_lexicons") or {}
        elif lexicons is None or lexicons is False:
            features["lexicons"] = {}
        elif not isinstance(lexicons, dict):
            raise TrainingDataError("features.lexicons: expected true, false or a mapping of word groups")
        return cls(
            float(data.get("c", 1.0)),
            FeatureSettings.from_dict(features),
            float(data.get("sequence_weight", 1.0)),
            float(data.get("stay", 0.85)),
            int(data.get("min_count", 2)),
            float(data.get("doubt_below", 0.5)),
        )


@dataclass
class LabelledReport:
    """One table's report: its sentences' features and headings."""

    session: str
    table_number: int | None
    features: list[Features]
    headings: list[str]
    steps: list[str]  # how each sentence joins the one before (see ``headings.heading_step``)
    rule_emissions: list[list[float]]  # the rules' own emissions, to compare with


def read_labelled_folder(folder: Path) -> list[tuple[str, Transcript, dict[str, Any]]]:
    """Every (name, transcript, labels) in ``folder``, each checked; a TrainingDataError on the first problem."""
    if not folder.is_dir():
        raise TrainingDataError(f"{folder}: not a folder of labelled sessions")
    found = []
    for labels_path in sorted(folder.glob("*.labels.json")):
        name = labels_path.name.removesuffix(".labels.json")
        transcript_path = folder / f"{name}.transcript.json"
        if not transcript_path.is_file():
            raise TrainingDataError(f"{labels_path}: no {transcript_path.name} beside it")
        try:
            transcript = Transcript.from_dict(json.loads(transcript_path.read_text(encoding="utf-8")))
            labels = json.loads(labels_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise TrainingDataError(f"{labels_path.parent / name}: unreadable ({error})") from None
        check_labels(labels_path, labels, transcript)
        found.append((name, transcript, labels))
    if not found:
        raise TrainingDataError(f"{folder}: no <name>.labels.json with its <name>.transcript.json")
    return found


def check_labels(where: Path, labels: dict[str, Any], transcript: Transcript) -> None:
    """Unknown headings, segments that do not exist or are labelled twice, overlapping reports."""
    segments = labels.get("segments")
    if not isinstance(segments, list):
        raise TrainingDataError(f"{where}: no 'segments' list")
    seen: set[int] = set()
    for position, item in enumerate(segments):
        index = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(transcript.segments):
            raise TrainingDataError(f"{where}: segments[{position}] names no segment of the transcript")
        if index in seen:
            raise TrainingDataError(f"{where}: segment {index} is labelled twice")
        seen.add(index)
        heading = item.get("heading")
        if item.get("table_number") is not None and heading not in STATES:
            raise TrainingDataError(
                f"{where}: segment {index} has unknown heading {heading!r} (known: {', '.join(STATES)})"
            )
    for position, utterance in enumerate(labels.get("utterances") or []):
        try:
            valid = float(utterance["start"]) <= float(utterance["end"])
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            raise TrainingDataError(f"{where}: utterances[{position}] has no start and end time")
        if utterance.get("table") is not None and utterance.get("heading") not in STATES:
            raise TrainingDataError(
                f"{where}: utterance {position} has unknown heading {utterance.get('heading')!r}"
                f" (known: {', '.join(STATES)})"
            )
    spans = sorted((float(t["start"]), float(t["end"]), t.get("table_number")) for t in labels.get("tables", []))
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        if start < end:
            raise TrainingDataError(f"{where}: the reports of tables {first} and {second} overlap in time")


def labelled_reports(
    name: str, transcript: Transcript, labels: dict[str, Any], settings: FeatureSettings
) -> list[LabelledReport]:
    """The session's reports as the stage would read them, with the labelled headings."""
    nlp = load_nlp(NlpSettings(model="blank"))
    sentences = build_sentences(transcript, nlp, TablesOptions(spacy_model="blank"))
    reader = SignalReader(nlp)
    tagger = HeadingTagger(TablesOptions())
    reports: list[LabelledReport] = []
    current: list[Sentence] = []
    headings: list[str] = []
    current_table: object = None
    for sentence, (table, heading) in [
        *zip(sentences, sentence_labels(sentences, labels), strict=True),
        (None, (None, None)),
    ]:
        if current and (sentence is None or table != current_table):
            signals = [reader.read(s) for s in current]
            features = report_features(current, signals, settings)
            steps = [heading_step(sig) for sig in signals]
            rules = [tagger.emissions(sig, s.words) for s, sig in zip(current, signals, strict=True)]
            reports.append(LabelledReport(name, current_table, features, headings, steps, rules))  # type: ignore[arg-type]
            current, headings = [], []
        if sentence is not None and table is not None:
            current.append(sentence)
            headings.append(str(heading))
            current_table = table
    return reports


def sentence_labels(sentences: Sequence[Sentence], labels: dict[str, Any]) -> list[tuple[object, object]]:
    """(table, heading) of each sentence: its segment's, or, where the labels keep the labelled
    utterances' times (ASR material, whose segments join several utterances), the utterance's
    that it overlaps most."""
    utterances = labels.get("utterances")
    if not utterances:
        of_segment = {s["index"]: s for s in labels["segments"]}
        found = [of_segment.get(s.segment) or {} for s in sentences]
        return [(label.get("table_number"), label.get("heading")) for label in found]
    return [_most_overlapped(sentence, utterances) for sentence in sentences]


def _most_overlapped(sentence: Sentence, utterances: Sequence[dict[str, Any]]) -> tuple[object, object]:
    best, shared = None, 0.0
    for utterance in utterances:
        overlap = min(sentence.end, float(utterance["end"])) - max(sentence.start, float(utterance["start"]))
        if overlap > shared:
            best, shared = utterance, overlap
    table = best.get("table", best.get("table_number")) if best else None
    return (table, best.get("heading")) if best and table is not None else (None, None)


def fit(reports: Sequence[LabelledReport], settings: TrainingSettings, about: dict[str, Any]) -> HeadingClassifier:
    """A multinomial logistic regression over the reports' sentences."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    features = [f for r in reports for f in r.features]
    headings = [h for r in reports for h in r.headings]
    if len(set(headings)) < 2:
        raise TrainingDataError("the labelled sessions hold fewer than two headings: nothing to learn")
    counts: dict[str, int] = {}
    for item in features:
        for key in item:
            counts[key] = counts.get(key, 0) + 1
    kept = [{k: v for k, v in item.items() if counts[k] >= settings.min_count} for item in features]
    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform(kept)
    model = LogisticRegression(C=settings.c, max_iter=3000)
    model.fit(matrix, headings)
    classes = tuple(str(c) for c in model.classes_)
    coefficients = model.coef_.T
    weights = {
        name: tuple(float(w) for w in coefficients[i])
        for name, i in vectoriser.vocabulary_.items()
        if any(abs(w) >= 1e-3 for w in coefficients[i])
    }
    return HeadingClassifier(
        classes,
        tuple(float(b) for b in model.intercept_),
        weights,
        settings.features,
        settings.sequence_weight,
        settings.stay,
        settings.doubt_below,
        {**about, "sentences": len(headings)},
    )


def train_from_folders(folders: Sequence[Path], settings: TrainingSettings) -> HeadingClassifier:
    """A model fitted on every labelled session of ``folders`` (e.g. the hand-labelled text and the
    same sessions as the speech recogniser heard them)."""
    sessions = [session for folder in folders for session in read_labelled_folder(folder)]
    reports = [r for name, t, labels in sessions for r in labelled_reports(name, t, labels, settings.features)]
    if not reports:
        raise TrainingDataError(f"{', '.join(map(str, folders))}: no labelled report sentences to learn from")
    about = {"sessions": [name for name, _, _ in sessions], "folders": [folder.name for folder in folders]}
    return fit(reports, settings, about)


def save_model(model: HeadingClassifier, folder: Path) -> Path:
    """Written atomically: a failed run leaves the old model as it was."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":"))
    target = write_text(folder / MODEL_FILE, text + "\n")
    target.chmod(0o644)  # the temporary file it was renamed from is private
    return target


MANIFEST_ENTRY = "headings-it"


def record_in_manifest(manifest: Path, model_file: Path) -> None:
    """Write the packaged model's size and sha256 into the packaged manifest, as its one-line entry.

    The other entries are left byte for byte as they are.
    """
    from pipeline.models import sha256_of

    entry = {
        "name": MANIFEST_ENTRY,
        "engine": "verbali-headings",
        "description": "Heading classifier of the tables stage (logistic regression over words, cues and "
        "report context), trained on tests/data/plenaries and tests/data/plenaries-asr by `verbali train`",
        "licence": "same as verbali",
        "source": {"type": "package", "path": "data/it/headings-model"},
        "files": [{"path": MODEL_FILE, "size": model_file.stat().st_size, "sha256": sha256_of(model_file), "from": []}],
    }
    marker = f'"name": "{MANIFEST_ENTRY}"'
    lines = [line for line in manifest.read_text(encoding="utf-8").splitlines() if marker not in line]
    close = max(i for i, line in enumerate(lines) if line.strip().startswith("]"))
    lines[close - 1] = lines[close - 1].rstrip().rstrip(",") + ","
    lines.insert(close, "    " + json.dumps(entry, ensure_ascii=False))
    text = "\n".join(lines) + "\n"
    json.loads(text)  # still a manifest
    write_text(manifest, text)
