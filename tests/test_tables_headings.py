"""Heading features and ASR training material: how a sentence opens, the word groups and their
combinations, the model's settings saved with it, sentences of ASR material labelled by the
utterances' times, and training on text and ASR output together."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.artifacts import Transcript
from pipeline.cli import main
from pipeline.tables import TablesOptions, find_tables
from pipeline.tables.classifier import (
    MODEL_FILE,
    FeatureSettings,
    HeadingClassifier,
    lexicon_features,
    opening_features,
)
from pipeline.tables.nlp import NlpSettings, load_nlp
from pipeline.tables.sentences import build_sentences
from pipeline.tables.training import TrainingSettings, labelled_reports, read_labelled_folder, sentence_labels
from tests.test_tables import FACILITATOR, transcript

ROOT = Path(__file__).resolve().parents[1]
PLENARIES = ROOT / "tests" / "data" / "plenaries"
ASR = ROOT / "tests" / "data" / "plenaries-asr"
SESSION = "lodi-2022-03-15"  # in both folders


def _words(text: str) -> list[str]:
    doc = load_nlp(NlpSettings(model="blank")).nlp(text)
    return [t.lower_ for t in doc if t.is_alpha or "'" in t.text]


LEXICONS = TrainingSettings.from_dict({"features": {"lexicons": True}}).features.lexicons  # headings.yaml's


# --------------------------------------------------------------------------- features


def test_a_bare_infinitive_after_e_poi_opens_a_list_item() -> None:
    features = opening_features(_words("E poi creare uno sportello unico per le famiglie."))
    assert features["opens=infinitive"] == 1.0 and features["opens=poi"] == 1.0
    assert features["opens_with=creare"] == 1.0
    assert "opens=infinitive" not in opening_features(_words("E poi le famiglie non sanno a chi rivolgersi."))


def test_something_that_exists_but_fails_and_a_lack_are_told_apart() -> None:
    exists_but = lexicon_features(_words("C'è il centro diurno, però è aperto solo la mattina."), LEXICONS)
    assert exists_but["lex=exists"] == exists_but["lex=exists_but"] == 1.0
    lack = lexicon_features(_words("Non c'è un servizio di trasporto."), LEXICONS)
    assert lack["lex=exists_not"] == 1.0 and "lex=exists_but" not in lack
    told_well = lexicon_features(_words("C'è il centro diurno, che funziona bene."), LEXICONS)
    assert "lex=exists_but" not in told_well and "lex=exists_not" not in told_well
    assert told_well["lex=positive"] == 1.0


def test_word_groups_match_stems_and_phrases_as_the_tokenizer_cuts_them() -> None:
    features = lexicon_features(_words("Vanno coinvolte le famiglie e il centro per l'impiego."), LEXICONS)
    assert features["lex=involve"] == 1.0 and features["lex=actors"] == 1.0
    assert lexicon_features([], LEXICONS) == {}


def test_feature_settings_travel_with_the_model_and_old_models_keep_theirs() -> None:
    settings = FeatureSettings(shape=True, lexicons={"offer": ("disponibil*",)}, neighbours=True)
    assert FeatureSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
    old = FeatureSettings.from_dict({"char_ngrams": 4, "bigrams": True, "context": True})
    assert not old.shape and not old.neighbours and old.lexicons == {}


def test_bad_lexicon_settings_are_refused() -> None:
    from pipeline.tables.training import TrainingDataError

    with pytest.raises(TrainingDataError, match=r"features\.lexicons"):
        TrainingSettings.from_dict({"features": {"lexicons": ["offer"]}})


# --------------------------------------------------------------------------- ASR material


def test_asr_sentences_take_the_heading_of_the_utterance_they_overlap_most() -> None:
    """An ASR segment joins several labelled utterances; each sentence is labelled by time instead."""
    name = "ancona-2024-01-30"
    data = json.loads((ASR / f"{name}.transcript.json").read_text(encoding="utf-8"))
    labels = json.loads((ASR / f"{name}.labels.json").read_text(encoding="utf-8"))
    nlp = load_nlp(NlpSettings(model="blank"))
    sentences = build_sentences(Transcript.from_dict(data), nlp, TablesOptions(spacy_model="blank"))
    by_time = sentence_labels(sentences, labels)
    by_segment = sentence_labels(sentences, {"segments": labels["segments"]})
    changed = sum(a != b for a, b in zip(by_time, by_segment, strict=True))
    assert changed >= 10  # measured 2026-11-23: segments of ~30 s, many headings each
    in_reports = [(s, h) for s, (table, h) in zip(sentences, by_time, strict=True) if table is not None]
    greetings = [h for s, h in in_reports if s.text.lower().startswith(("grazie, buona sera", "sì, grazie"))]
    assert greetings and set(greetings) == {"altro"}


def test_train_on_text_and_asr_output_together(tmp_path: Path) -> None:
    folders = []
    for source in (PLENARIES, ASR):
        folder = tmp_path / source.name
        folder.mkdir()
        for suffix in (".transcript.json", ".labels.json"):
            shutil.copy(source / f"{SESSION}{suffix}", folder / f"{SESSION}{suffix}")
        folders += ["--labels", str(folder)]
    result = CliRunner().invoke(main, ["train", *folders, "--out", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    assert "trained on 1 sessions (2 transcripts)" in result.output
    model = HeadingClassifier.from_dict(json.loads((tmp_path / "model" / MODEL_FILE).read_text(encoding="utf-8")))
    assert model.about and model.about["folders"] == ["plenaries", "plenaries-asr"]


# --------------------------------------------------------------------------- the packaged model


@pytest.mark.parametrize(
    ("sentence", "heading"),
    [
        ("E poi organizzare un trasporto a chiamata per le frazioni, con i volontari.", "proposte"),
        ("Noi abbiamo tre pulmini e venti volontari che accompagnano gli anziani alle visite.", "risorse"),
        ("Le parrocchie e le associazioni sportive vanno coinvolte fin dall'inizio, insieme ai servizi.", "rete"),
    ],
)
def test_the_packaged_model_reads_proposals_resources_and_network_without_their_keywords(
    sentence: str, heading: str
) -> None:
    report = [
        "Sono Anna, portavoce del tavolo uno.",
        "Il problema più grande è che le famiglie restano sole e i servizi arrivano tardi.",
        "Mancano soprattutto i trasporti, e chi non guida resta a casa.",
        sentence,
    ]
    turns = [(FACILITATOR, "Passiamo al tavolo uno. Prego."), *(("SPEAKER_01", t) for t in report)]
    table = find_tables(transcript(turns), options=TablesOptions(spacy_model="blank")).tables[0]
    assert table.sentences[-1].heading == heading


def test_cross_validation_holds_a_session_out_of_every_folder_at_once() -> None:
    """Its ASR version must not teach the model that scores its text (they share the name)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("cv_headings", ROOT / "scripts" / "cv_headings.py")
    assert spec is not None and spec.loader is not None
    cv = importlib.util.module_from_spec(spec)
    sys.modules["cv_headings"] = cv
    spec.loader.exec_module(cv)
    settings = TrainingSettings()
    reports = []
    for folder in (PLENARIES, ASR):
        for name, transcript_, labels in read_labelled_folder(folder):
            if name in (SESSION, "padova-2023-05-23"):
                reports += labelled_reports(name, transcript_, labels, settings.features)
    models = cv.fold_models(reports, settings)
    for held, model in models.items():
        trained_on = sum(len(r.headings) for r in reports if r.session != held)
        assert model.about and model.about["sentences"] == trained_on
