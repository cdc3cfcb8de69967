"""Refusals of the jury's domain, on SQLite and PostgreSQL: what the person is told, and that
nothing is stored: ballot links for a replaced juror, replacing with a minor, declaring
conflicts, reopening a ballot, a guardian's consent, a conflict across editions.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import col, select

from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import conflicts, jurors, scoring
from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.models import (
    Application,
    Ballot,
    BallotStatus,
    Juror,
)
from prize.models import Conflict as ConflictRow
from tests import factories, jury_factories
from tests.factories.shared import audit_count, outbox_count

NOW = jury_factories.NOW


# --------------------------------------------------------------------------- ballot links


def _replace(db, old: Juror, **data):
    with db.write() as session:
        return juror_links.replace(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            data=jury_factories.juror_data(**data),
            links=jury_factories.links(),
        )


def test_a_replaced_juror_gets_no_link(db):
    made = jury_factories.make(db)
    old = jury_factories.invite(db, jury_factories.add_juror(db, made, jury_factories.juror_data()))
    _replace(db, old, email="nina@example.org", first_name="Nina")
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        juror_links.reissue(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, old.id),
            links=jury_factories.links(),
        )
    assert str(refused.value) == "This juror was replaced: they can no longer get a link."
    assert outbox_count(db, "juror_link") == 0
    with db.read() as session:
        assert session.get_one(Juror, old.id).link_version == 2  # as the replacement left it


def test_replacing_with_a_minor_needs_the_guardians_consent(db):
    made = jury_factories.make(db)
    old = jury_factories.invite(db, jury_factories.add_juror(db, made, jury_factories.juror_data()))
    with pytest.raises(DomainError) as refused:
        _replace(db, old, email="young@example.org", birth_date=date(2012, 1, 1))
    assert str(refused.value) == (
        "This juror is under 18: give the guardian's name and the date of consent."
    )
    assert refused.value.field == "guardian_name"
    with db.read() as session:
        stored = list(session.exec(select(Juror).order_by(col(Juror.id))))
    assert [(j.email, j.active, j.revoked_at) for j in stored] == [
        ("lena.novak@example.org", True, None)
    ]
    assert outbox_count(db, "juror_invitation") == 1  # the first juror's only


# --------------------------------------------------------------------------- conflicts


def test_declaring_conflicts_and_none_at_once_is_refused(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session)
        juror = jury_factories.juror(session=session, edition=made.edition)
    with pytest.raises(DomainError) as refused, db.write() as session:
        conflicts.declare_conflicts(
            session=session,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            edition=made.edition,
            declarations={made.applications[0].id: "My cousin runs it"},
            none=True,
        )
    assert str(refused.value) == (
        "You chose projects and also said you have no conflict: choose one or the other."
    )
    assert refused.value.field == "none"
    with db.read() as session:
        assert session.get_one(Juror, juror.id).conflicts_declared_at is None
    assert audit_count(db, "juror.conflicts_declared") == 0


# --------------------------------------------------------------------------- reopening a ballot


def _juror_with_ballot(db, *, submit: bool):
    made = jury_factories.make(db)
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
        if submit:
            scoring.submit(session=session, juror=session.get_one(Juror, juror.id), now=NOW)
    with db.read() as session:
        return session.exec(select(Ballot).where(Ballot.juror_id == juror.id)).one()


def _reopen(db, ballot: Ballot, when: datetime) -> None:
    with db.write() as session:
        scoring.reopen(
            session=session,
            actor=audit.SYSTEM,
            now=when,
            ballot=session.get_one(Ballot, ballot.id),
            reason="Asked by the juror",
        )


def test_a_draft_ballot_is_not_reopened(db):
    ballot = _juror_with_ballot(db, submit=False)
    with pytest.raises(DomainError) as refused:
        _reopen(db, ballot, NOW)
    assert str(refused.value) == "This ballot is not submitted: there is nothing to reopen."
    assert audit_count(db, "ballot.reopened") == 0
    assert outbox_count(db, "ballot_reopened") == 0


def test_a_ballot_is_not_reopened_after_its_round_closed(db):
    ballot = _juror_with_ballot(db, submit=True)
    with pytest.raises(NotAllowed) as refused:
        _reopen(db, ballot, jury_factories.SHORTLIST_CLOSES)
    assert str(refused.value) == "A ballot can be reopened only while its round is open."
    with db.read() as session:
        kept = session.get_one(Ballot, ballot.id)
    assert (kept.status, kept.receipt_code) == (BallotStatus.submitted, ballot.receipt_code)
    assert kept.receipt_code
    assert outbox_count(db, "ballot_reopened") == 0


# --------------------------------------------------------------------------- consent, conflicts


def _record_consent(db, juror: Juror, **given):
    with db.write() as session:
        return jurors.record_consent(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            **{"guardian_name": "Ana Novak", "publish_name_consent": False, **given},
        )


def test_a_guardians_consent_cannot_come_before_the_birth(db):
    made = jury_factories.make(db)
    minor = jury_factories.add_juror(
        db, made, jury_factories.juror_data(birth_date=date(2012, 1, 1))
    )
    with pytest.raises(DomainError) as refused:
        _record_consent(db, minor, consent_on=date(2011, 6, 1))
    assert str(refused.value) == "The date of consent comes before the birth date."
    assert refused.value.field == "consent_on"
    with db.read() as session:
        kept = session.get_one(Juror, minor.id)
    assert (kept.guardian_name, kept.guardian_consent_at) == ("", None)
    assert audit_count(db, "juror.consent_recorded") == 0


def test_no_consent_is_recorded_for_an_erased_juror(db):
    made = jury_factories.make(db)
    juror = jury_factories.add_juror(db, made, jury_factories.juror_data())
    with db.write() as session:
        row = session.get_one(Juror, juror.id)
        row.erased_at = NOW
        session.add(row)
    with pytest.raises(NotAllowed) as refused:
        _record_consent(db, juror, consent_on=date(2027, 1, 5))
    assert str(refused.value) == "This juror's personal data was erased."
    with db.read() as session:
        assert session.get_one(Juror, juror.id).guardian_consent_at is None


def test_a_conflict_with_another_editions_application_is_refused(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session)
        juror = jury_factories.juror(session=session, edition=made.edition)
        elsewhere = factories.edition(session=session, year=2025)
        stranger = factories.application(session=session, edition=elsewhere)
    with pytest.raises(DomainError) as refused, db.write() as session:
        conflicts.record_conflict(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, juror.id),
            application=session.get_one(Application, stranger.id),
            reason="Works there",
        )
    assert str(refused.value) == "This application is not part of the juror's edition."
    with db.read() as session:
        assert session.exec(select(ConflictRow)).all() == []
    assert audit_count(db, "conflict.recorded") == 0
