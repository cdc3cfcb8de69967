"""Steps 1-6 of the tally: ballot scores, normalisation, application scores, quorum, ranking
and proposals. Every sum is ``math.fsum``: exact, so the same whatever the inputs' order."""

from __future__ import annotations

import contextlib
import gc
import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

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
    steps = _ballot_scores(data)
    missing = {(juror, app): why for app, rows in steps.missing.items() for juror, why in rows}
    return steps.scores, missing


@dataclass(frozen=True)
class _Step1:
    scores: dict[Pair, tuple[Values, float]]
    scored: dict[int, list[Pair]]  # application -> its scored pairs, in juror order
    missing: dict[int, list[tuple[int, str]]]  # application -> (juror, why), in juror order


def _ballot_scores(data: TallyInput) -> _Step1:
    """Step 1, grouped by application as the ranking reads it.

    A large round has far more (juror, application) pairs without a score than with one, so the
    pairs a juror has nothing for ("not scored") are listed in one pass per application."""
    ballots, applications, criteria, conflicts, abstentions = counted(data)
    raw_weights = {c.id: max(c.weight, 0.0) for c in data.criteria}
    if math.fsum(raw_weights.values()) <= 0:
        raw_weights = dict.fromkeys(raw_weights, 1.0)
    total_weight = math.fsum(raw_weights[c] for c in sorted(criteria))
    given: dict[int, dict[int, dict[int, float]]] = {}  # application -> juror -> criterion
    for s in data.scores:
        if s.juror in ballots and s.application in applications and s.criterion in criteria:
            given.setdefault(s.application, {}).setdefault(s.juror, {})[s.criterion] = float(
                s.value
            )
    excluded: dict[int, dict[int, str]] = {}  # application -> juror -> why
    for (juror, app), why in (
        *((pair, ABSTAINED) for pair in abstentions),
        *((pair, CONFLICT) for pair in conflicts),  # a conflict outweighs an abstention
    ):
        excluded.setdefault(app, {})[juror] = why
    jurors = sorted(ballots)
    # One (juror, "not scored") pair each, shared by every application the juror left out.
    not_scored = {j: (j, NOT_SCORED) for j in jurors}
    scores: dict[Pair, tuple[Values, float]] = {}
    scored: dict[int, list[Pair]] = {}
    missing: dict[int, list[tuple[int, str]]] = {}
    for app in sorted(applications):
        reasons = dict(excluded.get(app, {}))
        mine: list[Pair] = []
        for juror, marks in sorted(given.get(app, {}).items()):
            if juror in reasons:
                continue
            if marks.keys() != criteria:
                reasons[juror] = INCOMPLETE
                continue
            values = tuple(sorted(marks.items()))
            # The weighted mean with weights normalised to sum 1, computed as
            # sum(w * v) / sum(w), so that equal criterion scores give exactly that score.
            pair = (juror, app)
            scores[pair] = (values, math.fsum(raw_weights[c] * v for c, v in values) / total_weight)
            mine.append(pair)
        done = {pair[0] for pair in mine}
        scored[app] = mine
        missing[app] = [
            (j, reasons[j]) if j in reasons else not_scored[j] for j in jurors if j not in done
        ]
    return _Step1(scores, scored, missing)


@dataclass(frozen=True)
class Normalised:
    scores: dict[Pair, float]
    jurors: dict[int, tuple[float | None, float | None, str]]  # mean, sd, note
    round_mean: float | None
    round_sd: float | None


def normalise(params: Params, raw: Mapping[Pair, float], jurors: Iterable[int]) -> Normalised:
    """Step 2: each juror's z-scores, mapped back onto the round's mean and deviation."""
    # No sorting for the sums: math.fsum is exact, so the same whatever the order.
    everything = list(raw.values())
    round_mean = mean(everything) if everything else None
    round_sd = population_sd(everything) if everything else None
    result = dict(raw)
    summary: dict[int, tuple[float | None, float | None, str]] = {}
    by_juror: dict[int, list[Pair]] = {}
    for k in raw:  # grouped once
        by_juror.setdefault(k[0], []).append(k)
    for juror in sorted(jurors):
        keys = by_juror.get(juror, [])
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
            assert round_mean is not None and round_sd is not None  # nosec B101: the round's mean and spread exist whenever a juror is normalised
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

    @cached_property
    def top_count(self) -> int:
        return sum(1 for b in self.ballot_scores if b.top)

    @cached_property
    def key(self) -> tuple[float, float, int]:
        """What ranks it: the rounded score, then the rounded median, then the top scores."""
        return (_r4(self.score), _r4(self.median), self.top_count)


def _rank(rows: list[_Row], quorum: int) -> tuple[int, int]:
    """Steps 4-5: sort, give ranks (shared by a surviving tie), flag; count ties broken/left."""
    rows.sort(key=lambda r: (-r.key[0], -r.key[1], -r.key[2], r.application))
    # Counted once (not row against row): equal keys are neighbours in this order, so a row's
    # rank is one more than the number of rows before the first with its key.
    same_key = Counter(r.key for r in rows)
    same_median = Counter(r.key[:2] for r in rows)
    same_score = Counter(r.key[0] for r in rows)
    first_at: dict[tuple[float, float, int], int] = {}
    for index, row in enumerate(rows):
        row.rank = 1 + first_at.setdefault(row.key, index)
        if row.ballots < quorum:
            row.flags.append(BELOW_QUORUM)
        if same_key[row.key] > 1:
            row.flags.append(TIE)
            row.tie_break = "unresolved"
        elif same_median[row.key[:2]] > 1:
            row.tie_break = "top_scores"
        elif same_score[row.key[0]] > 1:
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
    tied_set, selected_set = set(tied), set(selected)
    for r in rows:
        if r.application in tied_set:
            r.flags.append(TIE_AT_CUT)
    # Round 2: the rest of the shortlist is nominated, except what is never proposed
    # automatically (below quorum) and a tie at third place, both left to the secretariat.
    nominated = (
        []
        if params.round == SHORTLIST
        else [
            r.application
            for r in rows
            if r.application not in selected_set
            and r.application not in tied_set
            and BELOW_QUORUM not in r.flags
        ]
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
    with _cycle_collector_paused():
        return _tally(data)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the tally runs: the tally makes no
    reference cycles (what it drops is freed at once by reference counting), and on a large
    round the collector walked the round's hundreds of thousands of rows again and again, a
    sixth of the time (bench/tally.py). Only the caller that paused it resumes it, so two
    tallies at once in two threads leave it running once both are done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _tally(data: TallyInput) -> TallyResult:
    params = data.params
    if params.round not in ("shortlist", "final"):
        raise ValueError(f"unknown round {params.round!r}")
    ballots, applications, _criteria, conflicts, abstentions = counted(data)
    step1 = _ballot_scores(data)
    raw = {k: v[1] for k, v in step1.scores.items()}
    norm = normalise(params, raw, ballots)
    rows = _rows(step1, raw, norm, applications)
    broken, unresolved = _rank(rows, params.quorum)
    proposal = _propose(params, rows)
    ranking = _entries(params, rows, proposal)
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
            jury_size=len(set(data.jury) | {j.juror for j in jurors}),
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


def _rows(
    step1: _Step1, raw: Mapping[Pair, float], norm: Normalised, applications: Iterable[int]
) -> list[_Row]:
    """One row per application with its ballot scores, raw and normalised, each marked when it
    is its juror's highest of the round (as given, compared after rounding)."""
    tops: dict[int, float] = {}  # each juror's highest ballot score of the round, as given
    for (juror, _app), value in raw.items():
        tops[juror] = max(tops.get(juror, value), value)
    top_r4 = {juror: _r4(value) for juror, value in tops.items()}
    return [
        _Row(
            application=app,
            ballot_scores=tuple(
                BallotScore(
                    juror=k[0],
                    application=app,
                    values=step1.scores[k][0],
                    raw=raw[k],
                    score=norm.scores[k],
                    top=_r4(raw[k]) == top_r4[k[0]],
                )
                for k in step1.scored[app]
            ),
            no_score=tuple(step1.missing[app]),
        )
        for app in sorted(applications)
    ]


def _entries(params: Params, rows: list[_Row], proposal: Proposal) -> tuple[Entry, ...]:
    """The ranked rows as the result shows them, each with what it is proposed as."""
    label = dict.fromkeys(proposal.selected, "shortlist" if params.round == SHORTLIST else "winner")
    label.update(dict.fromkeys(proposal.nominated, "nominated"))
    return tuple(
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
    scored = Counter(k[0] for k in raw)
    conflicted = Counter(j for j, a in conflicts if a in applications)
    for ballot in sorted(data.ballots, key=lambda b: (b.juror, not b.submitted)):
        if ballot.juror in rows:
            continue
        juror_mean, juror_sd, note = norm.jurors.get(ballot.juror, (None, None, "draft"))
        rows[ballot.juror] = JurorSummary(
            juror=ballot.juror,
            submitted=ballot.juror in ballots,
            receipt=ballot.receipt if ballot.juror in ballots else None,
            ballot_scores=scored[ballot.juror],
            expected=len(applications) - conflicted[ballot.juror],
            mean=juror_mean,
            sd=juror_sd,
            normalised=note == "normalised",
            note=note,
        )
    return tuple(rows.values())
