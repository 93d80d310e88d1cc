"""Identity: each report's table number, theme and spokesperson from every signal, checked against the
programme and the session's participants where given."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from pipeline.ingest.display_names import DisplayName, read_display_name
from pipeline.ingest.programme import Programme
from pipeline.tables.options import _LABEL_SPEAKER, FACILITATOR, UNKNOWN_SPEAKER, TablesOptions
from pipeline.tables.reports import Draft
from pipeline.tables.signals import Signals, TableRef
from pipeline.tables.turns import Turn


@dataclass
class KnownPeople:
    """Names the session already knows: programme spokespersons, participants, named speakers."""

    names: list[str]
    threshold: float
    nicknames: dict[str, frozenset[str]] = field(default_factory=dict)  # "nino" -> {"antonino", "giovanni"}

    @property
    def first_names(self) -> set[str]:
        """The first words of the known names, to recognise them in lower case ("amadou" from "Amadou S.")."""
        firsts = (name.split()[0].lower() for name in self.names if name.split())
        return {w for w in firsts if len(w) > 2 and w.isalpha()}

    def match(self, heard: str | None, prefer: str | None = None) -> str | None:
        if not heard:
            return None
        if prefer and self.similar(heard, prefer):
            return _fuller(heard, prefer)
        scored = [(self.score(heard, n), n) for n in self.names]
        good = [(score, n) for score, n in scored if score >= self.threshold]
        best = max((score for score, _ in good), default=0.0)
        top = _fullest([n for score, n in good if score == best])
        return _fuller(heard, top[0]) if len(top) == 1 else None  # "Giulia" and two Giulias: no guess

    def score(self, heard: str, name: str) -> float:
        """The similarity, where a short form of the first name ("Nino" for "Antonino") counts as the full one."""
        said, known = heard.lower().split(), name.lower().split()
        if said and known and self._same_first_name(said[0], known[0]):
            heard = " ".join([known[0], *said[1:]])
        return self.similarity(heard, name)

    @staticmethod
    def similarity(heard: str, name: str) -> float:
        """Token-set similarity, or whole-string when ASR split or joined words ("Mariagrazia")."""
        heard, name = heard.lower(), name.lower()
        joined = fuzz.ratio(heard.replace(" ", ""), name.replace(" ", ""))
        return max(fuzz.token_set_ratio(heard, name), joined)

    def _same_first_name(self, one: str, other: str) -> bool:
        return other in self.nicknames.get(one, ()) or one in self.nicknames.get(other, ())

    def similar(self, heard: str, name: str) -> bool:
        return self.score(heard, name) >= self.threshold


_NAME_TITLES = {"don", "suor", "padre", "fra", "frate", "madre"}


def _first(name: str) -> str:
    return name.split()[0].lower()


def _thanks(text: str, name: str) -> bool:
    """ "Grazie Gavino, vai pure": the name right after the thanks is the one who just spoke."""
    return re.search(rf"\bgrazie,? (?:a |ad )?{re.escape(_first(name))}\b", text.lower()) is not None


def _fullest(names: list[str]) -> list[str]:
    """The names less those another one writes out in full ("Teresa" of "Galaxy di Teresa" in "Teresa Manco")."""
    words = [set(n.lower().split()) for n in names]
    return [n for n, w in zip(names, words, strict=True) if not any(w < other for other in words)]


def _fuller(heard: str, known: str) -> str:
    """The known spelling, unless it says less ("Giuseppe" for "Giuseppe Riboldi", "Davide R." for "Davide Ruozi")."""
    initials = any(len(w.rstrip(".")) == 1 for w in known.split())
    return known if len(known.split()) >= len(heard.split()) and not initials else heard


def is_name_label(label: str | None) -> bool:
    """Whether a speaker label is a person's name (from Zoom) rather than a diarisation label."""
    if not label or label in (UNKNOWN_SPEAKER, FACILITATOR) or label.startswith("voce "):
        return False
    return not _LABEL_SPEAKER.match(label.strip()) and any(c.isalpha() for c in label)


def person_of_label(label: str | None) -> str | None:
    """The person behind a Zoom name: "iPad di Giuseppe" -> "Giuseppe", "Giulia Bianchi - Coop. Il Ponte" ->
    "Giulia Bianchi"; None for "SPEAKER_01", "DESKTOP-4F2K1" or "Sala Giunta"."""
    if not is_name_label(label):
        return None
    return read_display_name(str(label)).person


def display_name(label: str | None) -> DisplayName | None:
    return read_display_name(str(label)) if is_name_label(label) else None


@dataclass
class Identity:
    number: int | None
    theme: str | None
    name: str | None
    organisation: str | None
    evidence: list[str]
    score: float  # 0..1, how sure the number and spokesperson are


@dataclass(frozen=True)
class SessionClues:
    """What the whole session tells about its tables and people."""

    programme: Programme | None
    known: KnownPeople
    themes: dict[int, str]  # heard anywhere: "il tavolo 2 sulla casa"
    facilitator_name: str | None  # from the facilitator's self-introduction
    table_count: int | None = None  # "i tavoli erano cinque": how many tables the facilitator announced
    turns: Sequence[Turn] = ()  # the turns the reports were found in (a hand-over's ``turn`` indexes them)
    facilitator: str | None = None  # the facilitator's speaker label


class IdentityResolver:
    """Settles each report's table number, theme and spokesperson from all the clues."""

    def __init__(self, clues: SessionClues, options: TablesOptions):
        self.programme = clues.programme
        self.known = clues.known
        self.themes = clues.themes
        self.facilitator_name = clues.facilitator_name
        self.table_count = clues.table_count
        self.turns = clues.turns
        self.facilitator = clues.facilitator
        self.options = options
        self.used: list[int] = []
        self.spoken: list[str] = []  # the spokespersons found so far, in order

    def passed_over(self, numbers: list[int]) -> None:
        """Tables called that never presented: the order of reports goes past them."""
        self.used += [n for n in numbers if n not in self.used]

    def resolve(self, draft: Draft) -> Identity:
        evidence: list[str] = []
        heard_name, organisation = self._heard_spokesperson(draft, evidence)
        number, number_score = self._number(draft, heard_name, evidence)
        plan = self.programme.table(number) if self.programme and number is not None else None
        name = self._name(heard_name, plan.spokesperson if plan else None, evidence)
        if plan and plan.spokesperson and name is None:
            name = plan.spokesperson
            evidence.append("spokesperson from the programme")
        organisation = organisation or (plan.organisation if plan else None)
        if name and len(name.split()) == 1:
            evidence.append(f"only a first name is known ({name}): the surname is to be checked")
        if number is not None:
            self.used.append(number)
        if name:
            self.spoken.append(name)
        theme = (plan.theme if plan else None) or self._heard_theme(draft, number)
        if self.programme and self.programme.tables and number not in self.programme.numbers:
            evidence.append("table number not in the programme")
        score = number_score + (self.options.identity.name_bonus if name else 0.0)
        return Identity(number, theme, name, organisation, evidence, score)

    # spokesperson ----------------------------------------------------------

    def _heard_spokesperson(self, draft: Draft, evidence: list[str]) -> tuple[str | None, str | None]:
        opening = draft.signals[: self.options.opening_sentences]
        introduced = self._introduction(draft)
        if introduced:
            evidence.append(f"self-introduction ({introduced.intro_name})")
            shown = display_name(draft.speaker)
            fallback = shown.organisation if shown else None
            return self._prefer_shown(str(introduced.intro_name), shown), (introduced.organisations or [fallback])[0]
        organisation = next((s.organisations[0] for s in opening if s.speaks_for_table and s.organisations), None)
        if draft.turns[0].self_report:
            if self.facilitator_name:
                evidence.append(f"the facilitator ({self.facilitator_name}) presents")
            else:  # not the absent spokesperson the hand-over names ("Silvia mi ha girato le sue note")
                evidence.append("the facilitator presents, who never said her name: to be checked")
            return self.facilitator_name, organisation
        called = self._called_and_said(draft)
        if called:
            evidence.append(f"named in the hand-over and said in full ({called})")
            return called, organisation
        shown = display_name(draft.speaker)
        if shown and shown.person and not shown.device:
            evidence.append("speaker's name from the recording")
            return shown.person, organisation or shown.organisation
        called = self._called(draft)
        if called:
            last = called[-1]
            same = [n for n in called if _first(n) == _first(last)]
            fullest = max(same, key=lambda n: len(n.split()))  # "Ciro Capasso del CPIA, Ciro, sei tu?"
            evidence.append(f"named in the hand-over ({fullest})")
            return fullest, organisation
        if shown and shown.person:
            evidence.append(f"owner of the device «{shown.raw}»")
            return shown.person, organisation
        thanked = self._thanked_after(draft)
        if thanked:
            evidence.append(f"thanked by name after the report ({thanked}): to be checked")
            return thanked, organisation
        if shown:
            evidence.append(f"«{shown.raw}» names a device or room, not the spokesperson: to be checked")
        else:
            evidence.append("no clue names the spokesperson: to be checked")
        return None, organisation

    def _introduction(self, draft: Draft) -> Signals | None:
        """The first voice's self-introduction in the report's opening (a second voice's is not the spokesperson's);
        a full name said after a first name alone wins ("sono io, Lorenzo è mio figlio... Giovanna Zoli")."""
        own = [s for t in draft.turns if t.speaker == draft.speaker for s in t.signals]
        intros = [s for s in own[: self.options.opening_sentences] if s.intro_name]
        full = next((s for s in intros if len(str(s.intro_name).split()) >= 2), None)
        if intros and full and len(str(intros[0].intro_name).split()) == 1:
            return full
        return intros[0] if intros else None

    def _called(self, draft: Draft) -> list[str]:
        """Who the hand-over gives the floor to: the names its calling sentences say, else any its turn says
        ("Per il tavolo tre parla la dottoressa Lucia Improta"), less those thanked, those who spoke before
        and the report's second voices ("Annalisa, e poi Pietro del SerD")."""
        if draft.handover is None:
            return []
        others = {_first(p) for p in map(person_of_label, draft.co_speakers) if p}
        turn = self.turns[draft.handover.turn] if draft.handover.turn < len(self.turns) else None
        said = list(zip(turn.sentences, turn.signals, strict=True)) if turn else []
        if self.facilitator_name:
            others.add(_first(self.facilitator_name))  # "sono Tiziana Vitali dell'Ufficio di Piano" in the hand-over
        calling = [n for n in draft.handover.names if not any(_thanks(s.text, n) for s, _ in said)]
        anywhere = [n for s, signal in said if "THANKS" not in signal.labels or signal.handover for n in signal.names]
        for names in (calling, anywhere):
            fresh = [
                n
                for n in names
                if _first(n) not in others
                and not self._spoke_before(n)
                and not any(_thanks(s.text, n) for s, _ in said)
            ]
            if fresh:
                return fresh if names is calling else fresh[:1]
        return []

    def _chairs(self, draft: Draft) -> set[str]:
        """Who gives the floor: the report's hand-over, the facilitator, anyone who three times or more handed over
        or opened a turn with thanks."""
        handing = Counter(t.speaker for t in self.turns if t.has_handover or "THANKS" in t.signals[0].labels)
        chairs = {speaker for speaker, count in handing.items() if count >= 3} | {self.facilitator or ""}
        return chairs | ({draft.handover.speaker} if draft.handover else set())

    def _spoke_before(self, called: str) -> bool:
        """A full name of an earlier spokesperson, or the first name of the last one (just thanked)."""
        if len(called.split()) >= 2:
            return any(self.known.similar(called, name) for name in self.spoken)
        return bool(self.spoken) and _first(self.spoken[-1]) == _first(called)

    def _thanked_after(self, draft: Draft) -> str | None:
        """ "Grazie Gianluca.": the one name the facilitator thanks right after the report."""
        last = next((i for i, t in enumerate(self.turns) if t is draft.turns[-1]), None)
        if last is None or last + 1 >= len(self.turns):
            return None
        after = self.turns[last + 1]
        first = after.signals[0]
        if after.speaker not in self._chairs(draft) or "THANKS" not in first.labels or first.intro_name:
            return None  # "Sì, grazie, Lucia Cannistrà, SPI-CGIL": a question, not the facilitator's thanks
        seconds = {_first(p) for p in map(person_of_label, draft.co_speakers) if p}
        text = after.sentences[0].text
        names = {_first(n): n for n in first.names if _first(n) not in seconds and _thanks(text, n)}
        return next(iter(names.values())) if len(names) == 1 else None

    def _called_and_said(self, draft: Draft) -> str | None:
        """ "la parola a carlo" ... "buonasera carlo lugli lavoro nel...": the full name said after the first."""
        called = {_first(n) for n in self._called(draft)}
        if not called:
            return None
        for sentence, signal in zip(draft.sentences[:2], draft.signals[:2], strict=True):
            for name in signal.names:
                if len(name.split()) >= 2 and _first(name) in called:
                    return name
                # "Efisio Manca, dell'associazione...": a name no list knows, caught only from its surname on
                joined = next((f for f in called if f"{f} {name.lower()}" in sentence.text.lower()), None)
                if joined and len(name.split()) == 1 and joined not in _NAME_TITLES:
                    return f"{joined.capitalize()} {name}"
        return None

    def _prefer_shown(self, heard: str, shown: DisplayName | None) -> str:
        """A good display name beats what Whisper heard of the same name ("Mariagrazia Rosetti")."""
        if shown and shown.full_name and shown.person and self.known.similar(heard, shown.person):
            return shown.person
        return heard

    def _name(self, heard: str | None, planned: str | None, evidence: list[str]) -> str | None:
        if heard is None:
            return None
        known = self.known.match(heard, prefer=planned)
        if known and known != heard:
            evidence.append(f"name «{heard}» matched to «{known}»")
        return known or heard

    # number ----------------------------------------------------------------

    def _number(self, draft: Draft, heard_name: str | None, evidence: list[str]) -> tuple[int | None, float]:
        votes: Counter[int] = Counter()
        self._vote_refs(draft, votes, evidence)
        self._vote_programme_name(heard_name, votes, evidence)
        if votes:
            weights = self.options.identity
            number, weight = votes.most_common(1)[0]
            rivals = [n for n, w in votes.items() if n != number and w >= weights.rival_vote]
            if rivals:
                evidence.append(f"conflicting table numbers {sorted([number, *rivals])}")
            score = min(weights.voted_max, weights.voted_base + weights.per_vote * weight)
            return number, score - (weights.rival_penalty if rivals else 0.0)
        return self._number_by_order(evidence)

    def _vote_refs(self, draft: Draft, votes: Counter[int], evidence: list[str]) -> None:
        sources: list[tuple[str, TableRef, float]] = []
        if draft.handover:
            sources += [("hand-over", r, self.options.identity.handover_vote) for r in draft.handover.refs]
        opening = draft.signals[: self.options.opening_sentences]
        sources += [("report opening", r, self.options.identity.opening_vote) for s in opening for r in s.table_refs]
        for where, ref, weight in sources:
            number = self._ref_number(ref)
            if number is not None:
                votes[number] += weight
                evidence.append(f"{where}: {ref.describes}")

    def _ref_number(self, ref: TableRef) -> int | None:
        if ref.number is not None:
            return ref.number
        if ref.relative == "next":
            return (self.used[-1] + 1) if self.used else 1
        if ref.relative == "last":
            return self._last_number()
        return self._theme_number(ref.theme) if ref.theme else None

    def _last_number(self) -> int | None:
        """ "passiamo all'ultimo": the programme's last table, else the number of tables announced."""
        if self.programme and self.programme.tables:
            return max(self.programme.numbers)
        if self.table_count and all(n < self.table_count for n in self.used):
            return self.table_count
        return None

    def _theme_number(self, theme: str) -> int | None:
        planned = {t.number: t.theme for t in self.programme.tables if t.theme} if self.programme else {}
        candidates = {**self.themes, **planned}
        scored = [(fuzz.token_set_ratio(theme.lower(), t.lower()), n) for n, t in candidates.items()]
        good = [(s, n) for s, n in scored if s >= self.options.name_similarity]
        return max(good)[1] if good else None

    def _vote_programme_name(self, heard: str | None, votes: Counter[int], evidence: list[str]) -> None:
        if not heard or not self.programme:
            return
        for plan in self.programme.tables:
            if plan.spokesperson and self.known.similar(heard, plan.spokesperson):
                votes[plan.number] += self.options.identity.programme_name_vote
                evidence.append(f"programme: {plan.spokesperson} speaks for table {plan.number}")

    def _number_by_order(self, evidence: list[str]) -> tuple[int | None, float]:
        if self.programme and self.programme.tables:
            unused = [n for n in self.programme.numbers if n not in self.used]
            later = [n for n in unused if not self.used or n > self.used[-1]]
            if later or unused:
                evidence.append("number from the programme's order")
                return (later or unused)[0], self.options.identity.programme_order
        evidence.append("number guessed from the order of reports")
        return next(n for n in range(1, len(self.used) + 2) if n not in self.used), self.options.identity.guessed

    def _heard_theme(self, draft: Draft, number: int | None) -> str | None:
        refs = (draft.handover.refs if draft.handover else []) + [
            r for s in draft.signals[: self.options.opening_sentences] for r in s.table_refs
        ]
        heard = next((r.theme for r in refs if r.theme), None)
        return heard or (self.themes.get(number) if number is not None else None)
