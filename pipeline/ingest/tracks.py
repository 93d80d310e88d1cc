"""Display names from Zoom's per-participant track files (``audio<DisplayName><digits>.m4a``)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.display_names import device_words, split_device_track_name

ZOOM_ID_MIN_DIGITS = 8  # track-name ids seen from Zoom are 8-11 digits long
ZOOM_ID_MAX_DIGITS = 11
ONE_MEETING_ID_SPREAD = 0.1  # ids handed out in one meeting: 16778240, 16779264, ... (+1024 each)


_TRACK_NAME = re.compile(r"^audio(?P<body>.*?)(?P<digits>\d*)$", re.IGNORECASE | re.DOTALL)


def parse_track_name(filename: str, id_digits: int = ZOOM_ID_MAX_DIGITS) -> str | None:
    """``audioMarioRossi12345678.m4a`` -> "Mario Rossi"; None when no name is in it.

    ``id_digits``: how many trailing digits are Zoom's user id; any before them end the name
    ("audioPartecipante216779264.m4a" with 8 is "Partecipante 2").
    """
    match = _TRACK_NAME.match(Path(filename).stem)
    if match is None:
        return None
    digits = match["digits"]
    name_digits = digits[:-id_digits] if len(digits) > id_digits else ""
    body = match["body"] + name_digits
    device = split_device_track_name(body)  # "iPaddiPaola" is "iPad di Paola", not "i Paddi Paola"
    if device is not None:
        return device
    words = [w for word in _split_camel_case(body).replace("_", " ").split() for w in _unglued(word)]
    name = " ".join(words).strip(" -'")
    return name if any(ch.isalpha() for ch in name) else None


def parse_track_names(filenames: list[str]) -> list[str | None]:
    """The names of one recording's tracks, read together so that a name ending in digits keeps them.

    Zoom glues the display name to the participant's user id, so "Partecipante 2" with id
    16779264 becomes ``audioPartecipante216779264.m4a``. The ids of one meeting are numbers
    close to each other (16778240, 16779264, ...): the id length is the one, among those every
    file allows, that makes the ids closest relative to their size, when that puts them within
    10 % of each other; otherwise each file's trailing digits (up to 11) are its id.
    """
    return [parse_track_name(name, _id_digits(filenames)) for name in filenames]


def _id_digits(filenames: list[str]) -> int:
    matches = (_TRACK_NAME.match(Path(name).stem) for name in filenames)
    digit_runs = [match["digits"] for match in matches if match is not None]
    shortest = min((len(run) for run in digit_runs), default=0)
    if len(digit_runs) < 2 or shortest == 0:
        return ZOOM_ID_MAX_DIGITS
    longest = min(shortest, ZOOM_ID_MAX_DIGITS)
    candidates = range(min(ZOOM_ID_MIN_DIGITS, longest), longest + 1)
    best = min(candidates, key=lambda length: (_relative_spread(digit_runs, length), -length))
    return best if _relative_spread(digit_runs, best) <= ONE_MEETING_ID_SPREAD else ZOOM_ID_MAX_DIGITS


def _relative_spread(digit_runs: list[str], length: int) -> float:
    ids = [int(run[-length:]) for run in digit_runs]
    return (max(ids) - min(ids)) / max(min(ids), 1)


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
