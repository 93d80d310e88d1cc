"""Identity: each report's table number, theme and spokesperson from every signal, checked against the
programme and the session's participants where given."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.ingest.display_names import DisplayName, read_display_name
from pipeline.ingest.programme import Programme
from pipeline.tables.options import _LABEL_SPEAKER, FACILITATOR, UNKNOWN_SPEAKER, TablesOptions
from pipeline.tables.reports import Draft
from pipeline.tables.signals import TableRef


@dataclass
class KnownPeople:
    """Names the session already knows: programme spokespersons, participants, named speakers."""

    names: list[str]
    threshold: float

    def match(self, heard: str | None, prefer: str | None = None) -> str | None:
        if not heard:
            return None
        if prefer and self.similar(heard, prefer):
            return _fuller(heard, prefer)
        scored = [(self.similarity(heard, n), n) for n in self.names]
        good = [(score, n) for score, n in scored if score >= self.threshold]
        best = max((score for score, _ in good), default=0.0)
        top = [n for score, n in good if score == best]
        return _fuller(heard, top[0]) if len(top) == 1 else None  # "Giulia" and two Giulias: no guess

    @staticmethod
    def similarity(heard: str, name: str) -> float:
        """Token-set similarity, or whole-string when ASR split or joined words ("Mariagrazia")."""
        heard, name = heard.lower(), name.lower()
        joined = fuzz.ratio(heard.replace(" ", ""), name.replace(" ", ""))
        return max(fuzz.token_set_ratio(heard, name), joined)

    def similar(self, heard: str, name: str) -> bool:
        return self.similarity(heard, name) >= self.threshold


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


class IdentityResolver:
    """Settles each report's table number, theme and spokesperson from all the clues."""

    def __init__(self, clues: SessionClues, options: TablesOptions):
        self.programme = clues.programme
        self.known = clues.known
        self.themes = clues.themes
        self.facilitator_name = clues.facilitator_name
        self.table_count = clues.table_count
        self.options = options
        self.used: list[int] = []

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
        theme = (plan.theme if plan else None) or self._heard_theme(draft, number)
        if self.programme and self.programme.tables and number not in self.programme.numbers:
            evidence.append("table number not in the programme")
        score = number_score + (self.options.identity.name_bonus if name else 0.0)
        return Identity(number, theme, name, organisation, evidence, score)

    # spokesperson ----------------------------------------------------------

    def _heard_spokesperson(self, draft: Draft, evidence: list[str]) -> tuple[str | None, str | None]:
        opening = draft.signals[: self.options.opening_sentences]
        for signal in opening:
            if signal.intro_name:
                evidence.append(f"self-introduction ({signal.intro_name})")
                shown = display_name(draft.speaker)
                fallback = shown.organisation if shown else None
                return self._prefer_shown(signal.intro_name, shown), (signal.organisations or [fallback])[0]
        organisation = next((s.organisations[0] for s in opening if s.speaks_for_table and s.organisations), None)
        if draft.turns[0].self_report and self.facilitator_name:
            evidence.append(f"the facilitator ({self.facilitator_name}) presents")
            return self.facilitator_name, organisation
        called = self._called_and_said(draft)
        if called:
            evidence.append(f"named in the hand-over and said in full ({called})")
            return called, organisation
        shown = display_name(draft.speaker)
        if shown and shown.person and not shown.device:
            evidence.append("speaker's name from the recording")
            return shown.person, organisation or shown.organisation
        if draft.handover and draft.handover.names:
            last = draft.handover.names[-1]
            same = [n for n in draft.handover.names if n.split()[0].lower() == last.split()[0].lower()]
            fullest = max(same, key=lambda n: len(n.split()))  # "Ciro Capasso del CPIA, Ciro, sei tu?"
            evidence.append(f"named in the hand-over ({fullest})")
            return fullest, organisation
        if shown and shown.person:
            evidence.append(f"owner of the device «{shown.raw}»")
            return shown.person, organisation
        if shown:
            evidence.append(f"«{shown.raw}» names a device or room, not the spokesperson: to be checked")
        else:
            evidence.append("no clue names the spokesperson: to be checked")
        return None, organisation

    def _called_and_said(self, draft: Draft) -> str | None:
        """ "la parola a carlo" ... "buonasera carlo lugli lavoro nel...": the full name said after the first."""
        if not draft.handover or not draft.handover.names:
            return None
        called = {n.split()[0].lower() for n in draft.handover.names}
        said = (n for s in draft.signals[:2] for n in s.names if len(n.split()) >= 2)
        return next((n for n in said if n.split()[0].lower() in called), None)

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
