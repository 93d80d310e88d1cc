"""What a Zoom display name says about a person: "Giulia Bianchi - Coop. Il Ponte", "iPad di Paola", "Sala Giunta".

Zoom shows a device's name when nobody renamed it ("iPad di Paola", "iPhone di Marco",
"DESKTOP-4F2K1") and a room's or an office's name for a shared account ("Sala Giunta",
"Ufficio di Piano Lodi"). Such a name is no person's name: at most it gives the owner's
first name. The words are data (``pipeline/data/it/people.yaml``: ``device_prefixes``,
``device_patterns``, ``room_words``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

_OWNER_LINKS = ("di", "de", "del", "della", "of")
# " - ", " | ", "(": or a hyphen with no spaces, as a track file's name gives it back ("Elisa Cardinali-AST
# Ancona"), where an acronym, an abbreviation or a body's word follows (not "Rossi-Bianchi")
_ORGANISATION_SEPARATOR = re.compile(
    r"\s+[-–—|/]\s+|\s*[(\[]|-(?=[A-Z][\w.]*\s+[A-Z])|-(?=[A-Z]{2,}|[A-Z][a-z]{0,3}[A-Z]|[A-Z][a-z]{0,5}\.|(?:Coop|Cooperativa"
    r"|Associazione|Comune|Fondazione|Parrocchia|Caritas|Ufficio|Consorzio|Istituto|Liceo|Scuola|Centro|Azienda)\b)"
)


@dataclass(frozen=True)
class DisplayName:
    raw: str
    person: str | None  # the person's name, or the device owner's ("Paola"); None for a room or bare device
    organisation: str | None  # "Coop. Il Ponte" from "Giulia Bianchi - Coop. Il Ponte"
    device: bool  # a device's or room's name, not one a person chose

    @property
    def full_name(self) -> bool:
        """A first and a last name written out (no initials): a good name to keep."""
        if self.device or not self.person:
            return False
        words = self.person.split()
        return len(words) >= 2 and all(len(w.rstrip(".")) > 1 and not w.endswith(".") for w in words)


@dataclass(frozen=True)
class DeviceWords:
    prefixes: tuple[str, ...]  # lower case, longest first: "macbook pro", "ipad"
    patterns: tuple[re.Pattern[str], ...]  # whole names: DESKTOP-4F2K1
    rooms: frozenset[str]  # first words of rooms and shared accounts: sala, ufficio
    model_words: frozenset[str] = frozenset()  # words of a model's name after the brand: pro, lite
    titles: frozenset[str] = frozenset()  # "dott.ssa", "prof": no part of the person's name

    def is_device_prefix(self, word: str) -> bool:
        return word.lower() in self.prefixes


@lru_cache(maxsize=1)
def device_words() -> DeviceWords:
    text = resources.files("pipeline").joinpath("data", "it", "people.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    prefixes = sorted({str(p).lower() for p in data.get("device_prefixes") or []}, key=len, reverse=True)
    patterns = tuple(re.compile(str(p), re.IGNORECASE) for p in data.get("device_patterns") or [])
    return DeviceWords(
        tuple(prefixes),
        patterns,
        frozenset(str(w).lower() for w in data.get("room_words") or []),
        frozenset(str(w).lower() for w in data.get("device_model_words") or []),
        frozenset(str(w).lower().rstrip(".") for w in data.get("titles") or []),
    )


def read_display_name(label: str) -> DisplayName:
    """Person, organisation and whether it is a device or room, from one display name."""
    raw = " ".join(label.split())
    words_data = device_words()
    if any(p.fullmatch(raw) for p in words_data.patterns):
        return DisplayName(raw, None, None, True)
    owner = _device_owner(raw, words_data)
    if owner is not None:
        return DisplayName(raw, owner or None, None, True)
    if raw and (_room_word(raw.split()[0].lower(), words_data) or _acronym_first(raw)):
        return DisplayName(raw, None, None, True)
    parts = _ORGANISATION_SEPARATOR.split(raw, maxsplit=1)
    person = _without_titles(parts[0].strip(" -–—|,"), words_data) or None
    organisation = parts[1].strip(" )]-–—|,") if len(parts) > 1 else None
    return DisplayName(raw, person, organisation or None, False)


def _without_titles(name: str, words_data: DeviceWords) -> str:
    """ "Dott.ssa Rita Campisi" -> "Rita Campisi": a title before a full name is no part of it ("Sindaco Cevo"
    keeps its title: a town, not a surname, may follow)."""
    words = name.split()
    while len(words) > 2 and words[0].lower().rstrip(".") in words_data.titles:
        words = words[1:]
    return " ".join(words)


def _room_word(word: str, words_data: DeviceWords) -> bool:
    """ "sala", "ass.servizi", and "ufficiodi" as an older track-name parser left "Ufficio di Piano Lodi"."""
    word = word.split("-")[0]
    if "." in word.rstrip("."):
        word = word[: word.index(".") + 1]  # "Ass.Servizi Sociali"
    return word in words_data.rooms or any(word.removesuffix(link) in words_data.rooms for link in ("di", "del"))


def _acronym_first(raw: str) -> bool:
    """ "CISS Pinerolo-Sala Riunioni", "PLUS Olbia": a body's acronym first (a name in capitals is all capitals)."""
    words = re.split(r"[\s-]+", raw)
    first = words[0]
    return len(words) > 1 and len(first) >= 2 and first.isalpha() and first.isupper() and not raw.isupper()


def _device_owner(raw: str, words_data: DeviceWords) -> str | None:
    """ "iPad di Paola" -> "Paola"; "Galaxy A52 di Marta" -> "Marta"; "HUAWEI P30 lite" -> ""; None: no device.

    After the brand, model words ("A52", "Pro", "lite") are skipped; whatever else follows
    without an owner ("Tablet Biblioteca Ovaro") names the device's place, not a person.
    """
    lower = raw.lower()
    for prefix in words_data.prefixes:
        if lower == prefix:
            return ""
        if lower.startswith(prefix + " "):
            rest = raw[len(prefix) + 1 :].split()
            while rest and _is_model_word(rest[0], words_data):
                rest = rest[1:]
            if rest and rest[0].lower() in _OWNER_LINKS:
                return " ".join(rest[1:])
            return ""
    return None


def _is_model_word(word: str, words_data: DeviceWords) -> bool:
    lower = word.lower()
    return bool(_MODEL_CODE.fullmatch(word)) or lower in words_data.model_words or words_data.is_device_prefix(lower)


_MODEL_CODE = re.compile(r"[\w()+-]*\d[\w()+-]*")  # A52, P30, S21, 13, G(60)
_SQUEEZED_MODEL = re.compile(r"[A-Z]{0,2}\d+|(?:Pro|Lite|Plus|Max|Mini|Ultra|Note|Air|Tab|Edge)(?![a-z])|lite|pro|plus")


def split_device_track_name(body: str) -> str | None:
    """A track file's squeezed device name as Zoom showed it: "iPaddiPaola" -> "iPad di Paola"."""
    words_data = device_words()
    if any(p.fullmatch(body) for p in words_data.patterns):
        return body
    lower = body.lower()
    for prefix in words_data.prefixes:
        squeezed = prefix.replace(" ", "")
        if not lower.startswith(squeezed):
            continue
        shown = _shown_prefix(body[: len(squeezed)], prefix)
        rest = body[len(squeezed) :]
        while model := _SQUEEZED_MODEL.match(rest):
            shown, rest = f"{shown} {model.group()}", rest[model.end() :]
        for link in _OWNER_LINKS:
            if rest.lower().startswith(link) and rest[len(link) : len(link) + 1].isupper():
                return f"{shown} {link} {rest[len(link) :]}"
        if not rest:
            return shown
    return None


def _shown_prefix(squeezed: str, prefix: str) -> str:
    """The prefix with its spaces back, in the file's letter case: "MacBookPro" -> "MacBook Pro"."""
    out, index = [], 0
    for word in prefix.split():
        out.append(squeezed[index : index + len(word)])
        index += len(word)
    return " ".join(out)
