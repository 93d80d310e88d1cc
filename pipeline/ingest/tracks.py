"""Display names from Zoom's per-participant track files (``audio<DisplayName><digits>.m4a``)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.display_names import device_words, split_device_track_name

ZOOM_ID_MAX_DIGITS = 11  # track-name ids seen from Zoom are 8-11 digits long
ZOOM_ID_MIN_DIGITS = 8


_TRACK_NAME = re.compile(r"^audio(?P<body>.*?)(?P<digits>\d*)$", re.IGNORECASE | re.DOTALL)


def parse_track_names(filenames: list[str]) -> list[str | None]:
    """The names of one recording's tracks: where two would read the same ("audioPartecipante116778240",
    "audioPartecipante216779264"), the digits Zoom's ids share in length part the name's number from the id
    ("Partecipante 1", "Partecipante 2"): one file is one participant, never two merged into one speaker."""
    names = [parse_track_name(f) for f in filenames]
    for name in {n for n in names if n is not None and names.count(n) > 1}:
        same = [i for i, n in enumerate(names) if n == name]
        for id_digits in range(ZOOM_ID_MAX_DIGITS, ZOOM_ID_MIN_DIGITS - 1, -1):
            parted = [parse_track_name(filenames[i], id_digits=id_digits) for i in same]
            if len(set(parted)) == len(parted):
                for index, new in zip(same, parted, strict=True):
                    names[index] = new
                break
    return names


def parse_track_name(filename: str, id_digits: int | None = None) -> str | None:
    """``audioMarioRossi12345678.m4a`` -> "Mario Rossi"; None when no name is in it. With ``id_digits``, the
    digits before the id's are the name's, set apart as a number ("Partecipante 2")."""
    match = _TRACK_NAME.match(Path(filename).stem)
    if match is None:
        return None
    digits = match["digits"]
    if id_digits is not None:
        number = digits[:-id_digits] if len(digits) > id_digits else ""
        named = parse_track_name(f"audio{match['body']}{'0' * ZOOM_ID_MIN_DIGITS}")
        return f"{named} {number}" if named and number else named
    name_digits = digits[:-ZOOM_ID_MAX_DIGITS] if len(digits) > ZOOM_ID_MAX_DIGITS else ""
    body = match["body"] + name_digits
    device = split_device_track_name(body)  # "iPaddiPaola" is "iPad di Paola", not "i Paddi Paola"
    if device is not None:
        return device
    words = [w for word in _split_camel_case(body).replace("_", " ").split() for w in _unglued(word)]
    name = " ".join(words).strip(" -'")
    return name if any(ch.isalpha() for ch in name) else None


def _unglued(word: str) -> list[str]:
    """ "Ufficiodi" -> "Ufficio", "di": a room's word and the link after it, which camel case cannot part."""
    for link in ("della", "dello", "del", "di"):
        stem = word[: -len(link)]
        if word.endswith(link) and stem.lower() in device_words().rooms:
            return [stem, link]
    return [word]


def _split_camel_case(text: str) -> str:
    pieces: list[str] = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else ""
        following = text[index + 1 : index + 2]
        if pieces and _starts_word(previous, char, following):
            pieces.append(" ")
        pieces.append(char)
    return "".join(pieces)


def _starts_word(previous: str, char: str, following: str) -> bool:
    if not char.isupper():
        return False
    # "AnnaFerri", "Utente2Rossi", and the last capital of a run: "ABCTeam" -> "ABC Team"
    return previous.islower() or previous.isdigit() or (previous.isupper() and following.islower())
