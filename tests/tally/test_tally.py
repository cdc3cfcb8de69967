"""The tally, step by step, on small examples worked out by hand (docs/design.md, "The tally")."""

from __future__ import annotations

import hashlib
import json

import pytest

from prize import tally as t


def rows(table: dict[int, dict[int, list[float]]]) -> list[t.ScoreRow]:
    """{juror: {application: [value per criterion 1..n]}} as score rows."""
    return [
        t.ScoreRow(juror=j, application=a, criterion=c, value=v)
        for j, apps in table.items()
        for a, values in apps.items()
        for c, v in enumerate(values, start=1)
    ]


def data(
    table: dict[int, dict[int, list[float]]],
    *,
    applications: list[int] | None = None,
    weights: tuple[float, ...] = (1.0,),
    drafts: tuple[int, ...] = (),
    conflicts: tuple[tuple[int, int], ...] = (),
    abstentions: tuple[tuple[int, int], ...] = (),
    **params: object,
) -> t.TallyInput:
    jurors = sorted(set(table) | set(drafts))
    apps = applications or sorted({a for apps in table.values() for a in apps})
    return t.TallyInput(
        params=t.Params(**params),
        applications=apps,
        criteria=[t.Criterion(id=i, weight=w) for i, w in enumerate(weights, start=1)],
        ballots=[
            t.Ballot(
                juror=j, submitted=j not in drafts, receipt=f"R{j}" if j not in drafts else None
            )
            for j in jurors
        ],
        scores=rows(table),
        conflicts=conflicts,
        abstentions=abstentions,
    )


def test_ballot_score_is_the_weighted_mean_with_weights_normalised_to_one() -> None:
    result = t.tally(data({1: {10: [6, 9]}}, weights=(1.0, 2.0), quorum=1, normalise=False))
    (entry,) = result.ranking
    assert entry.ballot_scores[0].raw == pytest.approx(8.0)  # (6*1 + 9*2) / 3
    assert result.weights == ((1, pytest.approx(1 / 3)), (2, pytest.approx(2 / 3)))


def test_equal_criterion_scores_give_exactly_that_ballot_score() -> None:
    result = t.tally(data({1: {10: [7, 7, 7]}}, weights=(1.0, 1.0, 1.0), normalise=False))
    assert result.ranking[0].ballot_scores[0].raw == 7.0


def test_application_score_is_mean_with_median_spread_and_ballot_count() -> None:
    table = {1: {10: [4]}, 2: {10: [6]}, 3: {10: [8]}, 4: {10: [10]}}
    (entry,) = t.tally(data(table, normalise=False)).ranking
    assert (entry.score, entry.median, entry.ballots) == (7.0, 7.0, 4)
    assert entry.spread == pytest.approx(5**0.5)  # population sd of 4, 6, 8, 10


def test_conflict_and_abstention_give_no_ballot_score_never_a_zero() -> None:
    table = {1: {10: [8]}, 2: {10: [6]}, 3: {10: [0]}, 4: {10: [0]}}
    result = t.tally(
        data(table, conflicts=((3, 10),), abstentions=((4, 10),), normalise=False, quorum=2)
    )
    (entry,) = result.ranking
    assert entry.score == 7.0
    assert entry.ballots == 2
    assert entry.no_score == ((3, t.CONFLICT), (4, t.ABSTAINED))


def test_draft_ballots_do_not_count_but_show_as_progress() -> None:
    table = {1: {10: [8]}, 2: {10: [2]}}
    result = t.tally(data(table, drafts=(2,), normalise=False, quorum=1))
    assert result.ranking[0].score == 8.0
    assert result.counted_ballots == 1
    assert [(j.juror, j.submitted) for j in result.jurors] == [(1, True), (2, False)]
    assert result.receipt_counted("R1") and not result.receipt_counted("R2")


def test_incomplete_entry_gives_no_ballot_score() -> None:
    table = {1: {10: [8, 8]}, 2: {10: [6, 6]}}
    d = data(table, weights=(1.0, 1.0), normalise=False, quorum=1)
    d = t.TallyInput(
        **{**d.__dict__, "scores": [s for s in d.scores if (s.juror, s.criterion) != (2, 2)]}
    )
    (entry,) = t.tally(d).ranking
    assert (entry.score, entry.no_score) == (8.0, ((2, t.INCOMPLETE),))


def test_normalisation_maps_each_juror_onto_the_round_mean_and_deviation() -> None:
    # Juror 1 is strict (1, 2, 3), juror 2 generous (7, 8, 9): after normalisation they agree.
    table = {1: {10: [1], 11: [2], 12: [3]}, 2: {10: [7], 11: [8], 12: [9]}}
    result = t.tally(data(table, quorum=2))
    assert result.round_mean == pytest.approx(5.0)
    by_app = {e.application: e for e in result.ranking}
    for app in (10, 11, 12):
        a, b = (bs.score for bs in by_app[app].ballot_scores)
        assert a == pytest.approx(b)
    assert all(j.note == "normalised" for j in result.jurors)
    # By hand: the round's scores 1 2 3 7 8 9 have mean 5 and population sd sqrt(58/6); juror 1's
    # 1 2 3 have mean 2 and sd sqrt(2/3), so their 1 sits at z = -sqrt(3/2) and becomes
    # 5 - sqrt(3/2) * sqrt(58/6) = 5 - sqrt(14.5) = 1.19211 (juror 2's 7 likewise).
    assert result.round_sd == pytest.approx(3.1091264)
    assert by_app[10].score == pytest.approx(5 - 14.5**0.5) == pytest.approx(1.1921134)
    assert by_app[12].score == pytest.approx(5 + 14.5**0.5)


def test_normalised_scores_are_clamped_to_the_scale() -> None:
    table = {
        1: {10: [0], 11: [0], 12: [0], 13: [10]},
        2: {10: [5], 11: [5], 12: [6], 13: [6]},
    }
    result = t.tally(data(table, quorum=1))
    assert all(0 <= b.score <= 10 for e in result.ranking for b in e.ballot_scores)
    assert len(result.ranking) == 4
    # One lone 10 among a juror's zeros, and a juror's zeros in a spread-out round, land past
    # each end of the scale before the clamp: both ends are cut to the scale exactly.
    extreme = {
        1: {10: [0], 11: [0], 12: [0], 13: [0], 14: [0], 15: [10]},
        2: {10: [0], 11: [10], 12: [0], 13: [10], 14: [0], 15: [10]},
    }
    cut = [b.score for e in t.tally(data(extreme, quorum=1)).ranking for b in e.ballot_scores]
    assert len(cut) == 12
    assert (min(cut), max(cut)) == (0.0, 10.0)


def test_juror_with_fewer_than_three_scores_or_no_variance_is_left_unnormalised() -> None:
    table = {
        1: {10: [2], 11: [9]},  # two scores only
        2: {10: [5], 11: [5], 12: [5]},  # no variance
        3: {10: [1], 11: [5], 12: [9]},
    }
    result = t.tally(data(table, quorum=1))
    notes = {j.juror: j.note for j in result.jurors}
    assert notes == {1: "too_few", 2: "no_variance", 3: "normalised"}
    by_app = {e.application: e for e in result.ranking}
    assert [b.score for b in by_app[10].ballot_scores if b.juror in (1, 2)] == [2.0, 5.0]


def test_normalisation_off_uses_ballot_scores_as_given() -> None:
    table = {1: {10: [1], 11: [2], 12: [3]}, 2: {10: [7], 11: [8], 12: [9]}}
    result = t.tally(data(table, quorum=2, normalise=False))
    assert [(e.application, e.score) for e in result.ranking] == [(12, 6.0), (11, 5.0), (10, 4.0)]
    assert result.steps[3].english.startswith("Normalisation is off")


def test_below_quorum_is_ranked_flagged_and_never_proposed() -> None:
    table = {1: {10: [9], 11: [6]}, 2: {11: [6]}, 3: {11: [6]}}
    result = t.tally(data(table, quorum=3, normalise=False, shortlist_size=1))
    first, second = result.ranking
    assert (first.application, first.flags, first.proposed) == (10, ("below_quorum",), "")
    assert (second.application, second.flags, second.proposed) == (11, (), "shortlist")
    assert result.proposal.selected == (11,)


def test_tie_broken_by_the_higher_median() -> None:
    table = {1: {10: [9], 11: [5]}, 2: {10: [1], 11: [6]}, 3: {10: [8], 11: [7]}}
    result = t.tally(data(table, normalise=False, quorum=1))
    # means 6 and 6; medians 8 and 6
    assert [(e.application, e.rank, e.tie_break) for e in result.ranking] == [
        (10, 1, "median"),
        (11, 2, "median"),
    ]


def test_tie_broken_by_more_ballots_with_the_jurors_highest_score() -> None:
    # Means 6 and 6, medians 6 and 6; application 11 is the top score of two jurors, 10 of one.
    table = {
        1: {10: [8], 11: [5], 12: [1]},
        2: {10: [6], 11: [7], 12: [1]},
        3: {10: [4], 11: [6], 12: [1]},
        4: {10: [6], 11: [6], 12: [9]},
    }
    result = t.tally(data(table, normalise=False, quorum=1))
    top = {e.application: e for e in result.ranking}
    assert (top[10].score, top[10].median) == (top[11].score, top[11].median) == (6.0, 6.0)
    assert (top[11].top_count, top[10].top_count) == (2, 1)
    assert [e.application for e in result.ranking][:2] == [11, 10]
    assert top[11].tie_break == "top_scores"


def test_surviving_tie_is_flagged_and_shares_the_rank() -> None:
    table = {
        1: {10: [8], 11: [6], 12: [2]},
        2: {10: [6], 11: [8], 12: [2]},
        3: {10: [5], 11: [5], 12: [5]},
    }
    result = t.tally(data(table, normalise=False, quorum=1))
    a, b, c = result.ranking
    assert (a.rank, b.rank, c.rank) == (1, 1, 3)
    assert a.flags == b.flags == ("tie",)
    assert c.flags == ()
    assert "ties left for the secretariat: 1" in result.steps[6].english


def test_tie_at_the_shortlist_cut_is_flagged_and_left_open() -> None:
    table = {
        1: {10: [9], 11: [8], 12: [6], 13: [1]},
        2: {10: [9], 11: [6], 12: [8], 13: [1]},
        3: {10: [9], 11: [7], 12: [7], 13: [1]},
    }
    result = t.tally(data(table, normalise=False, quorum=1, shortlist_size=2))
    assert result.proposal.selected == (10,)
    assert result.proposal.open_places == 1
    assert result.proposal.tied_at_cut == (11, 12)
    flags = {e.application: e.flags for e in result.ranking}
    assert flags == {10: (), 11: ("tie", "tie_at_cut"), 12: ("tie", "tie_at_cut"), 13: ()}


def test_tie_inside_the_cut_is_flagged_but_both_are_proposed() -> None:
    table = {1: {10: [8], 11: [6], 12: [1]}, 2: {10: [6], 11: [8], 12: [1]}}
    result = t.tally(data(table, normalise=False, quorum=1, shortlist_size=2))
    assert result.proposal.selected == (10, 11)
    assert result.proposal.tied_at_cut == ()


def test_final_round_proposes_three_winners_and_the_rest_nominated() -> None:
    table = {j: {a: [a - 9 + (j % 2)] for a in range(10, 17)} for j in (1, 2, 3)}
    result = t.tally(data(table, round="final", normalise=False))
    assert result.proposal.selected == (16, 15, 14)
    assert result.proposal.nominated == (13, 12, 11, 10)
    assert {e.proposed for e in result.ranking} == {"winner", "nominated"}


def test_tie_at_third_place_leaves_that_place_to_the_secretariat() -> None:
    table = {1: {1: [9], 2: [8], 3: [7], 4: [6]}, 2: {1: [9], 2: [8], 3: [6], 4: [7]}}
    result = t.tally(data(table, round="final", normalise=False, quorum=1))
    assert result.proposal.selected == (1, 2)
    assert result.proposal.tied_at_cut == (3, 4)
    assert result.proposal.nominated == ()  # the tied two are left to the secretariat too
    assert result.proposal.open_places == 1


def test_final_round_never_proposes_a_project_below_quorum_even_as_nominated() -> None:
    table = {1: {1: [9], 2: [8], 3: [7], 4: [6], 5: [5]}, 2: {1: [9], 2: [8], 3: [7], 4: [6]}}
    result = t.tally(data(table, round="final", normalise=False, quorum=2))
    assert result.proposal.selected == (1, 2, 3)
    assert result.proposal.nominated == (4,)
    [five] = [e for e in result.ranking if e.application == 5]
    assert "below_quorum" in five.flags


def test_scores_are_compared_after_rounding_to_four_decimals() -> None:
    table = {1: {10: [7.00001], 11: [7.0]}, 2: {10: [7.0], 11: [7.0]}}
    result = t.tally(data(table, normalise=False, quorum=1))
    assert all("tie" in e.flags for e in result.ranking)


def test_digest_is_sha256_of_the_canonical_json_of_counted_ballots() -> None:
    d = data({1: {10: [8]}, 2: {10: [6]}}, drafts=(2,), normalise=False)
    expected = {
        "ballots": [
            {
                "abstentions": [],
                "conflicts": [],
                "juror": 1,
                "receipt": "R1",
                "scores": [{"application": 10, "criterion": 1, "value": 8}],
            }
        ],
        "round": "shortlist",
    }
    canonical = json.dumps(expected, sort_keys=True, separators=(",", ":"))
    assert t.canonical_ballots(d) == canonical
    assert t.tally(d).digest == hashlib.sha256(canonical.encode()).hexdigest()


def test_digest_changes_when_a_counted_score_changes() -> None:
    one = t.tally(data({1: {10: [8]}})).digest
    two = t.tally(data({1: {10: [7]}})).digest
    assert one != two


def test_receipt_check_ignores_spaces_and_refuses_empty() -> None:
    result = t.tally(data({1: {10: [8]}}))
    assert result.receipt_counted(" R 1 ")
    assert not result.receipt_counted("")
    assert not result.receipt_counted("R9")


def test_receipt_check_reads_the_digits_0_and_1_as_the_letters_o_and_i() -> None:
    """A code is base32 (no 0 or 1): typed from a phone's screen, O and I are often 0 and 1."""
    assert t.receipt_key(" fsg4-0f62 ra ") == "FSG4OF62RA"
    assert t.receipt_in("FSG40F62RA", ["FSG4OF62RA"])
    assert t.receipt_in("6p0gg5a75k", ["6POGG5A75K"])
    assert not t.receipt_in("FSG4OF62RB", ["FSG4OF62RA"])


def test_every_step_is_explained_in_plain_english() -> None:
    result = t.tally(data({1: {10: [8], 11: [5], 12: [2]}, 2: {10: [7], 11: [6], 12: [3]}}))
    assert [s.key for s in result.steps] == [
        "ballots",
        "ballot_scores",
        "no_score",
        "normalisation",
        "application_scores",
        "quorum",
        "ranking",
        "proposal",
        "digest",
    ]
    assert result.steps[0].english == (
        "Ballots submitted for this round: 2 of 2. Only submitted ballots are counted; drafts "
        "show as progress only."
    )
    assert result.digest in result.steps[-1].english


def test_an_application_without_any_ballot_is_last_and_below_quorum() -> None:
    result = t.tally(data({1: {10: [8]}}, applications=[10, 11], quorum=1))
    last = result.ranking[-1]
    assert (last.application, last.score, last.ballots, last.flags) == (
        11,
        None,
        0,
        ("below_quorum",),
    )


def test_duplicate_score_rows_are_refused() -> None:
    d = data({1: {10: [8]}})
    d = t.TallyInput(**{**d.__dict__, "scores": [*d.scores, *d.scores]})
    with pytest.raises(ValueError, match="duplicate"):
        t.tally(d)


def test_the_tally_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    round_ = data({1: {1: [7.0], 2: [5.0]}, 2: {1: [6.0], 2: [4.0]}})
    assert gc.isenabled()
    try:
        t.tally(round_)
        assert gc.isenabled()
        gc.disable()
        t.tally(round_)
        assert not gc.isenabled()
    finally:
        gc.enable()
