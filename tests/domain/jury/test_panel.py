"""Rules the back office and the ballot pages read from the domain, on SQLite and PostgreSQL: the
round a juror's pages show, one juror's page, and a conflict or a reopening chosen by id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from prize.domain.errors import DomainError, NotFound
from prize.domain.jury import ballots, conflicts, panel, scoring
from prize.domain.shared import audit
from prize.models import Ballot, BallotStatus, Conflict, Edition, EditionState, Juror, Round
from tests import jury_factories
from tests.jury_factories import FINAL_CLOSES, NOW, SHORTLIST_CLOSES


def test_phase_is_the_open_round_then_the_states_round_read_only():
    edition = Edition(
        year=2027,
        title_en="Prize",
        opens_at=NOW - timedelta(days=300),
        deadline=NOW - timedelta(days=100),
        shortlist_closes_at=SHORTLIST_CLOSES,
        final_closes_at=FINAL_CLOSES,
        state=EditionState.shortlisting,
    )
    assert ballots.phase(edition, NOW) == (Round.shortlist, True)
    assert ballots.phase(edition, SHORTLIST_CLOSES) == (Round.shortlist, False)
    edition.state = EditionState.final
    assert ballots.phase(edition, NOW) == (Round.final, True)
    assert ballots.phase(edition, FINAL_CLOSES) == (Round.final, False)
    edition.state = EditionState.decided
    assert ballots.phase(edition, NOW) == (None, False)


def test_juror_page_names_whom_the_juror_replaced_and_who_replaced_them(db):
    made = jury_factories.make(db)
    with db.write() as session:
        old = jury_factories.juror(session=session, edition=made.edition, first_name="Lena")
        new = jury_factories.juror(
            session=session, edition=made.edition, first_name="Mira", replaces_id=old.id
        )
    with db.read() as session:
        page_of_old = panel.juror_page(
            session=session, juror=session.get_one(Juror, old.id), now=NOW
        )
        page_of_new = panel.juror_page(
            session=session, juror=session.get_one(Juror, new.id), now=NOW
        )
    assert page_of_old.replaced_by is not None and page_of_old.replaced_by.first_name == "Mira"
    assert page_of_old.replaces is None
    assert page_of_new.replaces is not None and page_of_new.replaces.first_name == "Lena"
    assert page_of_new.replaced_by is None
    assert page_of_old.row.juror.id == old.id
    assert page_of_old.open_round is Round.shortlist
    assert [a.id for a, _ in page_of_old.candidates] == [a.id for a in made.applications]
    assert [c.title for _, c in page_of_old.candidates if c] == [
        jury_factories.TITLES[i] for i in range(len(made.applications))
    ]


def test_a_conflict_with_no_project_chosen_is_refused_and_nothing_is_stored(db):
    made = jury_factories.make(db)
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition)
    for chosen in (None, 999_999):
        with pytest.raises(DomainError) as refused, db.write() as session:
            conflicts.record_conflict_by_id(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                juror=session.get_one(Juror, juror.id),
                application_id=chosen,
                reason="Works there",
            )
        assert (refused.value.field, str(refused.value)) == ("application", "Choose a project.")
    with db.read() as session:
        assert session.exec(select(Conflict)).all() == []


def test_a_conflict_chosen_by_id_is_recorded(db):
    made = jury_factories.make(db)
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition)
        conflicts.record_conflict_by_id(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            application_id=made.applications[1].id,
            reason="Works there",
        )
    with db.read() as session:
        stored = session.exec(select(Conflict)).one()
    assert (stored.juror_id, stored.application_id) == (juror.id, made.applications[1].id)


def _submitted_ballot(db, made):
    with db.write() as session:
        juror = jury_factories.juror(session=session, edition=made.edition, onboarded=True)
    with db.write() as session:
        for app in made.applications:
            scoring.save_entry(
                session=session,
                juror=session.get_one(Juror, juror.id),
                now=NOW,
                application_id=app.id,
                scores={c.id: 4 for c in made.criteria},
            )
        scoring.submit(session=session, juror=session.get_one(Juror, juror.id), now=NOW)
    with db.read() as session:
        return juror, session.exec(select(Ballot).where(Ballot.juror_id == juror.id)).one()


def test_reopening_another_jurors_ballot_by_id_is_no_such_ballot(db):
    made = jury_factories.make(db)
    _, ballot = _submitted_ballot(db, made)
    with db.write() as session:
        other = jury_factories.juror(session=session, edition=made.edition)
    for chosen in (ballot.id, None, 999_999):
        with pytest.raises(NotFound) as refused, db.write() as session:
            scoring.reopen_by_id(
                session=session,
                actor=audit.SYSTEM,
                now=NOW,
                juror=session.get_one(Juror, other.id),
                ballot_id=chosen,
                reason="Typo",
            )
        assert str(refused.value) == "There is no such ballot."
    with db.read() as session:
        assert session.get_one(Ballot, ballot.id).status is BallotStatus.submitted


def test_reopening_the_jurors_own_ballot_by_id_reopens_it(db):
    made = jury_factories.make(db)
    juror, ballot = _submitted_ballot(db, made)
    with pytest.raises(DomainError) as refused, db.write() as session:
        scoring.reopen_by_id(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            ballot_id=ballot.id,
            reason=" ",
        )
    assert (refused.value.field, str(refused.value)) == (
        "reason",
        "Give a reason for reopening the ballot.",
    )
    with db.write() as session:
        scoring.reopen_by_id(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            ballot_id=ballot.id,
            reason="Typo",
        )
    with db.read() as session:
        assert session.get_one(Ballot, ballot.id).status is BallotStatus.draft
