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
        self.transitions = self._transitions(options.heading_stay)
        self.sticky = self._transitions(options.heading_continue)
        self.open = self._transitions(0.5)
        self.initial = [math.log(p) for p in (0.35, 0.1, 0.1, 0.05, 0.4)]

    @staticmethod
    def _transitions(stay: float) -> list[list[float]]:
        """Log-probabilities: headings carry over, move on in the guide questions' order, return to altro."""
        rows = []
        for i, here in enumerate(STATES):
            row = []
            for j, there in enumerate(STATES):
                if here == ALTRO:
                    weight = 0.6 if there == ALTRO else 0.25 if j == 0 else 0.05
                elif i == j:
                    weight = stay
                else:  # the guide questions' order is only a mild preference: reports go back and forth
                    weight = (1 - stay) * (0.25 if there == ALTRO else 0.3 if j == i + 1 else 0.225)
                row.append(weight)
            rows.append([math.log(w / sum(row)) for w in row])
        return rows

    def emissions(self, signals: Signals, words: int) -> list[float]:
        scores = [self.options.cue_weight * signals.heading_scores[s] for s in STATES]
        for label, weight in signals.announced.items():
            if label in STATES:
                scores[STATES.index(label)] += self.options.announcement_weight * weight
        scores[-1] += 4.0 * signals.meta
        if words <= 4 and not signals.announced:
            scores[-1] += 1.0 if signals.labels & {"THANKS", "END_REPORT"} else 0.5
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
