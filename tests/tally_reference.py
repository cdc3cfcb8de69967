"""A reference tally for the tests, written from the definition (DESIGN.md, "The tally") and
nothing else, so that tests can check ``prize.tally`` against something it does not share code
with.

Plain and slow on purpose: exact fractions for the weighted means, 50-digit decimals once a
square root comes in, and the standard library's ``statistics`` for every mean, median and
population standard deviation (it sums exactly, whatever the type). No float is rounded along
the way, so what it gives is the exact figure to about 48 digits.

1. Ballot score: one juror's weighted mean of their criterion scores for one application, the
   weights normalised to sum 1. Only submitted ballots count; a conflict or an abstention gives
   no ballot score, and neither does an entry without a score on every criterion.
2. Normalisation: each juror's ballot scores become z-scores (their own mean and population
   standard deviation) and are mapped back as ``m + z * sd``, ``m`` and ``sd`` the mean and
   population standard deviation of every counted ballot score of the round, clamped to the
   scale. A juror with fewer than 3 ballot scores, or with no variance, is left as given.
3. Application score: the mean of its (normalised) ballot scores; also their median, their
   population standard deviation (the spread) and how many there are.
5. Ranking: by score rounded to 4 decimals; then the higher median (also rounded to 4 decimals,
   as shown); then more ballots in which the application got that juror's highest ballot score
   of the round (as the juror gave it). A tie that survives is shared.

(The step numbers are DESIGN.md's; step 4, the quorum, and the proposals and digest after the
ranking are left to tests/tally/test_tally.py.)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from prize.tally import TallyInput

DIGITS = 50
FOUR_PLACES = Decimal("0.0001")
Key = tuple[Decimal, Decimal, int]


def exact(value: float) -> Fraction:
    """A float (or int) as the exact fraction it stands for."""
    return Fraction(value)


def as_decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def four_decimals(value: Decimal) -> Decimal:
    return value.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN)


def near_half_way(value: Decimal) -> bool:
    """Whether ``value`` lies within 1e-9 of a point where rounding to 4 decimals turns: there a
    float's last bit decides, so the order there is not something a test can pin."""
    fraction = abs(value * 10_000) % 1
    return abs(fraction - Decimal("0.5")) < Decimal("1e-5")


@dataclass(frozen=True)
class Application:
    application: int
    raw: dict[int, Fraction]  # juror -> ballot score as given
    scores: dict[int, Decimal]  # juror -> ballot score after normalisation
    score: Decimal | None
    median: Decimal | None
    spread: Decimal | None
    tops: int  # ballots in which this was that juror's highest ballot score of the round

    @property
    def ballots(self) -> int:
        return len(self.scores)

    @property
    def key(self) -> Key | None:
        """What the ranking compares; None for an application without any ballot score."""
        if self.score is None or self.median is None:
            return None
        return (four_decimals(self.score), four_decimals(self.median), self.tops)

    @property
    def ambiguous(self) -> bool:
        return any(v is not None and near_half_way(v) for v in (self.score, self.median))


@dataclass(frozen=True)
class Reference:
    applications: dict[int, Application]
    round_mean: Decimal | None
    round_sd: Decimal | None
    normalised: frozenset[int]  # the jurors whose scores were normalised

    def ranked(self) -> list[Application]:
        """The applications with a score, best first; those a surviving tie holds together are
        in no particular order between themselves."""
        scored = [a for a in self.applications.values() if a.key is not None]
        return sorted(scored, key=lambda a: a.key, reverse=True)

    def rank(self, application: int) -> int:
        """1 + the number of applications strictly ahead (a tie shares its rank)."""
        key = self.applications[application].key
        assert key is not None
        return 1 + sum(1 for a in self.applications.values() if a.key is not None and a.key > key)

    def tied(self) -> set[int]:
        """Applications with a score whose tie survives every tie-break."""
        keys = [a.key for a in self.applications.values() if a.key is not None]
        return {
            a.application
            for a in self.applications.values()
            if a.key is not None and keys.count(a.key) > 1
        }


def reference_tally(data: TallyInput) -> Reference:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return _reference(data)


def _reference(data: TallyInput) -> Reference:
    params = data.params
    low, high = Decimal(params.scale_min), Decimal(params.scale_max)
    applications = set(data.applications)
    given_weights = {c.id: exact(c.weight) for c in data.criteria}
    weight = {c: w / sum(given_weights.values()) for c, w in given_weights.items()}
    assert sum(weight.values()) == 1
    submitted = {b.juror for b in data.ballots if b.submitted}
    no_score = set(data.conflicts) | set(data.abstentions)

    # 1. Ballot scores.
    marks: dict[tuple[int, int], dict[int, Fraction]] = {}
    for row in data.scores:
        pair = (row.juror, row.application)
        if row.juror in submitted and row.application in applications and pair not in no_score:
            marks.setdefault(pair, {})[row.criterion] = exact(row.value)
    raw: dict[tuple[int, int], Fraction] = {
        pair: sum((weight[c] * v for c, v in values.items()), Fraction(0))
        for pair, values in marks.items()
        if set(values) == set(weight)
    }

    # 2. Normalisation.
    scores = {pair: as_decimal(value) for pair, value in raw.items()}
    everything = list(scores.values())
    round_mean = statistics.mean(everything) if everything else None
    round_sd = statistics.pstdev(everything) if everything else None
    normalised: set[int] = set()
    if params.normalise:
        for juror in submitted:
            own = {pair: value for pair, value in scores.items() if pair[0] == juror}
            if len(own) < 3:
                continue
            juror_mean = statistics.mean(list(own.values()))
            juror_sd = statistics.pstdev(list(own.values()))
            if juror_sd == 0:
                continue
            assert round_mean is not None and round_sd is not None
            normalised.add(juror)
            for pair, value in own.items():
                z = (value - juror_mean) / juror_sd
                scores[pair] = min(max(round_mean + z * round_sd, low), high)

    # 3. Application scores; and each juror's highest ballot score, for the last tie-break.
    highest: dict[int, Fraction] = {}
    for (juror, _), value in raw.items():
        highest[juror] = max(highest.get(juror, value), value)
    result = {}
    for app in applications:
        mine = {juror: value for (juror, a), value in scores.items() if a == app}
        values = list(mine.values())
        result[app] = Application(
            application=app,
            raw={juror: raw[(juror, app)] for juror in mine},
            scores=mine,
            score=statistics.mean(values) if values else None,
            median=statistics.median(values) if values else None,
            spread=statistics.pstdev(values) if values else None,
            tops=sum(1 for juror in mine if raw[(juror, app)] == highest[juror]),
        )
    return Reference(result, round_mean, round_sd, frozenset(normalised))
