"""Signals per sentence from the cue patterns: hand-overs, self-introductions, table references, names,
organisations, questions, closings, heading cues and announcements."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from pipeline.tables.nlp import NUMBER_KIND, NUMBER_VALUE, CueMatch, ItalianNlp, longest_matches
from pipeline.tables.options import _GREETINGS, _THEME_CONNECTORS, _THEME_SKIP, _THEME_STOP, STATES
from pipeline.tables.sentences import Sentence


@dataclass(frozen=True)
class TableRef:
    number: int | None = None
    relative: str | None = None  # next | last
    theme: str | None = None
    token: int = 0  # where in the doc the reference starts

    @property
    def describes(self) -> str:
        if self.number is not None:
            return f"tavolo {self.number}"
        return f"tavolo {self.relative}" if self.relative else f"tavolo «{self.theme}»"


@dataclass
class Signals:
    """What one sentence says about the plenary's structure."""

    labels: set[str]
    table_refs: list[TableRef]
    names: list[str]
    intro_name: str | None
    organisations: list[str]
    question: bool
    table_count: int | None
    heading_scores: dict[str, float]
    announced: dict[str, float]
    words: int
    continues: bool  # opens like "la seconda è...", "poi...": same heading as before
    place_words: int = 0  # capitals after "di", "da" that name a place or a body: "Lorella, da Vitorchiano"

    @property
    def handover(self) -> bool:
        if "HANDOVER" in self.labels or self.calls_someone:
            return True
        return "HANDOVER_WEAK" in self.labels and bool(self.table_refs or self.names or "SPOKESPERSON" in self.labels)

    @property
    def calls_someone(self) -> bool:
        """Just a name, as when the facilitator calls the next presenter: "Giovanna?", "Karim, dell'associazione
        Approdi."."""
        if not self.names or "THANKS" in self.labels or self.words > 5:
            return False
        named = sum(len(n.split()) for n in self.names) + sum(len(o.split()) for o in self.organisations)
        named += self.place_words
        return named >= self.words - (1 if self.words <= 3 else 3)  # "Giorgio e Ilenia, mi pare."

    @property
    def names_table(self) -> bool:
        """Names a table other than to thank it ("grazie al tavolo due" is about the last one)."""
        return bool(self.table_refs) and not ("THANKS" in self.labels and not self.handover)

    @property
    def speaks_for_table(self) -> bool:
        return "SPEAK_FOR" in self.labels or ("SPOKESPERSON" in self.labels and self.intro_name is not None)

    @property
    def meta(self) -> float:
        """How much this is talk about the talk: who is speaking, the microphone, "ho finito" (0..1).

        "Al nostro tavolo è emerso che..." speaks for the table but also reports: half weight.
        """
        if self.labels & {"TECH", "END_REPORT", "OPENING"} or self.intro_name:
            return 1.0
        return 0.5 if self.speaks_for_table else 0.0


class SignalReader:
    """Reads the cues of one sentence with the pipeline's matchers."""

    def __init__(self, nlp: ItalianNlp):
        self.nlp = nlp
        people = nlp.people
        self.first_names = {str(n).lower() for n in people.get("first_names", [])}
        self.titles = {str(n).lower().rstrip(".") for n in people.get("titles", [])}
        self.not_names = {str(n).lower() for n in people.get("not_names", [])}
        self.name_titles = {str(n).lower() for n in people.get("name_titles", [])}
        compounds = people.get("compound_first_names") or {}
        self.compound_starts = {str(n).lower() for n in compounds.get("starts", [])}
        self.compound_ends = {str(n).lower() for n in compounds.get("ends", [])}
        self.heading_titles = HeadingTitles.from_yaml(nlp.data_yaml("headings.yaml"))

    def knowing(self, first_names: Iterable[str]) -> SignalReader:
        """This reader, taking the session's own participants' first names for names too."""
        extended = copy.copy(self)
        extended.first_names = self.first_names | {n.lower() for n in first_names if n.lower() not in self.not_names}
        return extended

    def read(self, sentence: Sentence) -> Signals:
        span = sentence.span
        structure = self.nlp.structure(span)
        labels = {m.label for m in structure}
        return Signals(
            labels=labels,
            table_refs=self._table_refs(span),
            names=self._mentioned_names(span, structure),
            intro_name=self._intro_name(span, structure),
            organisations=_entities(span, "ORG"),
            question=span.text.rstrip().endswith("?") or "QUESTION" in labels,
            table_count=self._table_count(span),
            heading_scores=self._heading_scores(span),
            announced=self._announcements(span),
            words=sum(1 for token in span if token.is_alpha),
            continues=any(m.label == "CONTINUE" and m.start - span.start <= 2 for m in structure),
            place_words=sum(1 for t in span if t.i > span.start and self._names_a_place(span.doc, t.i)),
        )

    # tables -------------------------------------------------------------

    def _table_refs(self, span: Span) -> list[TableRef]:
        """Tables named in the sentence; "il quarto tavolo, quello sui giovani" is one table with its theme."""
        matches = [m for m in self.nlp.tables(span) if not _before_the_table(span.doc, m.start)]
        numbered = longest_matches(m for m in matches if m.label in ("TABLE_NUMBER", "TABLE_ORDINAL"))
        themed = longest_matches(m for m in matches if m.label == "TABLE_THEME")
        refs = []
        for match in numbered:
            ref = self._table_ref(span.doc, match)
            theme = next(
                (_theme_after(span.doc, t.end) for t in themed if t.start < match.end and t.end > match.start), None
            )
            if ref is not None:
                refs.append(TableRef(ref.number, ref.relative, ref.theme or theme, ref.token))
        for match in themed:
            if not any(m.start < match.end and m.end > match.start for m in numbered):
                theme = _theme_after(span.doc, match.end)
                refs += [TableRef(theme=theme, token=match.start)] if theme else []
        return sorted(refs, key=lambda r: r.token)

    def _table_ref(self, doc: Doc, match: CueMatch) -> TableRef | None:
        tokens = doc[match.start : match.end]
        number_tokens = [t for t in tokens if t._.get(NUMBER_KIND)]
        if not number_tokens:
            return None
        value = number_tokens[-1 if match.label == "TABLE_NUMBER" else 0]._.get(NUMBER_VALUE)
        theme = _theme_after(doc, match.end) if _is_theme_preposition(doc, match.end) else None
        if isinstance(value, int):
            return TableRef(number=value, theme=theme, token=match.start)
        return TableRef(relative=str(value), theme=theme, token=match.start)

    def _table_count(self, span: Span) -> int | None:
        counts = [m for m in self.nlp.tables(span) if m.label == "TABLE_COUNT"]
        if not counts:
            return None
        values = [t._.get(NUMBER_VALUE) for t in span.doc[counts[0].start : counts[0].end]]
        return next((v for v in values if isinstance(v, int)), None)

    # people --------------------------------------------------------------

    def _intro_name(self, span: Span, structure: list[CueMatch]) -> str | None:
        for match in structure:
            if match.label == "SELF_NAME":
                start = _past_punct(span, match.end)  # "per chi non mi conosce, Monica Pacelli"
                if start + 1 < span.end and span.doc[start].lower_ in _ARTICLES:
                    start += span.doc[start + 1].lower_ in self.first_names  # "sono la Giulia del centro anziani"
                name = self.name_at(span.doc, start, limit=span.end)
                if name:
                    return self._fuller_said(span, name)
        first_person = any(m.label in ("SELF_NAME", "SPEAK_FOR") for m in structure)
        return self._name_said_first(span) or (self._name_after_role(span) if first_person else None)

    def _fuller_said(self, span: Span, name: str) -> str:
        """ "sono Bianchi, Giulia Bianchi": the fuller form of the same name said in the sentence."""
        fuller = (n for n in self._mentioned_names(span, []) if len(n.split()) > len(name.split()))
        return next((n for n in fuller if name.lower() in n.lower().split()), name)

    def _name_after_role(self, span: Span) -> str | None:
        """ "sono la coordinatrice della cooperativa La Rondine, Silvia Ferrari, e riporto...": a full name set
        off by commas after the role or the organisation."""
        doc = span.doc
        for index in range(span.start + 1, span.end):
            if doc[index - 1].text != "," or index in {t.i for e in span.ents if e.label_ != "PER" for t in e}:
                continue
            name, after = self.name_and_end(doc, index, limit=span.end)
            paused = after == span.end or doc[after].is_punct or doc[after].lower_ == "e"
            # a person's first name, not any two capitals ("nei quartieri, il rione sud, Difesa Grande, e...")
            person = doc[index].lower_ in self.first_names or doc[index].ent_type_ == "PER"
            if name and len(name.split()) >= 2 and paused and person:
                return name
        return None

    def _name_said_first(self, span: Span) -> str | None:
        """ "Luca Pagani, assistente sociale...", "Silvia Manzoni delle ACLI": a full name, then a pause or
        where the speaker comes from; first in the sentence or right after "buonasera" ("parto io, grazie,
        buonasera, Teresa Cerra, sono psicologa...")."""
        start = span.start
        while start < span.end and (span.doc[start].is_punct or span.doc[start].lower_ in _GREETINGS):
            start += 1
        said = self._full_name_at(span, start)
        for token in span:
            if said:
                break
            if token.lower_ in _SALUTES and token.i >= start:
                said = self._full_name_at(span, _past_punct(span, token.i + 1))
        return said

    def _full_name_at(self, span: Span, start: int) -> str | None:
        if start >= span.end:
            return None
        name, after = self.name_and_end(span.doc, start, limit=span.end, strict=True)
        if name and len(name.split()) == 1 and span.doc[start - 1].lower_ == "grazie":
            thanked = name.lower()
            name, after = self.name_and_end(span.doc, after, limit=span.end)  # "grazie fabrizio claudia pitoni"
            if name and name.split()[0].lower() == thanked:
                return None  # "Grazie Riccardo, Riccardo Galdenzi dell'associazione...": the thanked, named in full
        if name and len(name.split()) >= 2 and (after == span.end or _ends_a_name(span.doc[after])):
            return name
        return None

    def mentioned_names(self, span: Span) -> list[str]:
        """People's names said anywhere in ``span`` (a chat message, a sentence)."""
        return self._mentioned_names(span, [])

    def _mentioned_names(self, span: Span, structure: list[CueMatch]) -> list[str]:
        names: list[str] = []
        bodies = {t.i for e in span.ents if e.label_ != "PER" for t in e}
        index = span.start
        while index < span.end:
            if index in bodies or self._names_a_place(span.doc, index):
                index = _past_capitalised(span.doc, index + 1, span.end)
                continue
            name, end = self.name_and_end(span.doc, index, limit=span.end, strict=index == span.start)
            if name:
                if name not in names:
                    names.append(name)
                index = end
            else:
                index += 1
        return names + [e for e in _entities(span, "PER") if e not in names]

    def _names_a_place(self, doc: Doc, index: int) -> bool:
        """ "la collega di Orani", "la parrocchia di San Benedetto": after "di", "da", a capital is a place or
        a body, unless it is a known first name ("il gruppo di Marco")."""
        token = doc[index]
        if index == 0 or token.lower_ in self.first_names or token.ent_type_ == "PER":
            return False
        return token.is_title and doc[index - 1].lower_ in _OF_WORDS

    def name_at(self, doc: Doc, index: int, *, limit: int, strict: bool = False) -> str | None:
        """The person's name that starts at ``index`` ("Giulia Bianchi", "giulia"), if any."""
        return self.name_and_end(doc, index, limit=limit, strict=strict)[0]

    def name_and_end(self, doc: Doc, index: int, *, limit: int, strict: bool = False) -> tuple[str | None, int]:
        """The name that starts at ``index`` and the token after it (titles skipped, "Dell'Aquila" is one word)."""
        if index + 1 < limit and doc[index].lower_ in _ARTICLES and doc[index + 1].lower_.rstrip(".") in self.titles:
            index += 1  # "sono la dottoressa Carla Pini"
        titled = False
        while index < limit and doc[index].lower_.rstrip(".") in self.titles:
            index, titled = index + 1, True
        if titled and index < limit and self._surname_after_title(doc, index):
            return person_case(doc[index].text), index + 1  # "sono la dottoressa bianchi del consultorio"
        parts: list[str] = []
        titled = index + 1 < limit and doc[index].lower_ in self.name_titles
        if titled and self._name_token(doc[index + 1], first=True, strict=False):
            parts.append(doc[index].lower_)
            index += 1
        while index < limit and len(parts) < 3:
            if parts and index + 2 <= limit and self._lower_case_particle(doc, index, limit):
                parts.append(_joined(doc[index].text, doc[index + 1].text))  # "rita di loreto della cooperativa"
                index += 2
                break
            if parts and index + 1 < limit and _surname_particle(doc[index], doc[index + 1]):
                parts.append(_joined(doc[index].text, doc[index + 1].text))
                index += 2
                continue
            if not self._name_token(doc[index], first=not parts, strict=strict):
                break
            lower_case = parts and parts[-1] not in self.name_titles and not doc[index].is_title
            if lower_case and doc[index].ent_type_ != "PER":
                compound = self._compound(parts[-1], doc[index].lower_)
                doubtful = doc[index].lower_ in self.first_names or _first_person_verb(doc[index])
                if not compound and doubtful and not self._name_ends_after(doc, index + 1, limit):
                    break  # "gino vedo che...", "simona lorenzo masini": no surname, or the next person's name
                parts.append(doc[index].text)
                index += 1
                if not compound:
                    break  # in lower case a surname ends the name: "caterina bruno centro per l'impiego"
                continue
            parts.append(doc[index].text)
            index += 1
        return person_case(" ".join(parts)) or None, index

    def _lower_case_particle(self, doc: Doc, index: int, limit: int) -> bool:
        """ "di loreto", "dell'aquila" after a first name, in lower case: a surname only before a pause, a role or
        "della..." ("giulia della cooperativa" is no surname: a body follows)."""
        particle, word = doc[index], doc[index + 1] if index + 1 < limit else None
        if word is None or particle.is_title or particle.lower_ not in _PARTICLES or not word.is_alpha:
            return False
        if doc[index - 1].lower_ not in self.first_names or word.is_stop or word.lower_ in self.not_names:
            return False
        if word.ent_type_ and word.ent_type_ != "PER":
            return False  # "francesca dell'arci di cremona"
        return word.lower_ not in _ROLE_OR_BODY and self._name_ends_after(doc, index + 2, limit)

    def _compound(self, first: str, second: str) -> bool:
        """ "maria grazia", "gian luca": two first names that make one."""
        first, second = first.lower(), second.lower()
        if first not in self.first_names and first not in self.compound_starts:
            return False
        return (first in self.compound_starts and second in self.first_names) or second in self.compound_ends

    @staticmethod
    def _name_ends_after(doc: Doc, index: int, limit: int) -> bool:
        return index >= limit or _ends_a_name(doc[index]) or doc[index].lower_ == "e"

    def _surname_after_title(self, doc: Doc, index: int) -> bool:
        """A lone word after a title, even in lower case, is a surname, unless a first name or a name follows."""
        token = doc[index]
        if not token.is_alpha or token.is_stop or token.lower_ in self.not_names or token.lower_ in self.first_names:
            return False
        following = doc[index + 1] if index + 1 < len(doc) else None
        return following is None or not self._name_token(following, first=False, strict=False)

    def _name_token(self, token: Any, *, first: bool, strict: bool) -> bool:
        lower = token.lower_
        if not token.is_alpha or lower in self.not_names or len(lower) < 2:
            return False
        if token.ent_type_ == "PER":
            return True
        if lower in self.first_names:
            return True
        if first:  # a capitalised word starts a name only where it cannot be the sentence's first word
            after_article = token.i > 0 and token.nbor(-1).lower_ in _PLURAL_ARTICLES  # "prima le Valli"
            return token.is_title and not strict and not token.is_sent_start and not after_article
        return token.is_title or (not token.is_stop and token.nbor(-1).lower_ in self.first_names)

    # headings -------------------------------------------------------------

    def _heading_scores(self, span: Span) -> dict[str, float]:
        blocked = {t.i for e in span.ents for t in e}  # an organisation's name is no cue
        scores = dict.fromkeys(STATES, 0.0)
        for match in longest_matches(self.nlp.heading_cues(span)):
            if match.label in scores and not any(i in blocked for i in range(match.start, match.end)):
                scores[match.label] += match.weight
        return scores

    def _announcements(self, span: Span) -> dict[str, float]:
        announced: dict[str, float] = dict.fromkeys(self.heading_titles.heard_in(span), 0.8)
        for match in self.nlp.announcements(span):
            label, _, where = match.label.partition(":")
            if where == "start" and match.start - span.start > 3:
                continue
            announced[label] = max(announced.get(label, 0.0), match.weight)
        return announced


@dataclass(frozen=True)
class HeadingTitles:
    """A guide question named on its own, even misheard: "Proposte.", "Lavoro direte."."""

    titles: dict[str, tuple[str, ...]]
    max_words: int = 7
    similarity: float = 85.0

    @classmethod
    def from_yaml(cls, data: dict[str, Any]) -> HeadingTitles:
        titles = {str(k): tuple(str(t).lower() for t in v) for k, v in (data.get("titles") or {}).items()}
        return cls(titles, int(data.get("max_title_words", 7)), float(data.get("similarity", 85)))

    def heard_in(self, span: Span) -> list[str]:
        words = [t.lower_ for t in span if t.is_alpha or "'" in t.text]
        if not words or len(words) > self.max_words:
            return []
        return [heading for heading, titles in self.titles.items() if any(self._said(t, words) for t in titles)]

    def _said(self, title: str, words: list[str]) -> bool:
        size = len(title.split())
        if size == 1 and len(title) < 7:  # "rete", "idee": too short to guess at
            return title in words
        windows = {" ".join(words[i : i + n]) for n in (size - 1, size, size + 1) if n > 0 for i in range(len(words))}
        return any(fuzz.ratio(title, window) >= self.similarity for window in windows)


_ARTICLES = {"il", "la", "lo", "l'"}
_PLURAL_ARTICLES = {"i", "gli", "le"}
_PARTICLES = {"d'", "dell'", "dall'", "de", "de'", "del", "della", "di", "da", "lo", "la", "li"}


def _surname_particle(token: Any, following: Any) -> bool:
    """ "Dell'" in "Cosimo Dell'Aquila", "De" in "Anna De Luca": written with a capital, before a capitalised word."""
    return token.text[:1].isupper() and token.lower_ in _PARTICLES and following.is_alpha and following.is_title


_OF_WORDS = {"di", "d'", "da", "del", "della", "dello", "dell'", "dei", "degli", "delle", "dal", "dalla", "dall'"}


def _past_capitalised(doc: Doc, index: int, limit: int) -> int:
    """The first token from ``index`` that does not go on a capitalised run ("San Benedetto", "Fili d'Erba")."""
    while index < limit and (doc[index].is_title or doc[index].lower_ in _PARTICLES):
        index += 1
    return index


_SALUTES = {"buonasera", "buongiorno", "salve", "ciao"}


def _past_punct(span: Span, index: int) -> int:
    while index < span.end and span.doc[index].is_punct:
        index += 1
    return index


_FROM_WORDS = {"della", "delle", "del", "dello", "dell'", "dei", "degli", "di", "da", "dal", "dalla", "dall'", "per"}


# what may follow a name said first without a pause: "giulia bianchi cooperativa il ponte", "... lavoro al..."
_ROLE_OR_BODY = {
    "portavoce", "referente", "relatore", "relatrice", "tavolo", "gruppo", "operatrice", "operatore", "educatrice",
    "educatore", "assistente", "volontaria", "volontario", "insegnante", "psicologa", "psicologo", "coordinatrice",
    "coordinatore", "responsabile", "presidente", "cooperativa", "associazione", "comune", "fondazione", "parrocchia",
    "caritas", "scuola", "istituto", "consorzio", "ufficio", "centro", "servizio", "sportello", "consultorio",
    "azienda", "patronato", "sindacato", "servizi", "lavoro", "faccio", "rappresento", "parlo", "riporto", "vengo",
    "sono", "insegno", "dirigente", "medico", "infermiera", "infermiere", "sociologo", "sociologa", "mediatore",
    "mediatrice", "docente", "professoressa", "professore", "maestra", "maestro", "parroco", "sindaca", "sindaco",
    "assessora", "assessore", "consigliera", "consigliere", "funzionaria", "funzionario", "studente", "studentessa",
    "mamma", "papà", "genitore", "pensionata", "pensionato", "direttrice", "direttore",
}  # fmt: skip


def _joined(particle: str, word: str) -> str:
    return particle + word if particle.endswith("'") else f"{particle} {word}"


def _first_person_verb(token: Any) -> bool:
    """ "insegno", "vedo": a verb's first person, which in lower case is no surname unless a pause follows."""
    lemma = token.lemma_.lower()
    return lemma.endswith(("are", "ere", "ire")) and token.lower_ == lemma[:-3] + "o"


def _ends_a_name(token: Any) -> bool:
    """What may follow a name said first: a pause, or "della cooperativa...", "dal comune di...", a role."""
    return token.text in {",", ".", ":", ";"} or token.lower_ in _FROM_WORDS or token.lower_ in _ROLE_OR_BODY


def _before_the_table(doc: Doc, start: int) -> bool:
    """ "Prima dell'ultimo gruppo c'è una domanda": the table named is the one that comes next, not now."""
    return start >= 2 and doc[start - 2].lower_ == "prima" and doc[start - 1].lower_ in _FROM_WORDS


def _entities(span: Span, label: str) -> list[str]:
    return [_clean_entity(e.text) for e in span.ents if e.label_ == label and _clean_entity(e.text)]


def _clean_entity(text: str) -> str:
    text = re.sub(r"^(l'|la |il |lo |i |gli |le |dell'|della |del |dello )", "", text.strip(" .,;:\"'«»"), flags=re.I)
    return " ".join(text.split())


def _theme_word(token: Any) -> bool:
    if token.is_punct or token.is_sent_start or token.lower_ in _THEME_STOP:
        return False
    return not token.is_stop or token.lower_ in _THEME_CONNECTORS


def _is_theme_preposition(doc: Doc, index: int) -> bool:
    return index < len(doc) and doc[index].lower_ in {"su", "sul", "sulla", "sullo", "sui", "sugli", "sulle", "sull'"}


def _theme_after(doc: Doc, index: int) -> str | None:
    """The few words after "tavolo sulla ..." / "tavolo che si è occupato di ...", up to punctuation."""
    while index < len(doc) and (doc[index].is_stop or doc[index].lower_ in _THEME_SKIP) and not doc[index].is_punct:
        index += 1
    words = []
    while index < len(doc) and len(words) < 6 and _theme_word(doc[index]):
        words.append(doc[index])
        index += 1
    while words and words[-1].is_stop:
        words.pop()
    return " ".join(t.text for t in words) or None


def person_case(name: str) -> str:
    """ASR's "giulia bianchi" as "Giulia Bianchi"; "don Stefano" and "De Luca" left alone."""
    if name != name.lower():
        return name
    return " ".join(w if w in ("don", "suor", "padre", "fra") else _capitalised(w) for w in name.split())


def _capitalised(word: str) -> str:
    """ "dell'aquila" -> "Dell'Aquila"."""
    head, apostrophe, tail = word.partition("'")
    return head.capitalize() + apostrophe + tail.capitalize()
