"""Leave-one-session-out cross-validation of the heading classifier on labelled plenaries.

    python scripts/cv_headings.py                      # tests/data/plenaries + plenaries-asr, headings-train.yaml
    python scripts/cv_headings.py --labels tests/data/plenaries   # the text alone
    python scripts/cv_headings.py --grid               # also a small grid of C, sequence weight and carry-over

Each session's labelled reports are tagged by a model trained on the other sessions and
compared with the rules alone (the same sentences, the same sequence tagger). A session is
held out from every folder at once (its text and its ASR version together: they share the
name), and each folder is scored apart. This scores the headings on the labelled report
spans; ``--end-to-end`` scores the whole stage (``score_tables.py``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.tables.classifier import HeadingClassifier  # noqa: E402
from pipeline.tables.headings import HeadingTagger  # noqa: E402
from pipeline.tables.options import STATES, TablesOptions  # noqa: E402
from pipeline.tables.training import (  # noqa: E402
    LabelledReport,
    TrainingSettings,
    fit,
    labelled_reports,
    read_labelled_folder,
    save_model,
)
from pipeline.tables.training_config import load_training_settings  # noqa: E402


def tag_with_model(model: HeadingClassifier, report: LabelledReport) -> list[str]:
    return [h for h, _ in tag_with_confidence(model, report)]


def tag_with_confidence(model: HeadingClassifier, report: LabelledReport) -> list[tuple[str, float]]:
    tagger = HeadingTagger(TablesOptions(heading_stay=model.stay))
    emissions = [[model.sequence_weight * math.log(p) for p in model.probabilities(f)] for f in report.features]
    return tagger.tag(emissions, report.steps)


def doubt_thresholds(reports: Sequence[LabelledReport], models: dict[str, HeadingClassifier]) -> str:
    """For each threshold: the share of wrong headings it flags, and of right ones (false alarms)."""
    tagged = [
        (label, heading, confidence)
        for report in reports
        for label, (heading, confidence) in zip(
            report.headings, tag_with_confidence(models[report.session], report), strict=True
        )
    ]
    wrong = [c for label, heading, c in tagged if label != heading]
    right = [c for label, heading, c in tagged if label == heading]
    lines = []
    for threshold in (0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998):
        caught = sum(c < threshold for c in wrong) / max(len(wrong), 1)
        alarms = sum(c < threshold for c in right) / max(len(right), 1)
        flagged = sum(c < threshold for c in wrong + right) / max(len(tagged), 1)
        lines.append(
            f"doubt below {threshold:g}: flags {caught:.2f} of wrong headings, {alarms:.2f} of right ones"
            f" ({flagged:.2f} of all sentences)"
        )
    return "\n".join(lines)


def tag_with_rules(report: LabelledReport) -> list[str]:
    return [h for h, _ in HeadingTagger(TablesOptions()).tag(report.rule_emissions, report.steps)]


def fold_models(reports: Sequence[LabelledReport], settings: TrainingSettings) -> dict[str, HeadingClassifier]:
    """A model per session, trained on all the other sessions."""
    sessions = sorted({r.session for r in reports})
    return {held: fit([r for r in reports if r.session != held], settings, {}) for held in sessions}


def cross_validate(
    reports: Sequence[LabelledReport], settings: TrainingSettings, models: dict[str, HeadingClassifier] | None = None
) -> Counter[tuple[str, str]]:
    """(labelled, predicted) counts over every session, each tagged by a model that never saw it."""
    models = models or fold_models(reports, settings)
    confusion: Counter[tuple[str, str]] = Counter()
    for report in reports:
        model = replace(models[report.session], sequence_weight=settings.sequence_weight, stay=settings.stay)
        confusion.update(zip(report.headings, tag_with_model(model, report), strict=True))
    return confusion


def accuracy(confusion: Counter[tuple[str, str]]) -> float:
    total = sum(confusion.values())
    return sum(n for (a, b), n in confusion.items() if a == b) / total if total else 1.0


def describe(confusion: Counter[tuple[str, str]]) -> str:
    parts = []
    for heading in STATES:
        labelled = sum(n for (a, _), n in confusion.items() if a == heading)
        said = sum(n for (_, b), n in confusion.items() if b == heading)
        right = confusion[(heading, heading)]
        parts.append(f"{heading[:4]} P={right / said if said else 1:.2f} R={right / labelled if labelled else 1:.2f}")
    return f"acc={accuracy(confusion):.3f}  " + "  ".join(parts)


def end_to_end(folder: Path, reports: Sequence[LabelledReport], settings: TrainingSettings) -> str:
    """score_tables' figures for the whole stage, each session with a model trained on the others
    (``reports``: every folder's, so that a session's other versions are held out too)."""
    import tempfile

    sys.path.insert(0, str(ROOT / "scripts"))
    import score_tables

    total = score_tables.Scores()
    with tempfile.TemporaryDirectory() as scratch:
        for session in score_tables.labelled_sessions(folder):
            model = fit([r for r in reports if r.session != session.name], settings, {})
            save_model(model, Path(scratch) / session.name)
            options = TablesOptions(spacy_model="blank", heading_model=str(Path(scratch) / session.name))
            total = total + score_tables.score_one(session, use_programme=False, options=options)[0]
    return score_tables.format_scores(total) + "\n" + score_tables.format_headings(total)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, action="append", help="a folder of labelled sessions (repeatable)")
    parser.add_argument("--config", type=Path, help="training settings (default: headings-train.yaml)")
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--end-to-end", action="store_true", help="also score the whole stage, a fold model each")
    args = parser.parse_args(argv)
    folders = args.labels or [ROOT / "tests" / "data" / "plenaries", ROOT / "tests" / "data" / "plenaries-asr"]
    settings = load_training_settings(args.config)
    by_folder = {}
    for folder in folders:
        sessions = read_labelled_folder(folder)
        by_folder[folder] = [r for n, t, lab in sessions for r in labelled_reports(n, t, lab, settings.features)]
        print(f"{folder.name}: sessions={len(sessions)} sentences={sum(len(r.headings) for r in by_folder[folder])}")
    reports = [r for folder_reports in by_folder.values() for r in folder_reports]
    models = fold_models(reports, settings)
    for folder, folder_reports in by_folder.items():
        rules: Counter[tuple[str, str]] = Counter()
        for report in folder_reports:
            rules.update(zip(report.headings, tag_with_rules(report), strict=True))
        print(f"== {folder.name}")
        print(f"rules only           {describe(rules)}")
        print(f"model (configured)   {describe(cross_validate(folder_reports, settings, models))}")
        print(doubt_thresholds(folder_reports, models), flush=True)
        if args.end_to_end:
            print(end_to_end(folder, reports, settings), flush=True)
    if args.grid:
        for c in (0.3, 1.0, 3.0):
            models = fold_models(reports, replace(settings, c=c))
            for weight in (0.5, 1.0, 2.0):
                for stay in (0.2, 0.5, 0.7, 0.85):
                    variant = replace(settings, c=c, sequence_weight=weight, stay=stay)
                    scores = "  |  ".join(
                        f"{folder.name}: {describe(cross_validate(folder_reports, variant, models))}"
                        for folder, folder_reports in by_folder.items()
                    )
                    print(f"C={c} w={weight} stay={stay}  {scores}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
