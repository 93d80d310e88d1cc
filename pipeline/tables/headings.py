"""Headings: the most likely sequence of guide questions for a report's sentences (an announced heading
carries over, lexical cues move it, the guide questions' order is preferred); each sentence's
posterior is its confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pipeline.tables.options import ALTRO, STATES, TablesOptions
from pipeline.tables.signals import Signals


class HeadingTagger:
    """The most likely headings of a report's sentences: an HMM over the four guide questions + altro.

    Emissions are log-weights of lexical cues and announcements; transitions keep
    a heading (carry-over), favour the guide questions' order and let "altro"
    (greetings, self-introduction, microphone trouble) come and go.
    """

    def __init__(self, options: TablesOptions):
        self.options = options
        self.model = options.headings
        self.transitions = self._transitions(options.heading_stay)
        self.sticky = self._transitions(options.heading_continue)
        self.open = self._transitions(self.model.stay_where_announced)
        self.initial = [math.log(p) for p in self.model.initial]

    def _transitions(self, stay: float) -> list[list[float]]:
        """Log-probabilities: headings carry over, move on in the guide questions' order, return to altro."""
        model, rows = self.model, []
        for i, here in enumerate(STATES):
            row = []
            for j, there in enumerate(STATES):
                if here == ALTRO:
                    weight = model.from_altro[0] if there == ALTRO else model.from_altro[1 if j == 0 else 2]
                elif i == j:
                    weight = stay
                else:  # the guide questions' order is only a mild preference: reports go back and forth
                    if there == ALTRO:
                        share = model.to_altro
                    else:
                        share = model.to_next_question if j == i + 1 else model.to_other_question
                    weight = (1 - stay) * share
                row.append(weight)
            rows.append([math.log(w / sum(row)) for w in row])
        return rows

    def emissions(self, signals: Signals, words: int) -> list[float]:
        scores = [self.options.cue_weight * signals.heading_scores[s] for s in STATES]
        for label, weight in signals.announced.items():
            if label in STATES:
                scores[STATES.index(label)] += self.options.announcement_weight * weight
        model = self.model
        scores[-1] += model.meta_weight * signals.meta
        if words <= model.short_words and not signals.announced:
            closing = signals.labels & {"THANKS", "END_REPORT"}
            scores[-1] += model.short_closing_weight if closing else model.short_weight
        return scores

    def tag(self, emissions: Sequence[list[float]], kinds: Sequence[str]) -> list[tuple[str, float]]:
        """(heading, posterior) per sentence.

        ``kinds`` says how each sentence joins the one before: "open" (it announces a heading,
        the natural place to change), "keep" ("la seconda è...": rarely a change) or "normal".
        """
        if not emissions:
            return []
        matrices = {"open": self.open, "keep": self.sticky, "normal": self.transitions}
        steps = [matrices[step] for step in kinds]
        path = self._viterbi(emissions, steps)
        posteriors = self._posteriors(emissions, steps)
        return [(STATES[s], posteriors[t][s]) for t, s in enumerate(path)]

    def _viterbi(self, emissions: Sequence[list[float]], steps: Sequence[list[list[float]]]) -> list[int]:
        states = range(len(STATES))
        score = [self.initial[s] + emissions[0][s] for s in states]
        back: list[list[int]] = []
        for emission, move in zip(emissions[1:], steps[1:], strict=True):
            best = [max(states, key=lambda i, j=j: score[i] + move[i][j]) for j in states]
            score = [score[best[j]] + move[best[j]][j] + emission[j] for j in states]
            back.append(best)
        state = max(states, key=lambda s: score[s])
        path = [state]
        for best in reversed(back):
            state = best[state]
            path.append(state)
        return path[::-1]

    def _posteriors(self, emissions: Sequence[list[float]], steps: Sequence[list[list[float]]]) -> list[list[float]]:
        states = range(len(STATES))
        forward = [[self.initial[s] + emissions[0][s] for s in states]]
        for emission, move in zip(emissions[1:], steps[1:], strict=True):
            forward.append([_logsumexp([forward[-1][i] + move[i][j] for i in states]) + emission[j] for j in states])
        backward = [[0.0] * len(STATES)]
        for emission, move in zip(reversed(emissions[1:]), reversed(steps[1:]), strict=True):
            after = backward[0]
            backward.insert(0, [_logsumexp([move[i][j] + emission[j] + after[j] for j in states]) for i in states])
        posteriors = []
        for f, b in zip(forward, backward, strict=True):
            joint = [x + y for x, y in zip(f, b, strict=True)]
            total = _logsumexp(joint)
            posteriors.append([math.exp(v - total) for v in joint])
        return posteriors


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
