"""The tally's data: what goes in (plain numbers) and what comes out (with its explanation),
and the small numeric helpers every step shares."""

from __future__ import annotations

import hmac
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SHORTLIST = "shortlist"
FINAL = "final"
ROUNDS = (SHORTLIST, FINAL)

BELOW_QUORUM = "below_quorum"
TIE = "tie"
TIE_AT_CUT = "tie_at_cut"
FLAGS = (BELOW_QUORUM, TIE, TIE_AT_CUT)

DECIMALS = 4  # scores are compared after rounding to this many decimals
NO_VARIANCE = 1e-9  # a juror whose scores differ by less is treated as having no variance
MIN_FOR_NORMALISATION = 3

# Why a juror gave an application no ballot score.
CONFLICT = "conflict"
ABSTAINED = "abstained"
NOT_SCORED = "not_scored"
INCOMPLETE = "incomplete"


def N_(message: str) -> str:
    """Mark a step text for the translators; it is translated where it is shown."""
    return message


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: float = 1.0


@dataclass(frozen=True)
class Ballot:
    """One juror's ballot in the round: counted only when submitted."""

    juror: int
    submitted: bool
    receipt: str | None = None


@dataclass(frozen=True)
class ScoreRow:
    juror: int
    application: int
    criterion: int
    value: float


@dataclass(frozen=True)
class Params:
    round: str = SHORTLIST
    scale_min: float = 0.0
    scale_max: float = 10.0
    normalise: bool = True
    quorum: int = 3
    shortlist_size: int = 7
    winners: int = 3

    @property
    def cut(self) -> int:
        return self.shortlist_size if self.round == SHORTLIST else self.winners


@dataclass(frozen=True)
class TallyInput:
    params: Params
    applications: Collection[int]  # the applications of the round
    criteria: Collection[Criterion]
    ballots: Collection[Ballot]
    scores: Collection[ScoreRow]
    abstentions: Collection[tuple[int, int]] = ()  # (juror, application)
    conflicts: Collection[tuple[int, int]] = ()  # (juror, application)
    # The jurors expected to vote in the round (the jury), whether or not they opened a ballot;
    # empty: only those with a ballot are known.
    jury: Collection[int] = ()


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Figure:
    """A number in an explanation, with its count of decimals; ``str`` gives it in English
    ("0.333"), and the page in the reader's language (prize/templating.py)."""

    value: float | None
    digits: int = 2

    def __str__(self) -> str:
        return fmt(self.value, self.digits)


@dataclass(frozen=True)
class Figures:
    """Several figures given as one parameter ("0.333, 0.667")."""

    values: tuple[Figure, ...]

    def __str__(self) -> str:
        return ", ".join(str(v) for v in self.values)


@dataclass(frozen=True)
class Step:
    """One step of the explanation: a message id with %(name)s parameters (counts, ``Figure``s),
    plain English. Counts stand after a label ("Ballot scores counted: 1"), so that no
    sentence depends on a count's grammatical number."""

    key: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


@dataclass(frozen=True)
class BallotScore:
    juror: int
    application: int
    values: tuple[tuple[int, float], ...]  # (criterion, value), by criterion
    raw: float  # the weighted mean
    score: float  # after normalisation (or ``raw`` when the juror was left as is)
    top: bool  # this is the juror's highest ballot score of the round


@dataclass(frozen=True)
class JurorSummary:
    juror: int
    submitted: bool
    receipt: str | None
    ballot_scores: int
    expected: int  # applications of the round without a conflict
    mean: float | None
    sd: float | None
    normalised: bool
    note: str  # "normalised", "too_few", "no_variance", "off", "draft"


@dataclass(frozen=True)
class Entry:
    application: int
    rank: int  # shared by applications whose tie survives
    position: int  # 1-based display order
    score: float | None
    median: float | None
    spread: float | None
    ballots: int
    top_count: int
    flags: tuple[str, ...]
    tie_break: str  # "", "median", "top_scores" or "unresolved": what separated it
    proposed: str  # "shortlist", "winner", "nominated" or ""
    ballot_scores: tuple[BallotScore, ...]  # by juror
    no_score: tuple[tuple[int, str], ...]  # (juror, why), by juror


@dataclass(frozen=True)
class Proposal:
    round: str
    selected: tuple[int, ...]  # the shortlist (round 1) or the winners (round 2), in rank order
    nominated: tuple[int, ...]  # round 2: the rest of the shortlist, in rank order
    places: int  # how many the cut allows
    open_places: int  # places left to the secretariat because of a tie at the cut
    tied_at_cut: tuple[int, ...]


@dataclass(frozen=True)
class TallyResult:
    params: Params
    weights: tuple[tuple[int, float], ...]  # (criterion, weight normalised to sum 1)
    jurors: tuple[JurorSummary, ...]
    round_mean: float | None
    round_sd: float | None
    ranking: tuple[Entry, ...]
    proposal: Proposal
    digest: str
    receipts: frozenset[str]
    counted_ballots: int
    steps: tuple[Step, ...]

    def entry(self, application: int) -> Entry | None:
        return next((e for e in self.ranking if e.application == application), None)

    def receipt_counted(self, code: str) -> bool:
        return receipt_in(code, self.receipts)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (for tests of determinism and for tools)."""
        return {
            "round": self.params.round,
            "digest": self.digest,
            "counted_ballots": self.counted_ballots,
            "round_mean": self.round_mean,
            "round_sd": self.round_sd,
            "ranking": [
                {
                    "application": e.application,
                    "rank": e.rank,
                    "score": e.score,
                    "median": e.median,
                    "spread": e.spread,
                    "ballots": e.ballots,
                    "top_count": e.top_count,
                    "flags": list(e.flags),
                    "tie_break": e.tie_break,
                    "proposed": e.proposed,
                    "ballot_scores": [[b.juror, b.raw, b.score] for b in e.ballot_scores],
                    "no_score": [list(n) for n in e.no_score],
                }
                for e in self.ranking
            ],
            "proposal": {
                "selected": list(self.proposal.selected),
                "nominated": list(self.proposal.nominated),
                "open_places": self.proposal.open_places,
                "tied_at_cut": list(self.proposal.tied_at_cut),
            },
            "steps": [[s.key, s.english] for s in self.steps],
        }


# --------------------------------------------------------------------------- helpers


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def population_sd(values: Sequence[float]) -> float:
    m = mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / len(values))


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return math.fsum((ordered[middle - 1], ordered[middle])) / 2


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def number(value: float) -> int | float:
    """A value as canonical JSON writes it: integral values without a fraction."""
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# A receipt code is base32 (A-Z and 2-7): it has no 0 or 1, which a person reads or types for
# the letters O and I.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I"})


def receipt_key(code: str) -> str:
    """A receipt code as a person typed it, made canonical: spaces and hyphens dropped, in
    capitals, the digits 0 and 1 read as the letters O and I."""
    return "".join(code.split()).replace("-", "").upper().translate(_LOOKALIKES)


def receipt_in(code: str, receipts: Iterable[str]) -> bool:
    """Whether ``code`` is one of ``receipts``, both made canonical (``receipt_key``); compared
    in constant time."""
    wanted = receipt_key(code).encode()
    if not wanted:
        return False
    found = False
    for receipt in receipts:
        found |= hmac.compare_digest(wanted, receipt_key(receipt).encode())
    return found
