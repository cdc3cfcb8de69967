"""What a juror's ballot shows them before they submit: each project's state, their weighted
score (as the tally counts a ballot score), their own ranking, what is still missing, the
neighbours of a project, how much more a criterion counts, and their conflicts."""

from __future__ import annotations

from prize.domain.jury import ballots, conflicts
from prize.models import Criterion, Edition, Juror, Round
from tests import jury_factories


def _setup(db, weights=(1.0, 2.0)):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session, applications=4)
        for criterion, weight in zip(made.criteria, weights, strict=True):
            row = session.get_one(Criterion, criterion.id)
            row.weight = weight
            session.add(row)
        made.jurors.append(
            jury_factories.juror(session=session, edition=made.edition, onboarded=True)
        )
    return made


def _save(db, clock, made, app, **kwargs):
    jury_factories.save_entry(db, clock(), made, app, **kwargs)


def _view(db, made) -> ballots.BallotView:
    with db.read() as session:
        return ballots.ballot_view(
            session=session,
            juror=session.get_one(Juror, made.jurors[0].id),
            edition=session.get_one(Edition, made.edition.id),
            round_=Round.shortlist,
        )


def _marks(made, first, second):
    return {made.criteria[0].id: first, made.criteria[1].id: second}


def test_states_scores_ranking_and_what_is_missing(db, clock):
    made = _setup(db)
    _save(db, clock, made, 0, scores=_marks(made, 4, 7))  # (4 + 14) / 3 = 6
    _save(db, clock, made, 1, scores=_marks(made, 9, 6))  # (9 + 12) / 3 = 7
    _save(db, clock, made, 2, scores={made.criteria[0].id: 8}, comment="Strong start")
    view = _view(db, made)
    items = view.items
    assert [i.state for i in items] == ["scored", "scored", "partly", "not_started"]
    assert [view.score_of(i) for i in items] == [6.0, 7.0, None, None]
    refs = [i.application.reference for i in items]
    assert view.ranking() == {refs[1]: 1, refs[0]: 2}
    assert [c.id for c in view.missing(items[2])] == [made.criteria[1].id]
    assert items[2].saved_at == clock()


def test_equal_weighted_scores_share_a_place(db, clock):
    made = _setup(db)
    _save(db, clock, made, 0, scores=_marks(made, 6, 6))
    _save(db, clock, made, 1, scores=_marks(made, 8, 5))  # (8 + 10) / 3 = 6
    _save(db, clock, made, 2, scores=_marks(made, 9, 9))
    view = _view(db, made)
    refs = [i.application.reference for i in view.items]
    assert view.ranking() == {refs[2]: 1, refs[0]: 2, refs[1]: 2}


def test_an_abstention_with_its_reason_is_done_without_a_score_or_a_place(db, clock):
    made = _setup(db)
    _save(db, clock, made, 0, scores=_marks(made, 5, 5))
    _save(db, clock, made, 0, abstain=True, abstain_reason="I know the team")
    view = _view(db, made)
    first = view.items[0]
    assert (first.state, first.complete, view.score_of(first)) == ("abstained", True, None)
    assert view.ranking() == {}
    assert view.missing(first) == []


def test_previous_and_next_follow_the_list(db, clock):
    made = _setup(db)
    view = _view(db, made)
    refs = [i.application.reference for i in view.items]
    assert view.neighbours(refs[0]) == (None, view.items[1])
    assert view.neighbours(refs[2]) == (view.items[1], view.items[3])
    assert view.neighbours(refs[3]) == (view.items[2], None)


def test_a_criterion_counts_relative_to_the_lightest_and_equal_weights_say_nothing(db):
    view = _view(db, _setup(db, weights=(1.0, 2.0)))
    assert [view.relative_weight(c) for c in view.criteria] == [1.0, 2.0]
    view = _view(db, _setup_equal(db))
    assert [view.relative_weight(c) for c in view.criteria] == [None, None]


def _setup_equal(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session, year=2028, applications=1)
        made.jurors.append(
            jury_factories.juror(session=session, edition=made.edition, onboarded=True)
        )
    return made


def test_conflicted_projects_are_listed_apart_with_their_titles(db, clock):
    made = _setup(db)
    with db.write() as session:
        conflicts.declare_conflicts(
            session=session,
            juror=session.get_one(Juror, made.jurors[0].id),
            edition=session.get_one(Edition, made.edition.id),
            now=clock(),
            declarations={made.applications[1].id: "My cousin runs it"},
            none=False,
        )
    with db.read() as session:
        listed = ballots.conflicted_titles(
            session=session,
            edition=session.get_one(Edition, made.edition.id),
            round_=Round.shortlist,
            juror=session.get_one(Juror, made.jurors[0].id),
        )
    assert [(a.id, bool(title)) for a, title in listed] == [(made.applications[1].id, True)]
    assert made.applications[1].reference not in [
        i.application.reference for i in _view(db, made).items
    ]
