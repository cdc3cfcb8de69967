"""Screening in the domain, on SQLite and PostgreSQL: outcomes, refusals, e-mails and the audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from prize.domain.errors import Conflict, DomainError, NotAllowed
from prize.domain.screening import screening
from prize.domain.screening.screening import Outcome
from prize.domain.shared import audit, labels
from prize.models import (
    ActorKind,
    Application,
    ApplicationStatus,
    AuditEvent,
    EditionState,
    OutboxMessage,
)
from tests import factories

A = ApplicationStatus
OFFICER = audit.Actor(ActorKind.staff, 1)
AFTER_DEADLINE = datetime(2027, 7, 5, 9, tzinfo=UTC)


@pytest.fixture
def screening_now(clock):
    return clock.set(AFTER_DEADLINE)


def _setup(db, state=EditionState.screening, **app_fields):
    with db.write() as session:
        edition = factories.edition(session=session, state=state)
        app = factories.application(session=session, edition=edition, **app_fields)
    return edition, app


def _screen(db, app_id, outcome, now, change_reason=""):
    with db.write() as session:
        app = session.get_one(Application, app_id)
        return screening.screen(
            session=session,
            application=app,
            outcome=outcome,
            actor=OFFICER,
            now=now,
            change_reason=change_reason,
        )


def _messages(db):
    with db.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def _events(db, kind):
    with db.read() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.kind == kind)))


def test_eligible_is_stored_audited_and_mailed(db, screening_now):
    _, app = _setup(db, email="amra@example.org", title="Intercity Theatre")
    _screen(db, app.id, Outcome(A.eligible), screening_now)
    with db.read() as session:
        stored = session.get_one(Application, app.id)
        assert stored.status is A.eligible
        assert stored.screened_at == screening_now
        assert audit.verify(session=session).ok
    [event] = _events(db, "application.screened")
    assert (event.actor_id, event.subject_id, event.data) == (
        1,
        app.id,
        {"from": "submitted", "to": "eligible"},
    )
    [mail] = _messages(db)
    assert mail.recipient == "amra@example.org"
    assert mail.subject == f"Your application {app.reference} is eligible"
    assert '"Intercity Theatre"' in mail.body


def test_ineligible_keeps_the_rule_and_the_note_and_tells_the_applicant(db, screening_now):
    _, app = _setup(db)
    outcome = Outcome(A.ineligible, reason_code="country", note="It runs mainly in Canada.")
    _screen(db, app.id, outcome, screening_now)
    with db.read() as session:
        stored = session.get_one(Application, app.id)
    assert (stored.status, stored.screening_reason, stored.screening_note) == (
        A.ineligible,
        "country",
        "It runs mainly in Canada.",
    )
    [mail] = _messages(db)
    assert "The project does not run mainly in an eligible country." in mail.body
    assert "It runs mainly in Canada." in mail.body


def test_ineligible_without_a_rule_is_refused(db, screening_now):
    _, app = _setup(db)
    with pytest.raises(DomainError) as error:
        _screen(db, app.id, Outcome(A.ineligible, note="no"), screening_now)
    assert error.value.field == "reason"
    with pytest.raises(DomainError) as error:
        _screen(db, app.id, Outcome(A.ineligible, reason_code="other"), screening_now)
    assert (error.value.field, str(error.value)) == ("note", "Explain the reason to the applicant.")
    with db.read() as session:
        assert session.get_one(Application, app.id).status is A.submitted
    assert _messages(db) == []


def test_returned_sets_the_message_and_date(db, screening_now):
    _, app = _setup(db, language="fr")
    due = screening_now + timedelta(days=10)
    outcome = Outcome(A.returned, info_message="Send the budget.", info_due=due)
    _screen(db, app.id, outcome, screening_now)
    with db.read() as session:
        stored = session.get_one(Application, app.id)
    assert (stored.status, stored.info_message, stored.info_due) == (
        A.returned,
        "Send the budget.",
        due,
    )
    [mail] = _messages(db)
    assert mail.language == "fr"
    assert "Send the budget." in mail.body
    assert "juillet 2027" in mail.body  # the date in French


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        (Outcome(A.returned, info_due=AFTER_DEADLINE + timedelta(days=3)), "info_message"),
        (Outcome(A.returned, info_message="Budget?"), "info_due"),
        (Outcome(A.returned, info_message="Budget?", info_due=AFTER_DEADLINE), "info_due"),
        (Outcome(A.submitted), "status"),
    ],
)
def test_returned_needs_a_message_and_a_future_date(db, screening_now, outcome, field):
    _, app = _setup(db)
    with pytest.raises(DomainError) as error:
        _screen(db, app.id, outcome, screening_now)
    assert error.value.field == field
    assert _messages(db) == []


@pytest.mark.parametrize(
    "state", [EditionState.open, EditionState.shortlisting, EditionState.published]
)
def test_screening_outside_the_screening_state_is_refused(db, screening_now, state):
    _, app = _setup(db, state=state)
    with pytest.raises(NotAllowed) as error:
        _screen(db, app.id, Outcome(A.eligible), screening_now)
    assert str(error.value) == (
        "Applications are screened only while the edition is in screening; "
        f"edition 2027 is {labels.state(state).msgid}."
    )
    with db.read() as session:
        assert session.get_one(Application, app.id).status is A.submitted


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (A.draft, "A draft cannot be screened: it was never submitted."),
        (A.withdrawn, "This application was withdrawn by its applicant."),
    ],
)
def test_drafts_and_withdrawn_applications_are_not_screened(db, screening_now, status, message):
    _, app = _setup(db, status=status)
    with pytest.raises(NotAllowed) as error:
        _screen(db, app.id, Outcome(A.eligible), screening_now)
    assert str(error.value) == message


def test_changing_a_decision_needs_a_reason_and_is_audited(db, screening_now):
    _, app = _setup(db)
    _screen(db, app.id, Outcome(A.eligible), screening_now)
    with pytest.raises(DomainError) as error:
        _screen(db, app.id, Outcome(A.ineligible, reason_code="structure"), screening_now)
    assert error.value.field == "change_reason"
    _screen(
        db,
        app.id,
        Outcome(A.ineligible, reason_code="structure"),
        screening_now,
        change_reason="One person runs it alone.",
    )
    with db.read() as session:
        assert session.get_one(Application, app.id).status is A.ineligible
    events = _events(db, "application.screened")
    assert [(e.data["to"], e.reason) for e in events] == [
        ("eligible", ""),
        ("ineligible", "One person runs it alone."),
    ]
    mails = _messages(db)
    assert len(mails) == 2
    assert "The secretariat has reviewed its decision" in mails[1].body


def test_the_same_decision_twice_changes_nothing(db, screening_now):
    _, app = _setup(db)
    _screen(db, app.id, Outcome(A.eligible), screening_now)
    _screen(db, app.id, Outcome(A.eligible), screening_now + timedelta(seconds=1))
    assert len(_events(db, "application.screened")) == 1
    assert len(_messages(db)) == 1


def test_a_resubmitted_application_is_screened_without_a_change_reason(db, screening_now):
    _, app = _setup(db)
    due = screening_now + timedelta(days=5)
    _screen(db, app.id, Outcome(A.returned, info_message="Budget?", info_due=due), screening_now)
    with db.write() as session:  # the applicant resubmits (their module sets this)
        stored = session.get_one(Application, app.id)
        stored.status = A.submitted
        session.add(stored)
    _screen(db, app.id, Outcome(A.eligible), screening_now + timedelta(days=1))
    with db.read() as session:
        stored = session.get_one(Application, app.id)
    assert (stored.status, stored.info_due, stored.info_message) == (A.eligible, None, "")


# --------------------------------------------------------------------------- late acceptance


def _accept_late(db, app_id, reason, now):
    with db.write() as session:
        return screening.accept_late(
            session=session,
            application=session.get_one(Application, app_id),
            reason=reason,
            actor=OFFICER,
            now=now,
        )


def test_accepting_a_late_application_sets_the_reason_and_audits_it(db, screening_now):
    _, app = _setup(db, status=A.draft, email="late@example.org")
    _accept_late(db, app.id, " The post office lost the form. ", screening_now)
    with db.read() as session:
        assert session.get_one(Application, app.id).late_reason == "The post office lost the form."
    [event] = _events(db, "application.late_accepted")
    assert (event.subject_id, event.reason) == (app.id, "The post office lost the form.")
    [mail] = _messages(db)
    assert (mail.recipient, mail.subject) == (
        "late@example.org",
        "You may still submit your application",
    )


def test_late_acceptance_refusals(db, clock):
    _, draft = _setup(db, status=A.draft)
    with db.write() as session:
        edition = factories.edition(session=session, year=2029, state=EditionState.open)
        submitted = factories.application(session=session, edition=edition)
        early = factories.application(session=session, edition=edition, status=A.draft)
    now = clock.set(AFTER_DEADLINE)
    with pytest.raises(DomainError) as error:
        _accept_late(db, draft.id, "  ", now)
    assert error.value.field == "reason"
    with pytest.raises(Conflict):
        _accept_late(db, submitted.id, "Why not", now)
    with pytest.raises(NotAllowed) as refused:
        _accept_late(db, early.id, "Why not", datetime(2027, 5, 1, tzinfo=UTC))
    assert str(refused.value) == "The deadline has not passed: the applicant can still submit."
    assert _events(db, "application.late_accepted") == []


def test_late_acceptance_is_refused_once_the_jury_started(db, screening_now):
    _, app = _setup(db, status=A.draft, state=EditionState.shortlisting)
    with pytest.raises(NotAllowed):
        _accept_late(db, app.id, "Late", screening_now)


# --------------------------------------------------------------------------- translation


def _translate(db, app_id, texts, now):
    with db.write() as session:
        return screening.set_translation(
            session=session,
            application=session.get_one(Application, app_id),
            texts=texts,
            actor=OFFICER,
            now=now,
        )


def test_translation_is_stored_edited_and_audited(db, screening_now):
    _, app = _setup(db, language="fr", title="Théâtre intercités")
    _translate(
        db, app.id, {"title": "Intercity Theatre", "goals": "Prevent early use."}, screening_now
    )
    _translate(db, app.id, {"goals": "", "summary": "Street plays."}, screening_now)
    with db.read() as session:
        assert session.get_one(Application, app.id).translation == {
            "title": "Intercity Theatre",
            "summary": "Street plays.",
        }
    events = _events(db, "application.translated")
    assert [e.data["fields"] for e in events] == [["goals", "title"], ["goals", "summary"]]


def test_translation_refusals(db, screening_now):
    _, app = _setup(db, state=EditionState.open)
    with pytest.raises(NotAllowed):
        _translate(db, app.id, {"title": "x"}, screening_now)
    with db.write() as session:
        edition = factories.edition(session=session, year=2031)
        other = factories.application(session=session, edition=edition)
    with pytest.raises(DomainError) as error:
        _translate(db, other.id, {"budget": "x"}, screening_now)
    assert error.value.field == "budget"
    with pytest.raises(DomainError) as error:
        _translate(db, other.id, {"title": "x" * 301}, screening_now)
    assert error.value.field == "title"
    assert _events(db, "application.translated") == []
