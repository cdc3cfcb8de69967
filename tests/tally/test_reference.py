"""``prize.tally`` against the reference tally of tests/tally_reference.py, written from the
definition alone: on any round (hypothesis) they agree on every score, median, spread and ballot
count, on who is normalised, and on the ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prize import tally as t
from tests.jurykit import ROUND1, ROUND1_SCORES, ROUND2, ROUND2_SCORES
from tests.tally_reference import Reference, reference_tally

# Agreement far inside the 4 decimals the tally compares: only the floats' rounding is left.
CLOSE = 1e-9

SCALES = st.sampled_from([(0, 10), (1, 5), (1, 3), (0, 2), (0, 100)])  # small: more ties
WEIGHTS = st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.0, 4.0])


@st.composite
def rounds(draw: st.DrawFn, ties: bool = False) -> t.TallyInput:
    """A round: 1-9 jurors (some only with a draft), 1-12 applications, 1-4 weighted criteria,
    integer scores on the scale, and entries left out, unfinished, abstained or conflicted.
    With ``ties``: one criterion, a scale of three values and no normalisation, so that many
    scores are equal and the tie-breaks decide."""
    jurors = range(1, draw(st.integers(1, 9)) + 1)
    apps = range(101, 101 + draw(st.integers(1, 12)))
    low, high = (1, 3) if ties else draw(SCALES)
    n_criteria = 1 if ties else draw(st.integers(1, 4))
    criteria = [t.Criterion(c, draw(WEIGHTS)) for c in range(1, n_criteria + 1)]
    kinds = st.sampled_from(["score"] * 6 + ["none", "unfinished", "abstain", "conflict"])
    value = st.integers(low, high)
    scores: list[t.ScoreRow] = []
    conflicts: list[tuple[int, int]] = []
    abstentions: list[tuple[int, int]] = []
    for j in jurors:
        for a in apps:
            kind = draw(kinds)
            if kind in ("score", "conflict"):  # a conflicted juror's stray scores never count
                scores += [t.ScoreRow(j, a, c.id, draw(value)) for c in criteria]
            elif kind == "unfinished":
                scores += [t.ScoreRow(j, a, c.id, draw(value)) for c in criteria[1:]]
            if kind == "conflict":
                conflicts.append((j, a))
            elif kind == "abstain":
                abstentions.append((j, a))
    ballots = [t.Ballot(j, draw(st.integers(0, 4)) > 0, f"R{j}") for j in jurors]
    params = t.Params(
        round=draw(st.sampled_from(t.ROUNDS)),
        scale_min=low,
        scale_max=high,
        normalise=not ties and draw(st.integers(0, 3)) > 0,
        quorum=draw(st.integers(1, 3)),
    )
    return t.TallyInput(params, list(apps), criteria, ballots, scores, abstentions, conflicts)


def close(code: float | None, reference: Decimal | None) -> bool:
    if code is None or reference is None:
        return code is None and reference is None
    return abs(Decimal(code) - reference) < CLOSE


def assert_agree(result: t.TallyResult, reference: Reference) -> None:
    """Every figure agrees; and where the reference ranks one application above another, so
    does the tally (a tie that survives is shared, flagged, and its order is no promise)."""
    assert close(result.round_mean, reference.round_mean)
    assert close(result.round_sd, reference.round_sd)
    assert {j.juror for j in result.jurors if j.normalised} == reference.normalised
    assert {e.application for e in result.ranking} == set(reference.applications)
    for entry in result.ranking:
        ref = reference.applications[entry.application]
        assert entry.ballots == ref.ballots, entry.application
        assert close(entry.score, ref.score), (entry.application, entry.score, ref.score)
        assert close(entry.median, ref.median), (entry.application, entry.median, ref.median)
        assert close(entry.spread, ref.spread), (entry.application, entry.spread, ref.spread)
        assert entry.top_count == ref.tops, entry.application
        for ballot in entry.ballot_scores:
            assert ballot.raw == pytest.approx(float(ref.raw[ballot.juror]), abs=CLOSE)
            assert close(ballot.score, ref.scores[ballot.juror]), (entry.application, ballot)
    ranked = reference.ranked()
    # Applications without any ballot score come after every scored one.
    order = [e.application for e in result.ranking]
    assert {a.application for a in ranked} == set(order[: len(ranked)])
    if any(a.ambiguous for a in ranked):
        return  # a figure on a rounding boundary: which way it rounds is the float's last bit
    position = {app: i for i, app in enumerate(order)}
    for better in ranked:
        for worse in ranked:
            if better.key > worse.key:
                assert position[better.application] < position[worse.application], (
                    better,
                    worse,
                )
    by_app = {e.application: e for e in result.ranking}
    for a in ranked:
        assert by_app[a.application].rank == reference.rank(a.application)
    tied = {a.application for a in ranked if t.TIE in by_app[a.application].flags}
    assert tied == reference.tied()


@settings(max_examples=200, deadline=None)
@given(rounds())
def test_the_tally_agrees_with_the_reference_on_any_round(data: t.TallyInput) -> None:
    assert_agree(t.tally(data), reference_tally(data))


@settings(max_examples=100, deadline=None)
@given(rounds(ties=True))
def test_the_tally_breaks_ties_as_the_reference_does(data: t.TallyInput) -> None:
    assert_agree(t.tally(data), reference_tally(data))


# ----------------------------------------------------------------- the reference, checked by hand


def kit_round(marks: dict[int, dict[int, object]], round_: str, apps: int) -> t.TallyInput:
    """A round of tests/jurykit.py as the tally reads it: juror number j is juror j, application
    number a is application a, and each mark is given on two criteria of unequal weights (the
    same mark on each gives that mark as the ballot score, whatever the weights)."""
    scores, conflicts, abstentions = [], [], []
    for j, row in marks.items():
        for a, mark in row.items():
            if mark == "conflict":
                conflicts.append((j, a))
            elif mark == "abstain":
                abstentions.append((j, a))
            else:
                scores += [t.ScoreRow(j, a, c, mark) for c in (1, 2)]
    return t.TallyInput(
        params=t.Params(round=round_, shortlist_size=3),
        applications=list(range(apps)),
        criteria=[t.Criterion(1), t.Criterion(2, 2.0)],
        ballots=[t.Ballot(j, True) for j in marks],
        scores=scores,
        abstentions=abstentions,
        conflicts=conflicts,
    )


def test_the_reference_gives_the_jury_kits_final_round_as_worked_out_by_hand() -> None:
    """tests/jurykit.py ROUND2. By hand: the round's 12 scores have mean 83/12 = 6.91667 and
    population sd 1.84654; juror 0 gave A-D 6 9 7 5 (mean 6.75, sd 1.47902), juror 1 7 10 8 5
    (7.5, 1.80278), juror 2 5 8 9 4 (6.5, 2.06155). B's ballot scores 9, 10, 8 have
    z = 1.52128, 1.38675, 0.72761 and become 6.91667 + z * 1.84654 = 9.72577, 9.47736, 8.26022:
    mean 9.15445, median 9.47736."""
    data = kit_round(ROUND2, t.FINAL, 4)
    reference = reference_tally(data)
    b = reference.applications[1]
    assert b.score is not None and b.median is not None and b.spread is not None
    assert (round(b.score, 4), round(b.median, 4), round(b.spread, 4)) == (
        Decimal("9.1545"),
        Decimal("9.4774"),
        Decimal("0.6404"),
    )
    assert [a.application for a in reference.ranked()] == [1, 2, 0, 3]  # B C A D
    assert_agree(t.tally(data), reference)


@pytest.mark.parametrize(
    ("marks", "round_", "apps", "pinned"),
    [(ROUND1, t.SHORTLIST, 9, ROUND1_SCORES), (ROUND2, t.FINAL, 4, ROUND2_SCORES)],
    ids=["shortlist", "final"],
)
def test_the_jury_kits_pinned_scores_are_the_references(
    marks: dict[int, dict[int, object]], round_: str, apps: int, pinned: dict[int, float]
) -> None:
    """The figures tests/jurykit.py pins (and the tests of pages, command line and published
    results compare with) are the reference's, and the tally's."""
    data = kit_round(marks, round_, apps)
    reference = reference_tally(data)
    assert {a: round(r.score, 4) for a, r in reference.applications.items()} == {
        a: Decimal(str(score)) for a, score in pinned.items()
    }
    assert_agree(t.tally(data), reference)


def test_the_reference_breaks_ties_as_the_definition_says() -> None:
    """Means 6 and 6, medians 6 and 6 (no normalisation); 11 is the highest score of two jurors,
    10 of one: 11 first. 12 and 13 get the same scores from the same jurors: a surviving tie."""
    marks = {
        1: {10: 8, 11: 5, 12: 1, 13: 1},
        2: {10: 6, 11: 7, 12: 1, 13: 1},
        3: {10: 4, 11: 6, 12: 1, 13: 1},
        4: {10: 6, 11: 6, 12: 9, 13: 9},
    }
    data = t.TallyInput(
        params=t.Params(normalise=False, quorum=1),
        applications=[10, 11, 12, 13],
        criteria=[t.Criterion(1)],
        ballots=[t.Ballot(j, True) for j in marks],
        scores=[t.ScoreRow(j, a, 1, v) for j, row in marks.items() for a, v in row.items()],
    )
    reference = reference_tally(data)
    assert [(a.application, a.key) for a in reference.ranked()][:2] == [
        (11, (Decimal(6), Decimal(6), 2)),
        (10, (Decimal(6), Decimal(6), 1)),
    ]
    assert reference.tied() == {12, 13}
    assert (reference.rank(12), reference.rank(13)) == (3, 3)
    assert_agree(t.tally(data), reference)
