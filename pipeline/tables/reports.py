"""Finding the reports: a turn after a hand-over, opening with a self-introduction or naming its table
starts one; it runs over that speaker's turns, across short interjections, until someone else speaks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.ingest.display_names import read_display_name
from pipeline.tables.evidence import OWN, Clue, Evidence, clues
from pipeline.tables.options import _LABEL_SPEAKER, HEADINGS, UNKNOWN_SPEAKER, TablesOptions
from pipeline.tables.sentences import Sentence
from pipeline.tables.signals import Signals, TableRef
from pipeline.tables.turns import Turn


@dataclass
class Handover:
    """The facilitator's sentences that gave the floor to a table."""

    turn: int
    refs: list[TableRef]  # of the last hand-over sentence that names a table
    announced: list[TableRef]  # every table named in a hand-over of the turn
    names: list[str]
    spokesperson_word: bool
    start: float
    end: float
    speaker: str
    floor: bool = False  # "c'è Rosa che ha alzato la mano": a comment from the floor, not a table's report

    @property
    def specific(self) -> bool:
        return bool(self.refs or self.spokesperson_word)


@dataclass
class Draft:
    """A report as found, before its identity and headings are settled."""

    turns: list[Turn]
    handover: Handover | None
    evidence: list[Evidence]
    co_speakers: set[str] = field(default_factory=set)

    @property
    def speaker(self) -> str:
        return self.turns[0].speaker

    @property
    def sentences(self) -> list[Sentence]:
        return [s for t in self.turns for s in t.sentences]

    @property
    def signals(self) -> list[Signals]:
        return [s for t in self.turns for s in t.signals]

    @property
    def words(self) -> int:
        return sum(t.words for t in self.turns)

    def opening_numbers(self, count: int) -> set[int]:
        """The table numbers named in the first ``count`` sentences."""
        return {r.number for s in self.signals[:count] for r in s.table_refs if r.number is not None}


def person_of_label(label: str) -> str | None:
    """The person a speaker label names, if it names one (not "SPEAKER_01", not "Sala Giunta")."""
    if _LABEL_SPEAKER.match(label.strip()) or label == UNKNOWN_SPEAKER:
        return None
    return read_display_name(label).person


def find_facilitator(turns: Sequence[Turn]) -> str | None:
    """The speaker who hands the floor over most often."""
    counts = Counter(t.speaker for t in turns for s in t.signals if s.handover)
    counts.pop(UNKNOWN_SPEAKER, None)
    return counts.most_common(1)[0][0] if counts else None


def _handover_of(turns: Sequence[Turn], index: int) -> Handover:
    """What the facilitator's turn says about the next table: the last table it names counts.

    A table named in thanks ("grazie al tavolo due") is the one that just spoke.
    """
    turn = turns[index]
    naming = [s for s in turn.signals if s.names_table]
    handovers = [s for s in turn.signals if s.handover]
    announced = [r for s in naming for r in s.table_refs]
    # "il tavolo due non ha scelto un portavoce"; "i tavoli erano quattro: ..., e per ultimo le famiglie" lists them
    calling = [s for s in naming if "ABSENT" not in s.labels and s.table_count is None]
    refs = calling[-1].table_refs[-1:] if calling else []
    names = [n for s in handovers for n in s.names] or _called_names(turn)
    spokesperson = any("SPOKESPERSON" in s.labels for s in handovers)
    floor = _gives_floor_to_the_room(turn) and not refs and not spokesperson
    return Handover(index, refs, announced, names, spokesperson, turn.start, turn.end, turn.speaker, floor)


def _gives_floor_to_the_room(turn: Turn) -> bool:
    """A raised hand or a question from the floor is the last one the turn calls ("c'è una domanda, la signora
    Penna. Prego."; a bare "prego" calls nobody in particular): no table's report follows."""
    calls = (s for s in reversed(turn.signals) if "FLOOR" in s.labels or (s.handover and _calls_whom(s)))
    last_call = next(calls, None)
    return last_call is not None and "FLOOR" in last_call.labels


def _calls(signal: Signals) -> bool:
    """Hands over to someone by name ("tocca a Paolo"), not thanking them."""
    return signal.handover and bool(signal.names) and "THANKS" not in signal.labels


def _calls_whom(signal: Signals) -> bool:
    return bool(signal.names or signal.table_refs or "SPOKESPERSON" in signal.labels)


def _still_the_same_table(handover: Handover, pending: Handover | None, options: TablesOptions) -> Handover:
    """ "Tavolo tre. Chi parla per il tre?" ... "Vai tu Samira": a bare call a few turns after a hand-over naming
    a table, with no report between, is still for that table."""
    if pending is None or handover.refs or handover.floor or handover.turn - pending.turn > options.handover_reach:
        return handover
    handover.refs = pending.refs
    return handover


def split_self_reports(turns: list[Turn], facilitator: str | None, options: TablesOptions) -> list[Turn]:
    """Cut a facilitator's turn after "lo riporto io": what follows is a table's report."""
    result: list[Turn] = []
    for turn in turns:
        cut = _self_report_cut(turn, options) if turn.speaker == facilitator else None
        if cut is None:
            result += _split_trailing_handover(turn, options) if turn.speaker != facilitator else [turn]
            continue
        end = _trailing_handover(turn, cut, options)
        result.append(Turn(turn.speaker, turn.sentences[:cut], turn.signals[:cut]))
        result.append(Turn(turn.speaker, turn.sentences[cut:end], turn.signals[cut:end], self_report=True))
        if end < len(turn.sentences):
            result.append(Turn(turn.speaker, turn.sentences[end:], turn.signals[end:]))
    return result


def _self_report_cut(turn: Turn, options: TablesOptions) -> int | None:
    for index, signal in enumerate(turn.signals[:-1]):
        rest = sum(s.words for s in turn.sentences[index + 1 :])
        if "SPEAK_FOR" in signal.labels:
            return index + 1 if rest >= 2 * options.min_report_words else None
        # "cominciamo noi del tavolo uno." "Allora, io sono Simona Cecchi...": no facilitator, a presenter leads
        named_table = any(s.table_refs for s in turn.signals[max(index - 1, 0) : index + 2])
        if index > 0 and signal.intro_name and named_table and rest >= 2 * options.min_report_words:
            return index
    return None


def _split_trailing_handover(turn: Turn, options: TablesOptions) -> list[Turn]:
    """A presenter's last words handing over to a numbered table ("Manca solo il tavolo quattro. Giovanna.",
    "Manca l'ultimo, lo sport. Don Paolo, c'eri tu?"), to someone with their group ("passo a Matteo, che ha fatto
    il gruppo sugli adolescenti"), or to someone once the report is over ("Abbiamo finito. E adesso tocca a Paolo
    per le RSA")."""
    start = max(len(turn.sentences) - 2, 1)
    for index in range(start, len(turn.sentences)):
        before = sum(s.words for s in turn.sentences[:index])
        numbered = any(r.number is not None or r.relative for s in turn.signals[index:] for r in s.table_refs)
        ended = "END_REPORT" in turn.signals[index - 1].labels and any(_calls(s) for s in turn.signals[index:])
        themed = any(s.handover and s.table_refs and s.names for s in turn.signals[index:])  # "a Matteo, che ha
        # fatto il gruppo sugli adolescenti"
        if (
            before >= options.min_report_words
            and (numbered or ended or themed)
            and any(s.handover for s in turn.signals[index:])
        ):
            return [
                Turn(turn.speaker, turn.sentences[:index], turn.signals[:index]),
                Turn(turn.speaker, turn.sentences[index:], turn.signals[index:]),
            ]
    return [turn]


def _trailing_handover(turn: Turn, cut: int, options: TablesOptions) -> int:
    """Where a self-report ends in a hand-over to the next table ("adesso passo la parola al tavolo due").

    Only near the end of the turn: "e a Corciano c'è un'esperienza" inside the report names a place, not the next
    presenter.
    """
    said, left = 0, sum(s.words for s in turn.sentences[cut:])
    for index in range(cut, len(turn.sentences)):
        signal = turn.signals[index]
        near_end = left < options.min_report_words
        if said >= options.min_report_words and near_end and signal.handover and (signal.table_refs or signal.names):
            return index
        said += turn.sentences[index].words
        left -= turn.sentences[index].words
    return len(turn.sentences)


class ReportFinder:
    """Walks the turns and cuts out the reports."""

    def __init__(self, turns: list[Turn], facilitator: str | None, options: TablesOptions):
        self.turns = turns
        self.facilitator = facilitator
        self.options = options
        self.found_any = False

    def find(self) -> tuple[list[Draft], list[Handover]]:
        drafts: list[Draft] = []
        handovers: list[Handover] = []
        pending: Handover | None = None
        index = 0
        while index < len(self.turns):
            turn = self.turns[index]
            if self._gives_floor(index):
                pending = _still_the_same_table(_handover_of(self.turns, index), pending, self.options)
                handovers.append(pending)
            elif self._closes(turn):
                pending = None
            else:
                evidence = self._start_evidence(index, pending)
                if evidence:
                    draft, index = self._extend(index, pending, evidence)
                    drafts.append(_without_technical_preamble(draft, self.options))
                    self.found_any, pending = True, None
                elif turn.speaker != self.facilitator and turn.words > self.options.min_report_words:
                    pending = None  # someone else had the floor: that hand-over is spent
            index += 1
        return drafts, handovers

    def _closes(self, turn: Turn) -> bool:
        closing = any("CLOSING" in s.labels for s in turn.signals)
        return turn.speaker == self.facilitator and not turn.self_report and closing

    def _gives_floor(self, index: int) -> bool:
        turn = self.turns[index]
        if turn.self_report:
            return False
        if turn.speaker != (self.facilitator or turn.speaker):
            short = turn.words <= 3 * self.options.interjection_words
            return self._presenter_hands_over(turn) or (short and any(_calls(s) for s in turn.signals))
        following = self.turns[index + 1] if index + 1 < len(self.turns) else None
        names_table = self.facilitator is not None and _ends_naming_a_table(turn)
        floor = any("FLOOR" in s.labels for s in turn.signals)  # gives the floor to a comment, not a report
        calls_next = following is not None and _names_the_voice(turn, following)  # "Ornella, so che parli tu"
        return turn.has_handover or names_table or floor or calls_next or bool(following and following.self_report)

    def _presenter_hands_over(self, turn: Turn) -> bool:
        """Without a facilitator a presenter passes the floor: "allora passo al tavolo tre. Chi c'era, Roberto?",
        or thanks the last voice and calls the next: "Grazie Enzo. Chi manca? Ilaria, ci sei?"."""
        if turn.words > 3 * self.options.interjection_words or not any(s.handover for s in turn.signals):
            return False
        numbered = any(r.number is not None or r.relative for s in turn.signals for r in s.table_refs)
        numbered |= any(
            s.handover and s.table_refs for s in turn.signals
        )  # "passo a Ilaria, che ha il tavolo sulla..."
        thanks_then_calls = "THANKS" in turn.signals[0].labels and any(
            s.handover and s.names and "THANKS" not in s.labels for s in turn.signals[1:]
        )
        return numbered or thanks_then_calls

    def _start_evidence(self, index: int, pending: Handover | None) -> list[Evidence]:
        turn = self.turns[index]
        opening = turn.opening(self.options.opening_sentences)
        if turn.speaker == self.facilitator and not turn.self_report:
            return []
        names_table = any(s.table_refs for s in opening)
        answers = pending is not None and _answers_by_name(turn, pending)
        says_who = names_table or answers or any(s.speaks_for_table for s in opening)
        invited = pending is not None and not pending.floor and index - pending.turn <= self.options.handover_reach
        if any(_opens_or_closes(s, greeting_allowed=invited) for s in opening) and not (says_who or turn.self_report):
            return []
        # "sono Elisabetta Marcon ... riporto quanto emerso nel gruppo": a presenter, even before any hand-over
        presents = any(s.speaks_for_table for s in opening) and any(s.intro_name for s in opening)
        opens = presents or names_table or self._holds_the_floor(index)  # "comincio io con il mio": no facilitator
        if self.facilitator is not None and pending is None and not self.found_any and not opens:
            return []  # nobody has handed over yet: still the introduction
        speaks_for = names_table or any(s.speaks_for_table for s in opening)
        recent = pending is not None and index - pending.turn <= self.options.handover_reach
        if recent and pending.floor and (not speaks_for or any(_chimes_in(s) for s in opening[:2])):
            return []  # the floor was given for a comment or a question ("una domanda a Ilenia, al nostro tavolo...")
        evidence: list[Evidence] = []
        if recent:
            evidence += self._handover_evidence(turn, pending)
        if turn.self_report:
            evidence.append(Evidence(Clue.FACILITATOR_REPORTS))
        if any(s.speaks_for_table for s in opening):
            evidence.append(Evidence(Clue.SELF_INTRODUCTION))
        elif answers:
            evidence.append(Evidence(Clue.ANSWERS_BY_NAME))
        if any(s.table_refs for s in opening[:2]) and not _chimes_in(opening[0]):
            evidence.append(Evidence(Clue.NAMES_TABLE))
        if not evidence and self._reads_like_report(turn):
            introduces = any(s.intro_name for s in opening)
            evidence.append(Evidence(Clue.INTRODUCES_THEMSELVES if introduces else Clue.REPORT_LIKE))
        if self._enough_words(index, evidence):
            return evidence
        if not self._holds_the_floor(index):
            return []
        introduces = any(s.intro_name for s in opening)
        return [Evidence(Clue.INTRODUCES_THEMSELVES if introduces else Clue.HOLDS_THE_FLOOR)]

    def _handover_evidence(self, turn: Turn, pending: Handover) -> list[Evidence]:
        if _asks(turn.opening(1)[0]) and not turn.opening(2)[-1].speaks_for_table:
            return []
        said = "; ".join(r.describes for r in pending.refs) or ", ".join(pending.names) or "la parola"
        clue = Clue.TABLE_HANDOVER if pending.refs else Clue.HANDOVER
        return [Evidence(clue, said, pending.speaker)]

    def _enough_words(self, index: int, evidence: list[Evidence]) -> bool:
        words = self._speaker_words_ahead(index)
        if not evidence:
            return False
        found = clues(evidence)
        if Clue.ANSWERS_BY_NAME in found and not found & (OWN - {Clue.ANSWERS_BY_NAME} | {Clue.TABLE_HANDOVER}):
            return words >= 2 * self.options.min_report_words  # a comment from the floor answers a hand-over too
        if found & (OWN | {Clue.TABLE_HANDOVER}):
            return words >= self.options.min_report_words
        if Clue.HANDOVER in found and self._own_words_ahead(index) >= 3 * self.options.min_report_words:
            return True  # "adesso Sara" and Sara speaks at length: her opening may be what Whisper garbled
        return words >= 2 * self.options.min_report_words and self._reads_like_report(self.turns[index], loose=True)

    def _speaker_words_ahead(self, index: int) -> int:
        """What the speaker says from here, with the colleague they hand over to ("Enzo, tocca a te")."""
        voices, words, invites = {self.turns[index].speaker}, 0, False
        for turn in self.turns[index:]:
            technical = any("TECH" in s.labels for s in turn.signals)
            invited = invites and turn.speaker != self.facilitator and turn.words > self.options.interjection_words
            if turn.speaker in voices or invited:
                voices.add(turn.speaker)
                words += turn.words
                invites = any(s.handover and s.names for s in turn.signals[-2:]) or any(
                    "SHARED" in s.labels
                    for s in turn.signals  # "lo raccontiamo in due"
                )
            elif turn.words > self.options.interjection_words * (3 if technical else 1):
                break
        return words

    def _own_words_ahead(self, index: int) -> int:
        """What the speaker says from here in their own voice, through others' interjections."""
        speaker, words = self.turns[index].speaker, 0
        for turn in self.turns[index:]:
            if turn.speaker == speaker:
                words += turn.words
            elif turn.words > self.options.interjection_words:
                break
        return words

    def _holds_the_floor(self, index: int) -> bool:
        """A voice other than the facilitator's speaks at a report's length without asking, after a report or
        introducing themselves: a report, even when Whisper lost the hand-over and the self-introduction, or
        when nobody hands over ("comincio io con il mio, sono Antonella...")."""
        turn = self.turns[index]
        if turn.speaker == self.facilitator or any(_asks(s) for s in turn.opening(2)):
            return False
        introduces = any(s.intro_name for s in turn.opening(self.options.opening_sentences))
        return (self.found_any or introduces) and self._own_words_ahead(index) >= self.options.floor_holding_words

    def _reads_like_report(self, turn: Turn, *, loose: bool = False) -> bool:
        """A long turn that announces headings or is dense in their cues.

        ``loose``: the floor was given by name only, so one announcement or dense cues will do.
        """
        if turn.words < 2 * self.options.min_report_words or any(_asks(s) for s in turn.opening(2)):
            return False
        announced = sum(1 for s in turn.signals if s.announced)
        content = sum(max(s.heading_scores[h] for h in HEADINGS) for s in turn.signals)
        dense = content >= turn.words / 25
        if announced >= 2 or (announced and (loose or any(s.intro_name for s in turn.opening(3)))):
            return True
        return dense and (loose or (self.found_any and turn.words >= 3 * self.options.min_report_words))

    def _extend(self, index: int, pending: Handover | None, evidence: list[Evidence]) -> tuple[Draft, int]:
        draft = Draft([self.turns[index]], pending, evidence)
        last, cursor = index, index + 1
        while cursor < len(self.turns) and not self._ends_report(draft):
            turn = self.turns[cursor]
            if turn.speaker != self.facilitator and self._presenter_hands_over(turn):
                break
            hosting = turn.speaker == self.facilitator and not turn.self_report  # after "lo riporto io"
            if turn.speaker in {draft.speaker, *draft.co_speakers} and not hosting:
                if self._starts_other_table(turn, draft):
                    break
                draft.turns.append(turn)
                last = cursor
            elif self._is_interjection(cursor, draft):
                pass
            elif self._is_co_presenter(turn, draft):
                draft.co_speakers.add(turn.speaker)
                draft.turns.append(turn)
                draft.evidence.append(Evidence(Clue.SECOND_SPOKESPERSON, turn.speaker))
                last = cursor
            else:
                resumed = self._resumption(cursor, draft)
                if resumed is None:
                    break
                draft.evidence.append(Evidence(Clue.RESUMED))
                cursor = resumed
                continue
            cursor += 1
        return draft, last

    def _resumption(self, cursor: int, draft: Draft) -> int | None:
        """A question in the middle of a report, answered, then "scusa, vai pure avanti": the turn where the
        presenter goes on with the report."""
        voices = {draft.speaker, *draft.co_speakers}
        window = self.turns[cursor : cursor + 4]
        for offset, turn in enumerate(window[1:], start=1):
            before = window[offset - 1]
            if any(s.table_refs or s.labels & {"CLOSING", "END_REPORT"} for s in before.signals):
                return None
            if turn.speaker not in voices or turn.words < self.options.min_report_words:
                continue
            let_on = before.speaker not in voices and any("RESUME" in s.labels for s in before.signals[-2:])
            goes_on = self._own_words_ahead(cursor + offset) >= 2 * self.options.min_report_words  # not just an answer
            answers = offset == 1 and goes_on and _asks_a_voice_of(before, draft)
            if let_on or answers or any("RESUME" in s.labels for s in turn.opening(1)):
                return cursor + offset
        return None

    def _ends_report(self, draft: Draft) -> bool:
        closing = draft.turns[-1].signals[-2:]
        if any(s.handover and s.names for s in closing):  # "passo a Luca": a second voice may follow
            return False
        return any("END_REPORT" in s.labels for s in closing) and draft.words >= self.options.min_report_words

    def _is_interjection(self, cursor: int, draft: Draft) -> bool:
        """A short remark, or a word about the microphone, after which the report goes on."""
        turn = self.turns[cursor]
        technical = any("TECH" in s.labels for s in turn.signals)
        limit = 3 * self.options.interjection_words if technical else self.options.interjection_words
        if turn.words > limit or any(s.table_refs or s.labels & {"CLOSING", "END_REPORT"} for s in turn.signals):
            return False
        voice = self._next_voice(cursor)
        invited = self._invites(draft) and voice not in (None, self.facilitator)
        resumes = voice in {draft.speaker, *draft.co_speakers} or invited
        return resumes and (technical or invited or not turn.has_question)

    def _next_voice(self, cursor: int) -> str | None:
        following = self.turns[cursor + 1 :]
        return next((t.speaker for t in following if t.speaker != self.turns[cursor].speaker), None)

    @staticmethod
    def _invites(draft: Draft) -> bool:
        """Whether the presenter ended by handing over to a colleague ("passo a Luca")."""
        return any(s.handover and s.names for s in draft.turns[-1].signals[-2:])

    def _is_co_presenter(self, turn: Turn, draft: Draft) -> bool:
        if turn.speaker == self.facilitator or turn.words < self.options.interjection_words:
            return False
        opening = turn.opening(self.options.opening_sentences)
        if _other_table(opening, draft, self.options):
            return False
        shared = any("SHARED" in s.labels for s in draft.signals[: 2 * self.options.opening_sentences])
        if self._invites(draft):  # "passo a Ornella": what she says is the table's, "chiede aiuto" or not
            return shared or not _passes_to_another_table(draft, opening)
        if shared and not any(_asks(s) for s in turn.opening(2)):  # "lo raccontiamo in due": the other one
            return True
        asks = any(_asks(s) for s in turn.opening(2))
        goes_on = opening[0].continues and self._next_voice(self.turns.index(turn)) in {
            draft.speaker,
            *draft.co_speakers,
        }
        return not asks and (goes_on or any("ADDITION" in s.labels or s.speaks_for_table for s in opening))

    def _starts_other_table(self, turn: Turn, draft: Draft) -> bool:
        opening = turn.opening(2)
        return any(s.speaks_for_table for s in opening) and _other_table(opening, draft, self.options)


def _without_technical_preamble(draft: Draft, options: TablesOptions) -> Draft:
    """The report without the presenter's opening words about the line ("mi sentite? aspettate che tolgo il
    muto"): it starts where the presenter starts to report."""
    while len(draft.sentences) > 1:
        first = draft.turns[0]
        segment = [i for i, s in enumerate(first.sentences) if s.segment == first.sentences[0].segment]
        said = [first.signals[i] for i in segment]
        short = sum(s.words for s in said) <= 3 * options.interjection_words
        if not short or not any("TECH" in s.labels for s in said) or any(_says_who(s) for s in said):
            break
        rest = len(segment)
        if rest == len(first.sentences) and len(draft.turns) == 1:
            break  # nothing but the words about the line: left for _plausible to judge
        if rest == len(first.sentences):
            draft.turns.pop(0)
        else:
            draft.turns[0] = Turn(first.speaker, first.sentences[rest:], first.signals[rest:], first.self_report)
    return draft


def _passes_to_another_table(draft: Draft, opening: Sequence[Signals]) -> bool:
    """With nobody moderating, a presenter ends "passo a Matteo, che ha fatto il gruppo sugli adolescenti", or
    the voice invited opens "noi eravamo il tavolo...": the next table, not a colleague."""
    closing = draft.turns[-1].signals[-2:]
    return any(s.table_refs for s in closing) or any(s.speaks_for_table for s in opening)


def _says_who(signal: Signals) -> bool:
    """Says who speaks or for which table ("sono quella dell'unità di strada"), not just "sì, sono io"."""
    describes = "SELF_NAME" in signal.labels and not signal.labels & {"PRESENT", "TECH"}
    return bool(signal.intro_name or signal.table_refs or signal.speaks_for_table or describes)


def _answers_by_name(turn: Turn, pending: Handover) -> bool:
    """The hand-over named someone and this speaker is that person: says so, or the display name says so."""
    if not pending.names:
        return False
    opening = turn.opening(3)
    called = {_first_name(n) for n in pending.names}
    if any(s.intro_name and _first_name(s.intro_name) in called for s in opening) or "PRESENT" in opening[0].labels:
        return True
    said = {_first_name(n) for s in opening[:2] for n in s.names}
    shown = person_of_label(turn.speaker)
    return bool(called & said) or bool(shown and _first_name(shown) in called)


def _asks_a_voice_of(turn: Turn, draft: Draft) -> bool:
    """ "Scusa Chiara, ti interrompo: li gestisce una cooperativa?": a question to a voice of the report, whose
    answer goes on with it."""
    if not any(_asks(s) for s in turn.signals):
        return False
    shown = (person_of_label(voice) for voice in {draft.speaker, *draft.co_speakers})
    voices = {_first_name(n) for n in [*(s.intro_name for s in draft.signals), *shown] if n}
    return bool(voices & {_first_name(n) for n in _called_names(turn)})


def _called_names(turn: Turn) -> list[str]:
    """The people a turn names other than to thank them."""
    return [n for s in turn.signals if "THANKS" not in s.labels for n in s.names]


def _names_the_voice(turn: Turn, following: Turn) -> bool:
    """The turn names whoever speaks next: the name they introduce themselves with, or their display name's."""
    if following.speaker == turn.speaker:
        return False
    called = {_first_name(n) for n in _called_names(turn)}
    said = [s.intro_name for s in following.opening(3) if s.intro_name]
    if any(_first_name(n) in called for n in said):
        return True
    shown = person_of_label(following.speaker)  # "Mamadou, ti vedo" to "Galaxy di Mamadou"
    thanks = {i for i, g in enumerate(turn.signals) if "THANKS" in g.labels}
    said_words = (w for i, s in enumerate(turn.sentences) if i not in thanks for w in s.text.split())
    words = {w.strip(".,;:?!").lower() for w in said_words}
    return shown is not None and _first_name(shown) in words


def _first_name(name: str) -> str:
    words = name.lower().split()
    return words[1] if len(words) > 1 and words[0] in {"don", "suor", "padre", "fra"} else words[0]


def _ends_naming_a_table(turn: Turn) -> bool:
    """The turn's last words name a table by number ("...e ora il tavolo quattro"), as a hand-over does."""
    closing = list(turn.signals)
    while len(closing) > 1 and closing[-1].words <= 4:
        closing.pop()
    last = closing[-1]
    return last.names_table and not _asks(last) and any(r.number or r.relative for r in last.table_refs)


def _opens_or_closes(signal: Signals, *, greeting_allowed: bool) -> bool:
    """Opens or closes the meeting; after a hand-over, "buonasera a tutti" is how many a report begins."""
    if "CLOSING" in signal.labels:
        return True
    return "OPENING" in signal.labels and not (greeting_allowed and "GREETING" in signal.labels)


def _chimes_in(signal: Signals) -> bool:
    """A question or a remark from the floor ("posso aggiungere una cosa sul tavolo tre")."""
    return _asks(signal) or bool(signal.labels & {"QUESTION", "ADDITION"})


def _asks(signal: Signals) -> bool:
    """A real question, not "mi sentite?"."""
    return signal.question and "TECH" not in signal.labels


def _other_table(opening: Iterable[Signals], draft: Draft, options: TablesOptions) -> bool:
    mine = draft.opening_numbers(options.opening_sentences)
    if draft.handover is not None:
        mine |= {r.number for r in draft.handover.refs if r.number is not None}
    theirs = {r.number for s in opening for r in s.table_refs if r.number is not None}
    return bool(theirs) and not theirs & mine
