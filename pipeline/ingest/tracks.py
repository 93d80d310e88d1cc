"""Display names from Zoom's per-participant track files (``audio<DisplayName><digits>.m4a``)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.display_names import device_words, split_device_track_name

ZOOM_ID_MAX_DIGITS = 11  # track-name ids seen from Zoom are 8-11 digits long


_TRACK_NAME = re.compile(r"^audio(?P<body>.*?)(?P<digits>\d*)$", re.IGNORECASE | re.DOTALL)


def parse_track_name(filename: str) -> str | None:
    """``audioMarioRossi12345678.m4a`` -> "Mario Rossi"; None when no name is in it."""
    match = _TRACK_NAME.match(Path(filename).stem)
    if match is None:
        return None
    digits = match["digits"]
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
