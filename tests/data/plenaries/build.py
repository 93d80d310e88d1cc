"""Build the hand-written plenary test material: YAML sources -> transcript and label JSON.

Each ``<name>.yaml`` in this folder (not ``*.programma.yaml``) is one authored
session. This script validates it and writes, next to it:

* ``<name>.transcript.json``: the pipeline's transcript shape (one segment per
  utterance, synthetic but deterministic word timings);
* ``<name>.labels.json``: the hand labels (tables, spokespersons, per-segment table
  and heading, organisations, other parts of the session).

Usage::

    python tests/data/plenaries/build.py            # rebuild every session
    python tests/data/plenaries/build.py --check    # exit 1 if a committed JSON is stale
    python tests/data/plenaries/build.py pavia-2021-11-22   # only these sessions

The output depends only on the YAML: same YAML, byte-identical JSON. See README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent

HEADINGS = ("criticita", "risorse", "proposte", "rete", "altro")
KINDS = ("introduzione", "domande", "chiusura", "problemi-tecnici")
SESSION_KEYS = {
    "session",
    "description",
    "speakers",
    "utterances",
    "tables",
    "organisations",
    "kinds",
    "announced_not_presented",
}
UTTERANCE_KEYS = {"speaker", "text", "table", "heading", "pause"}
TABLE_KEYS = {"table_number", "theme", "spokesperson", "spokespersons"}
PERSON_KEYS = {"name", "organisation", "heard_as"}
PROGRAMME_KEYS = {"processo", "ente", "distretto", "sessione", "tema", "data", "tavoli"}
PROGRAMME_TABLE_KEYS = {"numero", "tema", "portavoce", "organizzazione"}

# Timing model (integer milliseconds, so that rounding never drifts).
FIRST_PAUSE_MS = 1200  # before the first utterance
SAME_SPEAKER_PAUSE_MS = 350  # default pause between utterances of one speaker
NEW_SPEAKER_PAUSE_MS = 800  # default pause when the speaker changes
TAIL_MS = 1500  # silence after the last utterance, counted in ``duration``
WORD_BASE_MS = 135  # a word lasts WORD_BASE_MS + WORD_PER_CHAR_MS per letter or digit
WORD_PER_CHAR_MS = 40
WORD_MAX_MS = 950
WORD_GAP_MS = 50  # between two words
COMMA_PAUSE_MS = 120  # extra after a word ending in , ; :
STOP_PAUSE_MS = 260  # extra after a word ending in . ? ! …

MISHEARD = re.compile(r"^([^~\s]+)~([.,;:!?…]*)$")
SESSION_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SESSION_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})$")


class PlenaryDataError(Exception):
    """A YAML source that does not follow the schema; the message names file and place."""


@dataclass(frozen=True)
class Utterance:
    index: int
    speaker: str
    tokens: tuple[tuple[str, bool], ...]  # (word as output, misheard?)
    table: int | None
    heading: str | None
    pause_ms: int | None


# --------------------------------------------------------------------------- validation


def _fail(where: str, message: str) -> PlenaryDataError:
    return PlenaryDataError(f"{where}: {message}")


def _expect_keys(where: str, data: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(where, f"expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        raise _fail(where, f"unknown key(s) {unknown} (allowed: {sorted(allowed)})")
    missing = sorted(required - set(data))
    if missing:
        raise _fail(where, f"missing key(s) {missing}")
    return data


def _str(where: str, value: Any, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"expected a non-empty string, got {value!r}")
    return value


def _table_number(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, f"table number must be a positive integer, got {value!r}")
    return value


def _tokens(where: str, text: str) -> tuple[tuple[str, bool], ...]:
    if '"' in text:
        raise _fail(where, "text must not contain double quotes")
    out: list[tuple[str, bool]] = []
    for token in text.split():
        if "~" in token:
            match = MISHEARD.match(token)
            if match is None:
                raise _fail(where, f"misplaced '~' in {token!r}: put it right after the word")
            out.append((match.group(1) + match.group(2), True))
        else:
            out.append((token, False))
    if not out:
        raise _fail(where, "empty text")
    return tuple(out)


def _person(where: str, data: Any) -> dict[str, str | None]:
    data = _expect_keys(where, data, PERSON_KEYS, {"name", "organisation"})
    return {
        "name": _str(f"{where}.name", data.get("name"), optional=True),
        "organisation": _str(f"{where}.organisation", data.get("organisation"), optional=True),
        "heard_as": _str(f"{where}.heard_as", data.get("heard_as"), optional=True),
    }


def load_session(path: Path) -> dict[str, Any]:
    """Read and validate one session YAML; return the checked, normalised content."""
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise _fail(where, f"not valid YAML: {error}") from error
    data = _expect_keys(where, raw, SESSION_KEYS, {"session", "description", "utterances", "tables", "organisations"})
    name = _str(f"{where}: session", data["session"])
    if name != path.stem or not SESSION_NAME.match(name):
        raise _fail(where, f"session {name!r} must equal the file name stem {path.stem!r} (a-z, 0-9, -)")
    _str(f"{where}: description", data["description"])

    speakers = data.get("speakers")
    if speakers is not None and (
        not isinstance(speakers, dict) or not all(isinstance(v, str) for v in speakers.values())
    ):
        raise _fail(where, "speakers must map each speaker label to a note")

    # organisations
    organisations = data["organisations"]
    if not isinstance(organisations, list):
        raise _fail(where, "organisations must be a list")
    for i, org in enumerate(organisations):
        _str(f"{where}: organisations[{i}]", org)
    if len(set(organisations)) != len(organisations):
        dupes = sorted({o for o in organisations if organisations.count(o) > 1})
        raise _fail(where, f"duplicate organisations {dupes}")

    # utterances
    if not isinstance(data["utterances"], list) or not data["utterances"]:
        raise _fail(where, "utterances must be a non-empty list")
    utterances: list[Utterance] = []
    for i, item in enumerate(data["utterances"]):
        uw = f"{where}: utterance {i}"
        item = _expect_keys(uw, item, UTTERANCE_KEYS, {"speaker", "text", "table", "heading"})
        speaker = _str(f"{uw}.speaker", item["speaker"])
        assert speaker is not None
        if speakers is not None and speaker not in speakers:
            raise _fail(uw, f"speaker {speaker!r} is not listed under 'speakers'")
        text = _str(f"{uw}.text", item["text"])
        assert text is not None
        table = item["table"]
        heading = item["heading"]
        if table is None:
            if heading is not None:
                raise _fail(uw, f"heading {heading!r} given but table is null (only report utterances have a heading)")
        else:
            table = _table_number(f"{uw}.table", table)
            if heading not in HEADINGS:
                expected = list(HEADINGS)
                raise _fail(uw, f"unknown heading {heading!r} for a report utterance (expected one of {expected})")
        pause = item.get("pause")
        pause_ms: int | None = None
        if pause is not None:
            if isinstance(pause, bool) or not isinstance(pause, (int, float)) or not 0 <= pause <= 60:
                raise _fail(uw, f"pause must be a number of seconds between 0 and 60, got {pause!r}")
            pause_ms = round(pause * 1000)
        utterances.append(Utterance(i, speaker, _tokens(uw, text), table, heading, pause_ms))

    if speakers is not None:
        unused = sorted(set(speakers) - {u.speaker for u in utterances})
        if unused:
            raise _fail(where, f"speakers listed but never speaking: {unused}")

    # tables
    if not isinstance(data["tables"], list):
        raise _fail(where, "tables must be a list")
    tables: list[dict[str, Any]] = []
    for i, item in enumerate(data["tables"]):
        tw = f"{where}: tables[{i}]"
        item = _expect_keys(tw, item, TABLE_KEYS, {"table_number", "theme", "spokesperson"})
        number = _table_number(f"{tw}.table_number", item["table_number"])
        theme = _str(f"{tw}.theme", item["theme"])
        first = _person(f"{tw}.spokesperson", item["spokesperson"])
        people = [first]
        if "spokespersons" in item:
            listed = item["spokespersons"]
            if not isinstance(listed, list) or len(listed) < 2:
                raise _fail(tw, "spokespersons, when given, must list at least two people")
            people = [_person(f"{tw}.spokespersons[{j}]", p) for j, p in enumerate(listed)]
            if people[0] != first:
                raise _fail(tw, "spokesperson must be the first entry of spokespersons")
        for person in people:
            org = person["organisation"]
            if org is not None and org not in organisations:
                raise _fail(tw, f"organisation {org!r} is not in the organisations list")
        tables.append({"table_number": number, "theme": theme, "people": people})
    numbers = [t["table_number"] for t in tables]
    if len(set(numbers)) != len(numbers):
        raise _fail(where, f"a table number is listed twice in tables: {numbers}")

    announced = data.get("announced_not_presented", [])
    if not isinstance(announced, list):
        raise _fail(where, "announced_not_presented must be a list of table numbers")
    announced = [_table_number(f"{where}: announced_not_presented", n) for n in announced]
    if set(announced) & set(numbers):
        raise _fail(where, f"tables {sorted(set(announced) & set(numbers))} are both presented and not presented")

    # tables <-> report utterances
    report_of: dict[int, list[Utterance]] = {}
    for u in utterances:
        if u.table is not None:
            report_of.setdefault(u.table, []).append(u)
    for number in report_of:
        if number in announced:
            raise _fail(where, f"table {number} is announced_not_presented but has report utterances")
        if number not in numbers:
            raise _fail(where, f"utterances report for table {number}, which is not listed in tables")
    for table in tables:
        number = table["table_number"]
        report = report_of.get(number)
        if not report:
            raise _fail(where, f"table {number} is listed but no utterance reports for it")
        order: list[str] = []
        for u in report:
            if u.speaker not in order:
                order.append(u.speaker)
        if len(order) != len(table["people"]):
            raise _fail(
                where,
                f"table {number}: report spoken by {order} but {len(table['people'])} spokesperson(s) listed",
            )
        table["speakers"] = order
        table["first"] = report[0].index
        table["last"] = report[-1].index
    # reports of different tables must not interleave
    spans = sorted((t["first"], t["last"], t["table_number"]) for t in tables)
    for (_, last_a, table_a), (first_b, _, table_b) in itertools.pairwise(spans):
        if first_b <= last_a:
            raise _fail(where, f"reports of tables {table_a} and {table_b} interleave")

    # kinds
    kinds_raw = data.get("kinds", [])
    if not isinstance(kinds_raw, list):
        raise _fail(where, "kinds must be a list")
    kinds: list[tuple[int, int, str]] = []
    for i, item in enumerate(kinds_raw):
        kw = f"{where}: kinds[{i}]"
        item = _expect_keys(kw, item, {"kind", "from", "to"}, {"kind", "from", "to"})
        if item["kind"] not in KINDS:
            raise _fail(kw, f"unknown kind {item['kind']!r} (expected one of {list(KINDS)})")
        lo, hi = item["from"], item["to"]
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi < len(utterances)):
            raise _fail(kw, f"from/to must be utterance indices with from <= to < {len(utterances)}")
        inside = [u.index for u in utterances[lo : hi + 1] if u.table is not None]
        if inside:
            raise _fail(kw, f"{item['kind']} range contains report utterances {inside}")
        kinds.append((lo, hi, item["kind"]))
    kinds.sort()
    for (_, hi_a, kind_a), (lo_b, _, kind_b) in itertools.pairwise(kinds):
        if lo_b <= hi_a:
            raise _fail(where, f"kinds {kind_a} and {kind_b} overlap")

    return {
        "session": name,
        "utterances": utterances,
        "tables": tables,
        "organisations": list(organisations),
        "announced": sorted(announced),
        "kinds": kinds,
    }


def check_programme(path: Path, session: dict[str, Any]) -> None:
    """Validate ``<name>.programma.yaml`` against its session."""
    where = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise _fail(where, f"not valid YAML: {error}") from error
    data = _expect_keys(where, raw, PROGRAMME_KEYS, PROGRAMME_KEYS)
    for key in ("processo", "ente", "distretto", "tema"):
        _str(f"{where}: {key}", data[key])
    if isinstance(data["sessione"], bool) or not isinstance(data["sessione"], int):
        raise _fail(where, "sessione must be an integer")
    if not isinstance(data["data"], dt.date):
        raise _fail(where, f"data must be a date (YYYY-MM-DD), got {data['data']!r}")
    date = SESSION_DATE.search(session["session"])
    if date and date.group(1) != data["data"].isoformat():
        raise _fail(where, f"data {data['data']} differs from the session's date {date.group(1)}")
    if not isinstance(data["tavoli"], list) or not data["tavoli"]:
        raise _fail(where, "tavoli must be a non-empty list")
    known = {t["table_number"] for t in session["tables"]} | set(session["announced"])
    seen: set[int] = set()
    for i, item in enumerate(data["tavoli"]):
        tw = f"{where}: tavoli[{i}]"
        item = _expect_keys(tw, item, PROGRAMME_TABLE_KEYS, PROGRAMME_TABLE_KEYS)
        number = _table_number(f"{tw}.numero", item["numero"])
        _str(f"{tw}.tema", item["tema"])
        _str(f"{tw}.portavoce", item["portavoce"], optional=True)
        org = _str(f"{tw}.organizzazione", item["organizzazione"], optional=True)
        if org is not None and org not in session["organisations"]:
            raise _fail(tw, f"organizzazione {org!r} is not in the session's organisations")
        if number in seen:
            raise _fail(tw, f"table {number} listed twice")
        seen.add(number)
    if seen != known:
        raise _fail(where, f"tavoli {sorted(seen)} differ from the session's tables {sorted(known)}")


# --------------------------------------------------------------------------- generation


def _word_ms(word: str) -> int:
    letters = sum(ch.isalnum() for ch in word)
    return min(WORD_BASE_MS + WORD_PER_CHAR_MS * max(letters, 1), WORD_MAX_MS)


def _after_ms(word: str) -> int:
    if word.endswith((".", "?", "!", "…")):
        return STOP_PAUSE_MS
    if word.endswith((",", ";", ":")):
        return COMMA_PAUSE_MS
    return 0


def _probability(session: str, index: int, position: int, word: str, misheard: bool) -> float:
    seed = zlib.crc32(f"{session}:{index}:{position}:{word}".encode())
    if misheard:
        return round(0.30 + (seed % 21) / 100, 2)  # 0.30 .. 0.50
    return round(0.86 + (seed % 14) / 100, 2)  # 0.86 .. 0.99


def _s(ms: int) -> float:
    return round(ms / 1000, 3)


def build(session: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (transcript, labels) for a validated session."""
    name = session["session"]
    utterances: list[Utterance] = session["utterances"]
    segments: list[dict[str, Any]] = []
    bounds: list[tuple[int, int]] = []
    clock = 0
    previous: str | None = None
    for u in utterances:
        if u.pause_ms is not None:
            pause = u.pause_ms
        elif previous is None:
            pause = FIRST_PAUSE_MS
        else:
            pause = SAME_SPEAKER_PAUSE_MS if u.speaker == previous else NEW_SPEAKER_PAUSE_MS
        clock += pause
        words: list[dict[str, Any]] = []
        start = clock
        for position, (word, misheard) in enumerate(u.tokens):
            if position:
                clock += WORD_GAP_MS + _after_ms(u.tokens[position - 1][0])
            end = clock + _word_ms(word)
            words.append(
                {
                    "start": _s(clock),
                    "end": _s(end),
                    "word": " " + word,
                    "probability": _probability(name, u.index, position, word, misheard),
                }
            )
            clock = end
        bounds.append((start, clock))
        segments.append(
            {
                "start": _s(start),
                "end": _s(clock),
                "speaker": u.speaker,
                "text": " ".join(word for word, _ in u.tokens),
                "overlap": False,
                "words": words,
            }
        )
        previous = u.speaker
    transcript = {
        "schema_version": 1,
        "language": "it",
        "language_probability": 1.0,
        "duration": _s(clock + TAIL_MS),
        "model": "hand-written",
        "segments": segments,
    }

    tables_out: list[dict[str, Any]] = []
    for table in sorted(session["tables"], key=lambda t: t["first"]):
        people = [dict(p, speaker=s) for p, s in zip(table["people"], table["speakers"], strict=True)]
        entry: dict[str, Any] = {
            "table_number": table["table_number"],
            "theme": table["theme"],
            "spokesperson": {k: people[0][k] for k in ("name", "organisation", "heard_as")},
            "speaker": table["speakers"][0],
            "start": _s(bounds[table["first"]][0]),
            "end": _s(bounds[table["last"]][1]),
        }
        if len(people) > 1:
            entry["spokespersons"] = people
        tables_out.append(entry)
    labels = {
        "session": name,
        "tables": tables_out,
        "announced_not_presented": session["announced"],
        "segments": [{"index": u.index, "table_number": u.table, "heading": u.heading} for u in utterances],
        "organisations": session["organisations"],
        "other": [
            {"kind": kind, "start": _s(bounds[lo][0]), "end": _s(bounds[hi][1])} for lo, hi, kind in session["kinds"]
        ],
    }
    return transcript, labels


# --------------------------------------------------------------------------- JSON output


def _is_leaf(value: Any) -> bool:
    return isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values())


def dumps(value: Any, indent: int = 0) -> str:
    """JSON with two-space indentation, but flat objects (words, labels) on one line."""
    pad = "  " * indent
    inner = "  " * (indent + 1)
    if isinstance(value, dict) and value and not _is_leaf(value):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value:
        items = [inner + dumps(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def render(path: Path) -> dict[Path, bytes]:
    """The JSON files (path -> bytes) that one session YAML generates."""
    session = load_session(path)
    programme = path.with_name(f"{path.stem}.programma.yaml")
    if programme.exists():
        check_programme(programme, session)
    transcript, labels = build(session)
    return {
        path.with_name(f"{path.stem}.transcript.json"): (dumps(transcript) + "\n").encode("utf-8"),
        path.with_name(f"{path.stem}.labels.json"): (dumps(labels) + "\n").encode("utf-8"),
    }


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".programma.yaml"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the plenary test material (YAML -> JSON).")
    parser.add_argument("sessions", nargs="*", help="session names (default: all YAML files here)")
    parser.add_argument("--check", action="store_true", help="compare with the committed JSON; write nothing")
    parser.add_argument(
        "--dir",
        type=Path,
        default=HERE,
        help="folder of plenary YAML files (default: this one; e.g. tests/data/heldout)",
    )
    args = parser.parse_args(argv)

    folder = args.dir.resolve()
    paths = sources(folder)
    if args.sessions:
        wanted = set(args.sessions)
        unknown = sorted(wanted - {p.stem for p in paths})
        if unknown:
            print(f"error: no such session(s): {unknown}", file=sys.stderr)
            return 2
        paths = [p for p in paths if p.stem in wanted]

    problems: list[str] = []
    for path in paths:
        try:
            files = render(path)
        except PlenaryDataError as error:
            problems.append(f"invalid: {error}")
            continue
        for target, content in files.items():
            if args.check:
                if not target.exists():
                    problems.append(f"missing: {target.name} (run build.py)")
                elif target.read_bytes() != content:
                    problems.append(f"stale: {target.name} differs from what {path.name} generates")
            elif not target.exists() or target.read_bytes() != content:
                target.write_bytes(content)
                print(f"wrote {target.name}")
    if args.check and not args.sessions:
        stems = {p.stem for p in paths}
        for target in sorted(folder.glob("*.json")):
            stem = target.name.rsplit(".", 2)[0]
            if stem not in stems:
                problems.append(f"orphan: {target.name} has no {stem}.yaml")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    if args.check:
        print(f"ok: {len(paths)} session(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
