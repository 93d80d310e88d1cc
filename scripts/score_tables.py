"""Score the tables stage against hand labels.

    python scripts/score_tables.py                       # every session in tests/data/plenaries/
    python scripts/score_tables.py --plenaries DIR
    python scripts/score_tables.py --transcript outputs/<id>/transcript.json \\
        --labels scripts/sample_plenary.labels.json     # a transcript made end to end from audio

Tables found: a predicted table matches a labelled one when their time spans
overlap by more than half the shorter (one to one, largest overlap first).
Headings: each labelled report segment takes the heading of the predicted
report sentence that covers most of it; a segment no sentence covers is wrong.
Sessions with a ``<name>.programma.yaml`` are scored with and without it.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from pipeline.artifacts import Transcript  # noqa: E402
from pipeline.ingest.programme import Programme, load_programme  # noqa: E402
from pipeline.tables import HEADINGS, STATES, Tables, TablesOptions, find_tables  # noqa: E402

PLENARIES = ROOT / "tests" / "data" / "plenaries"


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class LabelledUnit:
    """A labelled stretch of speech: a segment of a labelled transcript or an utterance of a recording."""

    start: float
    end: float
    table_number: int | None
    heading: str | None


@dataclass
class Labels:
    session: str
    tables: list[dict[str, Any]]
    units: list[LabelledUnit]
    announced_not_presented: list[int] = field(default_factory=list)
    organisations: list[str] | None = None  # None: these labels do not list them

    @classmethod
    def from_dict(cls, data: dict[str, Any], transcript: Transcript) -> Labels:
        """Either the plenaries' shape (segments by index) or the sample's (utterances with times)."""
        if "utterances" in data:
            units = [
                LabelledUnit(u["start"], u["end"], u.get("table", u.get("table_number")), u.get("heading"))
                for u in data["utterances"]
            ]
        else:
            segments = transcript.segments
            units = [
                LabelledUnit(
                    segments[s["index"]].start, segments[s["index"]].end, s.get("table_number"), s.get("heading")
                )
                for s in data.get("segments", [])
            ]
        return cls(
            session=str(data.get("session", "")),
            tables=list(data.get("tables", [])),
            units=units,
            announced_not_presented=list(data.get("announced_not_presented", [])),
            organisations=[str(o) for o in data["organisations"]] if "organisations" in data else None,
        )


# --------------------------------------------------------------------------- scores


@dataclass
class Scores:
    """Counts, so that sessions add up; the rates are properties."""

    labelled_tables: int = 0
    predicted_tables: int = 0
    matched_tables: int = 0
    boundary_error_sum: float = 0.0
    numbers_right: int = 0
    names_right: int = 0
    names_labelled: int = 0
    organisations_labelled: int = 0
    organisations_predicted: int = 0
    organisations_matched: int = 0
    heading_total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    heading_right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    # (labelled heading or NONE, predicted heading or NONE) -> labelled units
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    wrong_flagged: int = 0  # report units with a wrong heading whose sentence is marked doubtful
    wrong_predicted: int = 0  # report units with a wrong heading (a sentence covers them)
    right_flagged: int = 0  # right headings marked doubtful anyway
    right_predicted: int = 0

    def __add__(self, other: Scores) -> Scores:
        added = {}
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if isinstance(mine, Counter):
                added[item.name] = mine + theirs
            elif isinstance(mine, dict):
                added[item.name] = {k: mine[k] + theirs[k] for k in mine}
            else:
                added[item.name] = mine + theirs
        return Scores(**added)

    @property
    def recall(self) -> float:
        return _rate(self.matched_tables, self.labelled_tables)

    @property
    def precision(self) -> float:
        return _rate(self.matched_tables, self.predicted_tables)

    @property
    def boundary_error(self) -> float:
        return self.boundary_error_sum / self.matched_tables if self.matched_tables else 0.0

    @property
    def number_accuracy(self) -> float:
        return _rate(self.numbers_right, self.matched_tables)

    @property
    def name_accuracy(self) -> float:
        return _rate(self.names_right, self.names_labelled)

    @property
    def organisation_recall(self) -> float:
        return _rate(self.organisations_matched, self.organisations_labelled)

    @property
    def organisation_precision(self) -> float:
        return _rate(self.organisations_matched, self.organisations_predicted)

    @property
    def heading_accuracy(self) -> float:
        return _rate(sum(self.heading_right.values()), sum(self.heading_total.values()))

    def heading_class_accuracy(self, heading: str) -> float:
        return _rate(self.heading_right[heading], self.heading_total[heading])

    def heading_recall(self, heading: str) -> float:
        """Of the units labelled ``heading`` (in a report), the share predicted so."""
        return self.heading_class_accuracy(heading)

    def heading_precision(self, heading: str) -> float:
        """Of the labelled units predicted ``heading``, the share labelled so (outside reports counts wrong)."""
        predicted = sum(n for (_, said), n in self.confusion.items() if said == heading)
        return _rate(self.confusion[(heading, heading)], predicted)

    @property
    def flagged_share(self) -> float:
        """Share of the wrong headings (a sentence covers the unit) marked doubtful."""
        return _rate(self.wrong_flagged, self.wrong_predicted)

    @property
    def false_alarm_share(self) -> float:
        """Share of the right headings marked doubtful all the same."""
        return _rate(self.right_flagged, self.right_predicted)

    def summary(self) -> dict[str, float]:
        summary = {
            "recall": self.recall,
            "precision": self.precision,
            "boundary_error_s": self.boundary_error,
            "number_accuracy": self.number_accuracy,
            "name_accuracy": self.name_accuracy,
            "heading_accuracy": self.heading_accuracy,
            "organisation_recall": self.organisation_recall,
            "organisation_precision": self.organisation_precision,
        }
        summary.update({f"heading_{h}": self.heading_class_accuracy(h) for h in STATES if self.heading_total[h]})
        summary.update({f"precision_{h}": self.heading_precision(h) for h in STATES})
        summary["flagged_share"] = self.flagged_share
        summary["false_alarm_share"] = self.false_alarm_share
        return {k: round(v, 3) for k, v in summary.items()}


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 1.0  # nothing to find, nothing missed


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def match_tables(predicted: Tables, labelled: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """(predicted index, labelled index) pairs overlapping by > 50 % of the shorter, largest overlap first."""
    candidates = []
    for p, table in enumerate(predicted.tables):
        for g, label in enumerate(labelled):
            shared = _overlap(table.start, table.end, label["start"], label["end"])
            shorter = min(table.end - table.start, label["end"] - label["start"])
            if shorter > 0 and shared > 0.5 * shorter:
                candidates.append((shared, p, g))
    pairs, used_p, used_g = [], set(), set()
    for _, p, g in sorted(candidates, reverse=True):
        if p not in used_p and g not in used_g:
            pairs.append((p, g))
            used_p.add(p)
            used_g.add(g)
    return sorted(pairs)


def _normalised(name: str | None) -> str:
    if not name:
        return ""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


_NAME_TITLES = ("don", "suor", "padre", "fra", "frate", "madre")


def _same_name(predicted: str | None, labelled: str | None) -> bool:
    """The same name, letter case, accents and a religious title aside: the labels write "don Paolo" when only
    the first name is known but "Gabriele Marchesani" for the priest Zoom shows as "don Gabriele Marchesani"."""
    return _untitled(_normalised(predicted)) == _untitled(_normalised(labelled))


def _untitled(name: str) -> str:
    words = name.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0] in _NAME_TITLES else name


def score_session(predicted: Tables, labels: Labels) -> Scores:
    scores = Scores(labelled_tables=len(labels.tables), predicted_tables=len(predicted.tables))
    for p, g in match_tables(predicted, labels.tables):
        table, label = predicted.tables[p], labels.tables[g]
        scores.matched_tables += 1
        scores.boundary_error_sum += (abs(table.start - label["start"]) + abs(table.end - label["end"])) / 2
        scores.numbers_right += int(table.table_number == label.get("table_number"))
        labelled_name = (label.get("spokesperson") or {}).get("name")
        if labelled_name:
            scores.names_labelled += 1
            scores.names_right += int(_same_name(table.spokesperson.name, labelled_name))
    _score_headings(predicted, labels.units, scores)
    if labels.organisations is not None:
        _score_organisations(predicted.organisations, labels.organisations, scores)
    return scores


def _score_organisations(predicted: Sequence[str], labelled: Sequence[str], scores: Scores) -> None:
    """One to one, by rapidfuzz token-set similarity >= 85 ("Caritas" and "Caritas diocesana di Pavia" match)."""
    scores.organisations_labelled += len(labelled)
    scores.organisations_predicted += len(predicted)
    free = list(predicted)
    for name in labelled:
        best = max(free, key=lambda p: fuzz.token_set_ratio(_normalised(p), _normalised(name)), default=None)
        if best is not None and fuzz.token_set_ratio(_normalised(best), _normalised(name)) >= 85:
            scores.organisations_matched += 1
            free.remove(best)


NONE = "-"  # not in a report


def _score_headings(predicted: Tables, units: Iterable[LabelledUnit], scores: Scores) -> None:
    sentences = [s for t in predicted.tables for s in t.sentences]
    for unit in units:
        covering = max(sentences, key=lambda s: _overlap(s.start, s.end, unit.start, unit.end), default=None)
        if covering is not None and _overlap(covering.start, covering.end, unit.start, unit.end) <= 0:
            covering = None
        said = covering.heading if covering is not None else NONE
        in_report = unit.table_number is not None and unit.heading in STATES
        scores.confusion[(str(unit.heading) if in_report else NONE, said)] += 1
        if not in_report:
            continue
        assert unit.heading is not None
        scores.heading_total[unit.heading] += 1
        if covering is None:
            continue
        right = covering.heading == unit.heading
        scores.heading_right[unit.heading] += int(right)
        if right:
            scores.right_predicted += 1
            scores.right_flagged += int(covering.doubtful)
        else:
            scores.wrong_predicted += 1
            scores.wrong_flagged += int(covering.doubtful)


# --------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class LabelledSession:
    name: str
    transcript: Path
    labels: Path
    programme: Path | None = None

    def load(self) -> tuple[Transcript, Labels]:
        transcript = Transcript.from_dict(json.loads(self.transcript.read_text(encoding="utf-8")))
        labels = Labels.from_dict(json.loads(self.labels.read_text(encoding="utf-8")), transcript)
        return transcript, labels


def labelled_sessions(folder: Path = PLENARIES) -> list[LabelledSession]:
    sessions = []
    for labels in sorted(folder.glob("*.labels.json")):
        name = labels.name.removesuffix(".labels.json")
        transcript = folder / f"{name}.transcript.json"
        programme = folder / f"{name}.programma.yaml"
        if transcript.is_file():
            sessions.append(LabelledSession(name, transcript, labels, programme if programme.is_file() else None))
    return sessions


def score_one(
    session: LabelledSession, *, use_programme: bool, options: TablesOptions = TablesOptions()
) -> tuple[Scores, Tables]:
    transcript, labels = session.load()
    programme: Programme | None = None
    if use_programme and session.programme is not None:
        programme = load_programme(session.programme)
    predicted = find_tables(transcript, programme=programme, options=options)
    return score_session(predicted, labels), predicted


def score_all(
    folder: Path = PLENARIES, *, use_programme: bool = False, options: TablesOptions = TablesOptions()
) -> tuple[Scores, dict[str, Scores]]:
    """Total and per-session scores; ``use_programme`` gives sessions that have one their programme."""
    per_session = {
        s.name: score_one(s, use_programme=use_programme, options=options)[0] for s in labelled_sessions(folder)
    }
    total = sum(per_session.values(), Scores())
    return total, per_session


# --------------------------------------------------------------------------- printing


def format_scores(scores: Scores) -> str:
    s = scores.summary()
    headings = " ".join(f"{h[:4]}={s[f'heading_{h}']:.2f}" for h in STATES if f"heading_{h}" in s)
    return (
        f"tables R={s['recall']:.2f} P={s['precision']:.2f} "
        f"({scores.matched_tables}/{scores.labelled_tables} found, {scores.predicted_tables} predicted)  "
        f"boundary={s['boundary_error_s']:.1f}s  number={s['number_accuracy']:.2f}  name={s['name_accuracy']:.2f}  "
        f"headings={s['heading_accuracy']:.2f} [{headings}]  "
        f"orgs R={s['organisation_recall']:.2f} P={s['organisation_precision']:.2f}"
    )


def _print_folder(folder: Path, options: TablesOptions, *, totals_only: bool = False) -> None:
    sessions = labelled_sessions(folder)
    with_programme = [s.name for s in sessions if s.programme]
    for use_programme in (False, True):
        total, per_session = score_all(folder, use_programme=use_programme, options=options)
        title = "with programme" if use_programme else "without programme"
        print(f"== {title}")
        for name, scores in per_session.items():
            if totals_only or (use_programme and name not in with_programme):
                continue
            print(f"  {name:32} {format_scores(scores)}")
        if use_programme:
            total = sum((per_session[n] for n in with_programme), Scores())
            print(f"  {'TOTAL (sessions with programme)':32} {format_scores(total)}")
        else:
            print(f"  {'TOTAL':32} {format_scores(total)}")
            print(format_headings(total))


def format_headings(scores: Scores) -> str:
    """Each heading's precision and recall, the confusion matrix and how many errors are flagged."""
    lines = ["  heading     precision  recall  labelled"]
    for heading in STATES:
        lines.append(
            f"  {heading:10} {scores.heading_precision(heading):9.2f} {scores.heading_recall(heading):7.2f}"
            f" {scores.heading_total[heading]:9d}"
        )
    columns = [*STATES, NONE]
    lines.append("  confusion (rows: labelled, columns: predicted; - = outside any report)")
    lines.append("  " + " " * 10 + "".join(f"{c[:6]:>8}" for c in columns))
    for row in columns:
        lines.append(f"  {row[:10]:10}" + "".join(f"{scores.confusion[(row, c)]:8d}" for c in columns))
    lines.append(
        f"  wrong headings flagged doubtful: {scores.wrong_flagged}/{scores.wrong_predicted}"
        f" ({scores.flagged_share:.2f}); right ones flagged: {scores.right_flagged}/{scores.right_predicted}"
        f" ({scores.false_alarm_share:.2f})"
    )
    return "\n".join(lines)


def _print_end_to_end(transcript_path: Path, labels_path: Path, programme: Path | None, options: TablesOptions) -> None:
    session = LabelledSession(transcript_path.stem, transcript_path, labels_path, programme)
    for use_programme in (False, True) if programme else (False,):
        scores, _ = score_one(session, use_programme=use_programme, options=options)
        print(f"{'with' if use_programme else 'without'} programme: {format_scores(scores)}")
        print(format_headings(scores))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plenaries", type=Path, default=PLENARIES, help="folder of labelled sessions")
    parser.add_argument("--transcript", type=Path, help="a transcript.json made from audio")
    parser.add_argument("--labels", type=Path, help="its labels (utterances with start/end/table/heading)")
    parser.add_argument("--programme", type=Path, help="the session's programma.yaml, if any")
    parser.add_argument("--patterns", type=Path, help="an extra folder of cue files")
    parser.add_argument(
        "--totals-only", action="store_true", help="print only the totals (for a held-out set nobody may study)"
    )
    args = parser.parse_args(argv)
    options = TablesOptions(patterns_dir=args.patterns)
    if args.transcript or args.labels:
        if not (args.transcript and args.labels):
            parser.error("--transcript and --labels go together")
        _print_end_to_end(args.transcript, args.labels, args.programme, options)
    else:
        _print_folder(args.plenaries, options, totals_only=args.totals_only)
    return 0


__all__ = ["HEADINGS", "Labels", "Scores", "labelled_sessions", "match_tables", "score_all", "score_session"]

if __name__ == "__main__":
    raise SystemExit(main())
