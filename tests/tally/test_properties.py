"""Properties of the tally that hold for any ballots (hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from prize import tally as t

JURORS = st.lists(st.integers(1, 50), min_size=1, max_size=6, unique=True)
APPS = st.lists(st.integers(100, 140), min_size=1, max_size=8, unique=True)


@st.composite
def tallies(draw: st.DrawFn, normalise: bool | None = None) -> t.TallyInput:
    jurors = draw(JURORS)
    apps = draw(APPS)
    n_criteria = draw(st.integers(1, 3))
    criteria = [
        t.Criterion(id=i, weight=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])))
        for i in range(1, n_criteria + 1)
    ]
    conflicts, abstentions, scores = [], [], []
    for j in jurors:
        for a in apps:
            kind = draw(st.sampled_from(["score", "score", "score", "conflict", "abstain", "none"]))
            if kind == "conflict":
                conflicts.append((j, a))
            elif kind == "abstain":
                abstentions.append((j, a))
            if kind in ("score", "conflict"):  # a conflicted juror's stray rows never count
                scores += [t.ScoreRow(j, a, c.id, draw(st.integers(0, 10))) for c in criteria]
    ballots = [
        t.Ballot(juror=j, submitted=draw(st.booleans()) or j == jurors[0], receipt=f"R-{j}")
        for j in jurors
    ]
    params = t.Params(
        round=draw(st.sampled_from(t.ROUNDS)),
        normalise=draw(st.booleans()) if normalise is None else normalise,
        quorum=draw(st.integers(1, 3)),
        shortlist_size=draw(st.integers(1, 5)),
    )
    return t.TallyInput(params, apps, criteria, ballots, scores, abstentions, conflicts)


def shuffled(data: t.TallyInput, seed: int) -> t.TallyInput:
    rng = random.Random(seed)

    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return items

    return t.TallyInput(
        data.params,
        mix(data.applications),
        mix(data.criteria),
        mix(data.ballots),
        mix(data.scores),
        mix(data.abstentions),
        mix(data.conflicts),
    )


@settings(max_examples=150, deadline=None)
@given(tallies(), st.integers(0, 10_000))
def test_result_does_not_depend_on_the_order_of_jurors_or_rows(
    data: t.TallyInput, seed: int
) -> None:
    assert t.tally(shuffled(data, seed)).to_dict() == t.tally(data).to_dict()


@settings(max_examples=100, deadline=None)
@given(tallies())
def test_same_input_gives_the_same_result(data: t.TallyInput) -> None:
    assert t.tally(data).to_dict() == t.tally(data).to_dict()
    assert t.tally(data).digest == t.digest(data)


@settings(max_examples=150, deadline=None)
@given(tallies(normalise=True))
def test_normalisation_keeps_each_jurors_order(data: t.TallyInput) -> None:
    result = t.tally(data)
    by_juror: dict[int, list[t.BallotScore]] = {}
    for entry in result.ranking:
        for b in entry.ballot_scores:
            by_juror.setdefault(b.juror, []).append(b)
    for scores in by_juror.values():
        for x in scores:
            for y in scores:
                if x.raw < y.raw:
                    assert x.score <= y.score
                assert data.params.scale_min <= x.score <= data.params.scale_max


@settings(max_examples=150, deadline=None)
@given(tallies(normalise=False))
def test_a_conflicted_jurors_absence_is_not_a_zero(data: t.TallyInput) -> None:
    result = t.tally(data)
    counted = {b.juror for b in data.ballots if b.submitted}
    conflicted = set(data.conflicts)
    for entry in result.ranking:
        assert all((b.juror, entry.application) not in conflicted for b in entry.ballot_scores)
        expected = len(
            {
                s.juror
                for s in data.scores
                if s.application == entry.application
                and s.juror in counted
                and (s.juror, s.application) not in conflicted
                and (s.juror, s.application) not in set(data.abstentions)
            }
        )
        assert entry.ballots == expected
        if entry.ballot_scores:
            lowest = min(b.raw for b in entry.ballot_scores)
            assert entry.score is not None and entry.score >= lowest - 1e-9


@settings(max_examples=100, deadline=None)
@given(tallies(normalise=False), st.data())
def test_declaring_a_conflict_removes_the_ballot_without_lowering_the_others(
    data: t.TallyInput, more: st.DataObject
) -> None:
    """Adding a conflict for a juror who scored an application: the score becomes the mean of
    the remaining ballots (not the mean with a zero)."""
    before = t.tally(data)
    scored = [(b.juror, e.application) for e in before.ranking for b in e.ballot_scores]
    if not scored:
        return
    juror, app = more.draw(st.sampled_from(sorted(scored)))
    after = t.tally(replace(data, conflicts=[*data.conflicts, (juror, app)]))
    old, new = before.entry(app), after.entry(app)
    assert old is not None and new is not None
    assert new.ballots == old.ballots - 1
    rest = [b.raw for b in old.ballot_scores if b.juror != juror]
    if rest:
        assert new.score == sum(rest) / len(rest) or abs(new.score - sum(rest) / len(rest)) < 1e-9
    else:
        assert new.score is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 100), min_size=2, max_size=8, unique=True),
    st.integers(1, 7),
    st.booleans(),
)
def test_unanimous_jurors_give_the_obvious_ranking(
    values: list[int], jurors: int, normalise: bool
) -> None:
    """Every juror gives application i the same score: the ranking is by that score."""
    apps = list(range(1, len(values) + 1))
    data = t.TallyInput(
        params=t.Params(normalise=normalise, quorum=1, shortlist_size=3, scale_max=10),
        applications=apps,
        criteria=[t.Criterion(1)],
        ballots=[t.Ballot(j, True, f"R{j}") for j in range(1, jurors + 1)],
        scores=[
            t.ScoreRow(j, a, 1, v / 10)
            for j in range(1, jurors + 1)
            for a, v in zip(apps, values, strict=True)
        ],
    )
    result = t.tally(data)
    obvious = [a for _, a in sorted(zip(values, apps, strict=True), reverse=True)]
    assert [e.application for e in result.ranking] == obvious
    assert [e.rank for e in result.ranking] == list(range(1, len(apps) + 1))
    assert result.proposal.selected == tuple(obvious[:3])
    assert all(e.flags == () for e in result.ranking)
