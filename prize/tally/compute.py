"""Steps 1-6 of the tally: ballot scores, normalisation, application scores, quorum, ranking
and proposals. Every sum is ``math.fsum`` over canonically sorted inputs."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from prize.tally import explain
from prize.tally.data import (
    ABSTAINED,
    BELOW_QUORUM,
    CONFLICT,
    DECIMALS,
    FLAGS,
    INCOMPLETE,
    MIN_FOR_NORMALISATION,
    NO_VARIANCE,
    NOT_SCORED,
    SHORTLIST,
    TIE,
    TIE_AT_CUT,
    BallotScore,
    Criterion,
    Entry,
    JurorSummary,
    Params,
    Proposal,
    TallyInput,
    TallyResult,
    clamp,
    mean,
    median,
    population_sd,
)
from prize.tally.digest import counted, digest

Pair = tuple[int, int]  # (juror, application)
Values = tuple[tuple[int, float], ...]  # (criterion, value), by criterion


def weights(criteria: Collection[Criterion]) -> tuple[tuple[int, float], ...]:
    """Each criterion's weight, normalised to sum 1 (equal weights when none is positive)."""
    ordered = sorted(criteria, key=lambda c: c.id)
    total = math.fsum(max(c.weight, 0.0) for c in ordered)
    if total <= 0:
        return tuple((c.id, 1 / len(ordered)) for c in ordered)
    return tuple((c.id, max(c.weight, 0.0) / total) for c in ordered)


def ballot_scores(data: TallyInput) -> tuple[dict[Pair, tuple[Values, float]], dict[Pair, str]]:
    """Step 1: (juror, application) -> (criterion values, weighted mean); and why there is none."""
    ballots, applications, criteria, conflicts, abstentions = counted(data)
    raw_weights = {c.id: max(c.weight, 0.0) for c in data.criteria}
    if math.fsum(raw_weights.values()) <= 0:
        raw_weights = dict.fromkeys(raw_weights, 1.0)
    total_weight = math.fsum(raw_weights[c] for c in sorted(criteria))
    given: dict[Pair, dict[int, float]] = {}
    for s in data.scores:
        if s.juror in ballots and s.application in applications and s.criterion in criteria:
            given.setdefault((s.juror, s.application), {})[s.criterion] = float(s.value)
    scores: dict[Pair, tuple[Values, float]] = {}
    missing: dict[Pair, str] = {}
    for juror in sorted(ballots):
        for app in sorted(applications):
            pair = (juror, app)
            if pair in conflicts:
                missing[pair] = CONFLICT
            elif pair in abstentions:
                missing[pair] = ABSTAINED
            elif pair not in given:
                missing[pair] = NOT_SCORED
            elif set(given[pair]) != criteria:
                missing[pair] = INCOMPLETE
            else:
                values = tuple(sorted(given[pair].items()))
                # The weighted mean with weights normalised to sum 1, computed as
                # sum(w * v) / sum(w), so that equal criterion scores give exactly that score.
                scores[pair] = (
                    values,
                    math.fsum(raw_weights[c] * v for c, v in values) / total_weight,
                )
    return scores, missing


@dataclass(frozen=True)
class Normalised:
    scores: dict[Pair, float]
    jurors: dict[int, tuple[float | None, float | None, str]]  # mean, sd, note
    round_mean: float | None
    round_sd: float | None


def normalise(params: Params, raw: Mapping[Pair, float], jurors: Iterable[int]) -> Normalised:
    """Step 2: each juror's z-scores, mapped back onto the round's mean and deviation."""
    everything = [raw[k] for k in sorted(raw)]
    round_mean = mean(everything) if everything else None
    round_sd = population_sd(everything) if everything else None
    result = dict(raw)
    summary: dict[int, tuple[float | None, float | None, str]] = {}
    for juror in sorted(jurors):
        keys = sorted(k for k in raw if k[0] == juror)
        own = [raw[k] for k in keys]
        juror_mean = mean(own) if own else None
        juror_sd = population_sd(own) if own else None
        if not params.normalise:
            note = "off"
        elif len(own) < MIN_FOR_NORMALISATION:
            note = "too_few"
        elif juror_mean is None or juror_sd is None or juror_sd <= NO_VARIANCE:
            note = "no_variance"
        else:
            note = "normalised"
            assert round_mean is not None and round_sd is not None
            for k in keys:
                z = (raw[k] - juror_mean) / juror_sd
                result[k] = clamp(round_mean + z * round_sd, params.scale_min, params.scale_max)
        summary[juror] = (juror_mean, juror_sd, note)
    return Normalised(result, summary, round_mean, round_sd)


def _r4(value: float | None) -> float:
    return -math.inf if value is None else round(value, DECIMALS)


@dataclass
class _Row:
    application: int
    ballot_scores: tuple[BallotScore, ...]
    no_score: tuple[tuple[int, str], ...]
    score: float | None = None
    median: float | None = None
    spread: float | None = None
    flags: list[str] = field(default_factory=list)
    rank: int = 0
    tie_break: str = ""

    def __post_init__(self) -> None:
        values = [b.score for b in self.ballot_scores]
        if values:
            self.score = mean(values)
            self.median = median(values)
            self.spread = population_sd(values)

    @property
    def ballots(self) -> int:
        return len(self.ballot_scores)

    @property
    def top_count(self) -> int:
        return sum(1 for b in self.ballot_scores if b.top)

    @property
    def key(self) -> tuple[float, float, int]:
        """What ranks it: the rounded score, then the rounded median, then the top scores."""
        return (_r4(self.score), _r4(self.median), self.top_count)


def _rank(rows: list[_Row], quorum: int) -> tuple[int, int]:
    """Steps 4-5: sort, give ranks (shared by a surviving tie), flag; count ties broken/left."""
    rows.sort(key=lambda r: (-r.key[0], -r.key[1], -r.key[2], r.application))
    for row in rows:
        same_score = [o for o in rows if o is not row and o.key[0] == row.key[0]]
        row.rank = 1 + sum(1 for o in rows if o.key > row.key)
        if row.ballots < quorum:
            row.flags.append(BELOW_QUORUM)
        if any(o.key == row.key for o in same_score):
            row.flags.append(TIE)
            row.tie_break = "unresolved"
        elif same_score and any(o.key[1] == row.key[1] for o in same_score):
            row.tie_break = "top_scores"
        elif same_score:
            row.tie_break = "median"
    broken = len({r.key[0] for r in rows if r.tie_break in ("median", "top_scores")})
    unresolved = len({r.key for r in rows if r.tie_break == "unresolved"})
    return broken, unresolved


def _propose(params: Params, rows: list[_Row]) -> Proposal:
    """Step 6: the top of the ranking among those that reach the quorum; a tie at the cut is
    left to the secretariat (its places stay open) and flagged."""
    eligible = [r for r in rows if BELOW_QUORUM not in r.flags]
    cut = params.cut
    tied: list[int] = []
    if 0 < cut < len(eligible) and eligible[cut].key == eligible[cut - 1].key:
        boundary = eligible[cut - 1].key
        tied = [r.application for r in eligible if r.key == boundary]
        selected = [r.application for r in eligible[:cut] if r.key != boundary]
    else:
        selected = [r.application for r in eligible[:cut]]
    for r in rows:
        if r.application in tied:
            r.flags.append(TIE_AT_CUT)
    nominated = (
        []
        if params.round == SHORTLIST
        else [r.application for r in rows if r.application not in selected]
    )
    return Proposal(
        round=params.round,
        selected=tuple(selected),
        nominated=tuple(nominated),
        places=cut,
        open_places=min(cut, len(eligible)) - len(selected),
        tied_at_cut=tuple(tied),
    )


def tally(data: TallyInput) -> TallyResult:
    """The whole tally of one round, with its explanation."""
    params = data.params
    if params.round not in ("shortlist", "final"):
        raise ValueError(f"unknown round {params.round!r}")
    ballots, applications, _criteria, conflicts, abstentions = counted(data)
    scored, missing = ballot_scores(data)
    raw = {k: v[1] for k, v in scored.items()}
    norm = normalise(params, raw, ballots)
    tops: dict[int, float] = {}  # each juror's highest ballot score of the round, as given
    for (juror, _app), value in sorted(raw.items()):
        tops[juror] = max(tops.get(juror, value), value)

    rows = [
        _Row(
            application=app,
            ballot_scores=tuple(
                BallotScore(
                    juror=k[0],
                    application=app,
                    values=scored[k][0],
                    raw=raw[k],
                    score=norm.scores[k],
                    top=_r4(raw[k]) == _r4(tops[k[0]]),
                )
                for k in sorted(k for k in scored if k[1] == app)
            ),
            no_score=tuple((j, missing[(j, a)]) for (j, a) in sorted(missing) if a == app),
        )
        for app in sorted(applications)
    ]
    broken, unresolved = _rank(rows, params.quorum)
    proposal = _propose(params, rows)
    label = dict.fromkeys(proposal.selected, "shortlist" if params.round == SHORTLIST else "winner")
    label.update(dict.fromkeys(proposal.nominated, "nominated"))
    ranking = tuple(
        Entry(
            application=r.application,
            rank=r.rank,
            position=position,
            score=r.score,
            median=r.median,
            spread=r.spread,
            ballots=r.ballots,
            top_count=r.top_count,
            flags=tuple(f for f in FLAGS if f in r.flags),
            tie_break=r.tie_break,
            proposed=label.get(r.application, ""),
            ballot_scores=r.ballot_scores,
            no_score=r.no_score,
        )
        for position, r in enumerate(rows, start=1)
    )
    jurors = _jurors(data, ballots, applications, conflicts, raw, norm)
    the_digest = digest(data)
    return TallyResult(
        params=params,
        weights=weights(data.criteria),
        jurors=jurors,
        round_mean=norm.round_mean,
        round_sd=norm.round_sd,
        ranking=ranking,
        proposal=proposal,
        digest=the_digest,
        receipts=frozenset(b.receipt for b in ballots.values() if b.receipt),
        counted_ballots=len(ballots),
        steps=explain.steps(
            params=params,
            jurors=jurors,
            weights=weights(data.criteria),
            raw=raw,
            conflicts=sum(1 for k in conflicts if k[0] in ballots),
            abstentions=sum(1 for k in abstentions if k[0] in ballots),
            round_mean=norm.round_mean,
            round_sd=norm.round_sd,
            ranking=ranking,
            broken=broken,
            unresolved=unresolved,
            proposal=proposal,
            digest=the_digest,
        ),
    )


def _jurors(
    data: TallyInput,
    ballots: Mapping[int, object],
    applications: set[int],
    conflicts: set[Pair],
    raw: Mapping[Pair, float],
    norm: Normalised,
) -> tuple[JurorSummary, ...]:
    """Each juror with a ballot (submitted or draft): progress and how they were normalised."""
    rows: dict[int, JurorSummary] = {}
    for ballot in sorted(data.ballots, key=lambda b: (b.juror, not b.submitted)):
        if ballot.juror in rows:
            continue
        juror_mean, juror_sd, note = norm.jurors.get(ballot.juror, (None, None, "draft"))
        rows[ballot.juror] = JurorSummary(
            juror=ballot.juror,
            submitted=ballot.juror in ballots,
            receipt=ballot.receipt if ballot.juror in ballots else None,
            ballot_scores=sum(1 for k in raw if k[0] == ballot.juror),
            expected=sum(1 for a in applications if (ballot.juror, a) not in conflicts),
            mean=juror_mean,
            sd=juror_sd,
            normalised=note == "normalised",
            note=note,
        )
    return tuple(rows.values())
