"""Assembly: sentences -> signals -> turns -> reports -> identity -> headings, into ``tables.json``;
also the parts between reports and who was mentioned."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

from rapidfuzz import fuzz

from pipeline.artifacts import (
    OtherPart,
    ReportSentence,
    Session,
    Spokesperson,
    TableReport,
    Tables,
    Transcript,
)
from pipeline.ingest.programme import Programme
from pipeline.tables.evidence import HANDOVERS, OWN, Clue, Evidence, clues
from pipeline.tables.headings import ReportTagger
from pipeline.tables.identity import Identity, IdentityResolver, KnownPeople, SessionClues, person_of_label
from pipeline.tables.nlp import load_nlp
from pipeline.tables.options import _THEME_CONNECTORS, FACILITATOR, UNKNOWN_SPEAKER, TablesOptions
from pipeline.tables.reports import Draft, Handover, ReportFinder, find_facilitator, split_self_reports
from pipeline.tables.sentences import Sentence, build_sentences
from pipeline.tables.signals import SignalReader, Signals, TableRef
from pipeline.tables.turns import Turn, build_turns, relabel_single_speaker, split_shared_voices


def find_tables(
    transcript: Transcript,
    *,
    session: Session | None = None,
    programme: Programme | None = None,
    options: TablesOptions = TablesOptions(),
) -> Tables:
    """The tables' reports in a plenary transcript: a pure function of its arguments."""
    nlp = load_nlp(options.nlp_settings())
    sentences = build_sentences(transcript, nlp, options)
    known = _known_people(transcript, session, programme, SignalReader(nlp), options)
    reader = SignalReader(nlp).knowing(known.first_names)  # "sono amadou sow" where "Amadou S." is on Zoom
    signals = [reader.read(s) for s in sentences]
    single_voice = relabel_single_speaker(sentences, signals)
    turns = build_turns(sentences, signals)
    facilitator = FACILITATOR if single_voice else find_facilitator(turns)
    if not single_voice and split_shared_voices(sentences, signals, facilitator):
        turns = build_turns(sentences, signals)
    turns = split_self_reports(turns, facilitator, options)
    drafts, handovers = ReportFinder(turns, facilitator, options).find()
    drafts = _plausible(_merge_same_table_drafts(drafts, options), options)
    listed = _listed_tables(turns, facilitator, drafts)
    _theme_handovers(drafts, turns, listed)
    clues = SessionClues(
        programme,
        known,
        {**listed, **_announced_themes(signals)},
        _facilitator_name(turns, facilitator),
        _announced_table_count(turns, facilitator),
        turns,
        facilitator,
    )
    resolver = IdentityResolver(clues, options)
    tagger = ReportTagger.for_options(options)
    tables = []
    for draft, passed_over in zip(drafts, _passed_over(drafts, handovers), strict=True):
        resolver.passed_over(passed_over)
        tables.append(_table_report(draft, resolver.resolve(draft), tagger, single_voice, programme, options))
    _flag_duplicates(tables, options)
    return Tables(
        tables=tables,
        other=_other_parts(turns, drafts, tables, facilitator),
        organisations=_organisations(signals, tables, programme),
        people=_people(signals, tables, sentences, known),
        announced_not_presented=_announced_not_presented(handovers, tables) if tables else [],
        nlp_model=nlp.model_name or "blank",
    )


def _merge_same_table_drafts(drafts: list[Draft], options: TablesOptions) -> list[Draft]:
    """Two reports in a row that name the same table and no hand-over between: one table, two voices."""
    merged: list[Draft] = []
    for draft in drafts:
        previous = merged[-1] if merged else None
        if previous and _continues(previous, draft, options):
            previous.turns.extend(draft.turns)
            if draft.speaker != previous.speaker:
                previous.co_speakers.add(draft.speaker)
                previous.evidence.append(Evidence(Clue.SECOND_SPOKESPERSON, draft.speaker))
            else:
                previous.evidence.append(Evidence(Clue.RESUMED))
        else:
            merged.append(draft)
    return merged


def _passed_over(drafts: Sequence[Draft], handovers: Sequence[Handover]) -> list[list[int]]:
    """Per report, the tables called since the last report that never presented ("Il tavolo quattro non ha
    scelto un portavoce. Quindi passiamo all'ultimo"): a number guessed from the order skips them. Before the
    first report the introduction names tables for other reasons ("aspettiamo la stanza cinque")."""
    passed: list[list[int]] = [[]]
    for previous, draft in pairwise(drafts):
        since, start = previous.turns[-1].end, draft.turns[0].start
        called = [r for h in handovers if since < h.start < start for r in h.announced if r.number is not None]
        taken = {r.number for r in draft.handover.refs} if draft.handover else set()
        passed.append([r.number for r in called if r.number not in taken])
    return passed[: len(drafts)]


_LIST_LEADS = re.compile(
    r"^(e\s+)?(poi|infine|per ultimo|per ultima|ultimo|ultima)?\s*((il|la|l')\s*\w+\s+)?"
    r"(tavolo\s+|gruppo\s+)?(su|sul|sulla|sullo|sui|sugli|sulle|sull'|di|del|della|dei|delle)?\s*",
    re.I,
)
_LIST_STOP = {"anche", "della", "delle", "degli", "dello", "sulla", "sulle", "sugli", "nella", "nelle", "quello"}


def _theme_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) >= 4 and w not in _LIST_STOP}


def _listed_tables(turns: Sequence[Turn], facilitator: str | None, drafts: Sequence[Draft]) -> dict[int, str]:
    """ "I tavoli erano quattro: prima infanzia, poi scuola e dispersione, ..., e per ultimo le famiglie": the
    tables the introduction lists in order, numbered by that order."""
    first = drafts[0].turns[0].start if drafts else float("inf")
    for turn in turns:
        if turn.speaker != facilitator or turn.start >= first:
            continue
        for sentence, signal in zip(turn.sentences, turn.signals, strict=True):
            head, colon, rest = sentence.text.partition(":")
            lists = signal.table_count or re.search(r"\b(tavoli|gruppi|stanze|ordine)\b", head, re.I)
            items = [_LIST_LEADS.sub("", i.strip()).strip(" .;") for i in rest.split(",")] if colon else []
            if lists and len(items) >= 3 and all(_theme_words(i) for i in items):
                return {n: item for n, item in enumerate(items, start=1)}
    return {}


def _theme_handovers(drafts: Sequence[Draft], turns: Sequence[Turn], listed: dict[int, str]) -> None:
    """A hand-over that names a listed table only by its theme ("passiamo all'abitare e al dopo di noi") names
    that table."""
    for draft in drafts:
        handover = draft.handover
        if not listed or handover is None or handover.refs:
            continue
        turn = turns[handover.turn]
        said = [s.text for s, g in zip(turn.sentences, turn.signals, strict=True) if "THANKS" not in g.labels]
        for text in reversed(said):
            words = _theme_words(text)
            overlap = {n: len(words & _theme_words(item)) for n, item in listed.items()}
            best = max(overlap.values())
            winners = [n for n, count in overlap.items() if count == best]
            if best and len(winners) == 1:
                handover.refs = [TableRef(theme=listed[winners[0]])]
                break


def _plausible(drafts: list[Draft], options: TablesOptions) -> list[Draft]:
    """Drop short reports that only a hand-over vouches for; no table at all if none is vouched for well.

    A plain meeting ("do la parola a Marta per il punto due") has hand-overs too, but
    nobody speaks for a table and no hand-over names one.
    """
    kept = [d for d in drafts if _own_evidence(d, options) or d.words >= 1.5 * options.min_report_words]
    return kept if any(_own_evidence(d, options) or _numbered_handover(d) for d in kept) else []


def _own_evidence(draft: Draft, options: TablesOptions) -> bool:
    """The presenter says who they are or which table they speak for."""
    introduced = any(s.intro_name for s in draft.signals[: options.introduction_sentences])
    return introduced or bool(clues(draft.evidence) & OWN)


def _numbered_handover(draft: Draft) -> bool:
    """The facilitator named the table (by number, order or theme) when giving the floor."""
    return draft.handover is not None and bool(draft.handover.refs)


def _continues(previous: Draft, draft: Draft, options: TablesOptions) -> bool:
    """No hand-over to another table in between, and the same voice, the same table named, or the voice that
    the report announced at its start ("parto io e poi Chiara", "con me c'era anche Ibrahima")."""
    if draft.handover is not None and draft.handover.specific:
        return False
    opening = options.opening_sentences
    same_table = draft.handover is None and _same_named_table(previous, draft, opening)
    other_table = bool(draft.opening_numbers(opening) - previous.opening_numbers(opening))
    announced = not other_table and bool(_first_names(draft, opening) & _words_at_start(previous, opening))
    return draft.speaker == previous.speaker or same_table or announced


def _first_names(draft: Draft, opening: int) -> set[str]:
    """The first names the draft's voice goes by: its Zoom name's person, the name it introduces itself with."""
    names = [person_of_label(draft.speaker), *(s.intro_name for s in draft.signals[:opening])]
    return {first for name in names if name for first in [name.split()[0].lower()] if len(first) >= 3}


def _words_at_start(draft: Draft, opening: int) -> set[str]:
    """The words of the hand-over that opened the draft and of its first sentences."""
    said = [s.text for s in draft.sentences[:opening]] + (draft.handover.names if draft.handover else [])
    return set(re.findall(r"\w+", " ".join(said).lower()))


def _same_named_table(first: Draft, second: Draft, opening: int) -> bool:
    return bool(first.opening_numbers(opening) & second.opening_numbers(opening))


def _known_people(
    transcript: Transcript,
    session: Session | None,
    programme: Programme | None,
    reader: SignalReader,
    options: TablesOptions,
) -> KnownPeople:
    labels: list[str | None] = []
    if programme:
        labels += [t.spokesperson for t in programme.tables]
    if session:
        labels += [*session.participants, *(t.name for t in session.tracks)]
    labels += [s.speaker for s in transcript.segments]
    names = [person_of_label(label) for label in labels]
    if session:
        names += _chat_names(session, reader)
    nicknames = {
        str(short).lower(): frozenset(str(n).lower() for n in full)
        for short, full in (reader.nlp.people.get("nicknames") or {}).items()
    }
    return KnownPeople(
        list(dict.fromkeys(n.strip() for n in names if n and n.strip())), options.name_similarity, nicknames
    )


def _chat_names(session: Session, reader: SignalReader) -> list[str]:
    """Who wrote in the chat, and the full names written there ("portavoce tavolo 2: Giulia Bianchi")."""
    names = [person_of_label(m.sender) for m in session.chat]
    for doc in reader.nlp.pipe(m.text for m in session.chat):
        names += [n for n in reader.mentioned_names(doc[:]) if len(n.split()) >= 2]
    return [n for n in names if n]


def _facilitator_name(turns: Sequence[Turn], facilitator: str | None) -> str | None:
    said = (s.intro_name for t in turns if t.speaker == facilitator for s in t.signals if s.intro_name)
    return next(said, None)


def _announced_table_count(turns: Sequence[Turn], facilitator: str | None) -> int | None:
    """ "i tavoli erano cinque", said by the facilitator (a presenter's "eravamo in tre gruppi" is no count)."""
    counts = [s.table_count for t in turns if t.speaker == facilitator for s in t.signals if s.table_count]
    return max(counts) if counts else None


def _announced_themes(signals: Sequence[Signals]) -> dict[int, str]:
    themes: dict[int, str] = {}
    for signal in signals:
        for ref in signal.table_refs:
            if ref.number is not None and ref.theme and ref.number not in themes:
                themes[ref.number] = ref.theme
    return themes


def _table_report(
    draft: Draft,
    identity: Identity,
    tagger: ReportTagger,
    single_voice: bool,
    programme: Programme | None,
    options: TablesOptions,
) -> TableReport:
    sentences = draft.sentences
    tagged = tagger.tag_report(sentences, draft.signals)
    report_sentences = [
        ReportSentence(s.start, s.end, s.text, heading, conf, conf < tagger.doubt_below(options))
        for s, (heading, conf) in zip(sentences, tagged, strict=True)
    ]
    confidence = _table_confidence(draft, identity, single_voice, programme, options)
    speaker = sentences[0].speaker if not single_voice else None
    return TableReport(
        table_number=identity.number,
        theme=identity.theme,
        spokesperson=Spokesperson(identity.name, identity.organisation),
        start=sentences[0].start,
        end=sentences[-1].end,
        speaker=speaker,
        evidence=_unique([str(e) for e in draft.evidence] + identity.evidence),
        sentences=report_sentences,
        confidence=confidence,
        doubtful=confidence < options.doubt_threshold,
    )


def _table_confidence(
    draft: Draft, identity: Identity, single_voice: bool, programme: Programme | None, options: TablesOptions
) -> float:
    """How sure we are that this is table ``identity.number``'s report: support, then doubts."""
    found, weights = clues(draft.evidence), options.confidence
    support = weights.base + identity.score
    support += weights.handover if found & HANDOVERS else 0.0
    support += weights.says_whose if found & {Clue.SELF_INTRODUCTION, Clue.NAMES_TABLE} else 0.0
    doubts = weights.single_voice if single_voice else 0.0
    doubts += weights.co_speakers if draft.co_speakers else 0.0
    doubts += weights.short if draft.words < 2 * options.min_report_words else 0.0
    unplanned = programme and programme.tables and identity.number not in programme.numbers
    doubts += weights.not_in_programme if unplanned else 0.0
    return max(min(support, weights.ceiling) - doubts, weights.floor)


def _flag_duplicates(tables: list[TableReport], options: TablesOptions) -> None:
    counts = Counter(t.table_number for t in tables if t.table_number is not None)
    for table in tables:
        if counts.get(table.table_number, 0) > 1:
            table.confidence = min(table.confidence, options.doubt_threshold - 0.05)
            table.doubtful = True
            table.evidence.append(f"table {table.table_number} reported more than once")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _other_parts(
    turns: Sequence[Turn], drafts: Sequence[Draft], tables: Sequence[TableReport], facilitator: str | None
) -> list[OtherPart]:
    report_of = {s.position: i + 1 for i, d in enumerate(drafts) for s in d.sentences}
    parts: list[OtherPart] = []
    gap: list[tuple[Sentence, Signals]] = []
    table_index = 0
    for turn in turns:
        for sentence, signal in zip(turn.sentences, turn.signals, strict=True):
            if sentence.position in report_of:
                parts += _gap_parts(gap, table_index, len(drafts), tables)
                gap = []
                table_index = report_of[sentence.position]
            else:
                gap.append((sentence, signal))
    return parts + _gap_parts(gap, table_index, len(drafts), tables)


def _gap_parts(
    gap: list[tuple[Sentence, Signals]], after: int, total: int, tables: Sequence[TableReport]
) -> list[OtherPart]:
    if not gap:
        return []
    if after == 0:
        return [_part("introduzione", gap)]
    closing = next((i for i, (_, sig) in enumerate(gap) if "CLOSING" in sig.labels), None)
    if after >= total and closing is not None:
        return [*_between_tables(gap[:closing], after, tables), _part("chiusura", gap[closing:])]
    return _between_tables(gap, after, tables)


def _between_tables(gap: list[tuple[Sentence, Signals]], after: int, tables: Sequence[TableReport]) -> list[OtherPart]:
    """Questions and comments on the last report, then the facilitator's hand-over to the next."""
    if not gap:
        return []
    handover = next((i for i, (_, sig) in enumerate(gap) if sig.handover), len(gap))
    parts = []
    if handover > 0:
        kind = "domande" if any(sig.question for _, sig in gap[:handover]) else "commenti"
        parts.append(_part(kind, gap[:handover], tables[after - 1].table_number))
    if handover < len(gap):
        parts.append(_part("conduzione", gap[handover:]))
    return parts


def _part(kind: str, gap: Sequence[tuple[Sentence, Signals]], table_number: int | None = None) -> OtherPart:
    speakers = Counter(s.speaker for s, _ in gap for _ in range(max(s.words, 1)))
    speaker = speakers.most_common(1)[0][0]
    if kind != "chiusura" and 2 * sum(1 for _, sig in gap if "TECH" in sig.labels) >= len(gap):
        kind = "problemi-tecnici"
    return OtherPart(
        kind, gap[0][0].start, gap[-1][0].end, None if speaker == UNKNOWN_SPEAKER else speaker, table_number
    )


def _organisations(signals: Sequence[Signals], tables: Sequence[TableReport], programme: Programme | None) -> list[str]:
    found = [o for s in signals for o in s.organisations]
    found += [t.spokesperson.organisation for t in tables if t.spokesperson.organisation]
    if programme:
        presented = {t.table_number for t in tables}
        found += [p.organisation for p in programme.tables if p.organisation and p.number in presented]
    return _dedupe_names(found)


def _people(
    signals: Sequence[Signals], tables: Sequence[TableReport], sentences: Sequence[Sentence], known: KnownPeople
) -> list[str]:
    heard = [t.spokesperson.name for t in tables if t.spokesperson.name]
    heard += [s.intro_name for s in signals if s.intro_name]
    heard += [n for s in signals if s.handover for n in s.names]
    heard += [n for n in known.names if any(s.speaker == n for s in sentences)]
    canonical = [known.match(n) or n for n in heard]
    return _dedupe_names([n for n in canonical if len(n) > 2])


def _dedupe_names(names: Iterable[str | None]) -> list[str]:
    """One entry per organisation or person, the longest spelling kept ("Caritas" < "Caritas di Pavia")."""
    kept: list[str] = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=lambda n: (-len(n), n)):
        if not any(fuzz.ratio(name.lower(), k.lower()) >= 90 or _same_prefix(name, k) for k in kept):
            kept.append(name)
    order = {n: i for i, n in reversed(list(enumerate(n.strip() for n in names if n)))}
    return [_capitalised(n) for n in sorted(kept, key=lambda n: order.get(n, len(order)))]


def _capitalised(name: str) -> str:
    """ "cooperativa il gabbiano" (lower-case ASR) as "Cooperativa Il Gabbiano"."""
    if name == name.lower():
        return " ".join(w if w in _THEME_CONNECTORS else w[:1].upper() + w[1:] for w in name.split())
    return name[:1].upper() + name[1:]


def _same_prefix(short: str, long: str) -> bool:
    """ "Marta" is "Marta Galli", "Caritas" is "Caritas di Pavia"."""
    return long.lower().startswith(short.lower() + " ")


def _announced_not_presented(handovers: Sequence[Handover], tables: Sequence[TableReport]) -> list[int]:
    presented = {t.table_number for t in tables}
    announced = [r.number for h in handovers for r in h.announced if r.number is not None]
    return sorted({n for n in announced if n not in presented})
