"""Screening decisions wait to be e-mailed until the secretariat sends the screening results (one
batch), unless sent at once; a decision not yet sent is corrected freely. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from prize.domain.editions import lifecycle
from prize.domain.screening import screening
from prize.domain.screening.screening import Outcome
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    Application,
    ApplicationStatus,
    AuditEvent,
    Edition,
    EditionState,
    OutboxMessage,
)
from tests import factories

A = ApplicationStatus
OFFICER = audit.Actor(ActorKind.staff, 1)
NOW = datetime(2027, 7, 5, 9, tzinfo=UTC)


@pytest.fixture
def two(db, clock):
    clock.set(NOW)
    with db.write() as session:
        edition = factories.edition(
            session=session, state=EditionState.screening, shortlist_closes_at=NOW + timedelta(30)
        )
        en = factories.application(session=session, edition=edition, email="amra@example.org")
        fr = factories.application(
            session=session, edition=edition, email="luc@example.org", language="fr"
        )
    return edition, en, fr


def _screen(db, app_id, outcome, *, mail=False, change_reason=""):
    with db.write() as session:
        screening.screen(
            session=session,
            application=session.get_one(Application, app_id),
            outcome=outcome,
            actor=OFFICER,
            now=NOW,
            change_reason=change_reason,
            mail=mail,
        )


def _mails(db):
    with db.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_a_decision_waits_and_may_be_corrected_without_a_reason_until_sent(db, two):
    edition, en, fr = two
    _screen(db, en.id, Outcome(A.eligible))
    assert _mails(db) == []
    _screen(db, en.id, Outcome(A.ineligible, "structure"))  # corrected: no reason asked
    _screen(db, fr.id, Outcome(A.eligible))
    with db.read() as session:
        waiting = screening.pending(session=session, edition=edition)
        assert [a.id for a in waiting] == [en.id, fr.id]
        assert lifecycle.problems(
            session, session.get_one(Edition, edition.id), EditionState.shortlisting, NOW
        )[0].params == {"n": 2}
    with db.write() as session:
        sent = screening.send_results(
            session=session, edition=session.get_one(Edition, edition.id), actor=OFFICER, now=NOW
        )
        assert len(sent) == 2
    mails = _mails(db)
    assert [(m.recipient, m.kind, m.language) for m in mails] == [
        ("amra@example.org", "screening_ineligible", "en"),
        ("luc@example.org", "screening_eligible", "fr"),
    ]
    with db.write() as session:  # a second batch: nothing waits, nothing goes
        again = screening.send_results(
            session=session, edition=session.get_one(Edition, edition.id), actor=OFFICER, now=NOW
        )
        assert again == []
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "screening.results_sent")
        ).all()
        assert event.data == {"applications": [en.id, fr.id]}
    assert len(_mails(db)) == 2


def test_a_decision_sent_at_once_is_told_and_changing_it_needs_a_reason(db, two):
    edition, en, _ = two
    _screen(db, en.id, Outcome(A.eligible), mail=True)
    assert [m.kind for m in _mails(db)] == ["screening_eligible"]
    with db.read() as session:
        assert screening.pending(session=session, edition=edition) == []
    with pytest.raises(screening.DomainError) as refused:
        _screen(db, en.id, Outcome(A.ineligible, "structure"))
    assert refused.value.field == "change_reason"
    _screen(db, en.id, Outcome(A.ineligible, "structure"), change_reason="One person alone")
    with db.write() as session:
        screening.send_results(
            session=session, edition=session.get_one(Edition, edition.id), actor=OFFICER, now=NOW
        )
    changed = _mails(db)[-1]
    assert changed.kind == "screening_ineligible"
    assert "The secretariat has reviewed its decision on your application." in changed.body


def test_another_reason_is_told_as_the_note_itself_and_a_rule_with_its_note(db, two):
    _, en, fr = two
    other = "The project has already won the prize in 2024."
    _screen(db, en.id, Outcome(A.ineligible, "other", note=other), mail=True)
    _screen(db, fr.id, Outcome(A.ineligible, "structure", note="Une seule personne."), mail=True)
    english, french = _mails(db)
    assert f"The reason: {other}" in english.body
    assert "Another reason" not in english.body and "explained below" not in english.body
    assert french.body.index("Une seule personne.") > french.body.index("Motif")  # after the rule
