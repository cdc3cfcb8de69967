"""Screening with the applicant's own functions, on SQLite and PostgreSQL: an application asked
for information is completed and resubmitted until its date, then screened; a draft accepted
late can be submitted after the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from prize.domain import transitions
from prize.domain.applicants import drafts, submissions
from prize.domain.errors import NotAllowed
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import ActorKind, Application, ApplicationStatus, Edition, EditionState
from prize.storage import FolderStore
from tests.applykit import CALL_DEADLINE, content_values, link_maker, make_call, start_application

A = ApplicationStatus
OFFICER = audit.Actor(ActorKind.staff, 1)


def _submit(db, app_id, now, tmp_path, **changes):
    with db.write() as session:
        app = session.get_one(Application, app_id)
        drafts.save_draft(
            session=session, application=app, values=content_values(**changes), now=now
        )
        return submissions.submit(
            session=session,
            application=app,
            links=link_maker(),
            store=FolderStore(tmp_path),
            now=now,
        ).application


def _to_screening(db, now):
    with db.write() as session:
        edition = session.get_one(Edition, 1)
        transitions.move(
            session=session, edition=edition, to=EditionState.screening, actor=OFFICER, now=now
        )


def test_returned_application_is_resubmitted_until_its_date_then_screened(db, clock, tmp_path):
    make_call(db, clock())
    started = start_application(db, clock())
    submitted = _submit(db, started.id, clock(), tmp_path)
    assert submitted.reference == "EDPP-2027-0001"
    after = clock.set(CALL_DEADLINE + timedelta(days=2))
    _to_screening(db, after)
    with db.write() as session:
        app = session.get_one(Application, started.id)
        screening.screen(
            session=session,
            application=app,
            outcome=screening.Outcome(
                A.returned, info_message="Say who runs it.", info_due=after + timedelta(days=7)
            ),
            actor=OFFICER,
            now=after,
            links=link_maker(),
        )
    resubmitted = _submit(db, started.id, after + timedelta(days=1), tmp_path, adults=12)
    assert resubmitted.status is A.submitted
    assert resubmitted.reference == "EDPP-2027-0001"
    with db.write() as session:
        app = session.get_one(Application, started.id)
        screening.screen(
            session=session,
            application=app,
            outcome=screening.Outcome(A.eligible),
            actor=OFFICER,
            now=after + timedelta(days=2),
        )  # a resubmitted application is screened again without a change reason
        assert app.status is A.eligible
        assert audit.verify(session=session).ok


def test_returned_application_cannot_be_resubmitted_after_its_date(db, clock, tmp_path):
    make_call(db, clock())
    started = start_application(db, clock())
    _submit(db, started.id, clock(), tmp_path)
    after = clock.set(CALL_DEADLINE + timedelta(days=2))
    _to_screening(db, after)
    with db.write() as session:
        screening.screen(
            session=session,
            application=session.get_one(Application, started.id),
            outcome=screening.Outcome(
                A.returned, info_message="Budget?", info_due=after + timedelta(days=3)
            ),
            actor=OFFICER,
            now=after,
        )
    with pytest.raises(NotAllowed):
        _submit(db, started.id, after + timedelta(days=4), tmp_path)


def test_a_draft_accepted_late_can_be_submitted_after_the_deadline(db, clock, tmp_path):
    make_call(db, clock())
    started = start_application(db, clock())
    after = clock.set(CALL_DEADLINE + timedelta(days=1))
    with pytest.raises(NotAllowed):
        _submit(db, started.id, after, tmp_path)
    with db.write() as session:
        screening.accept_late(
            session=session,
            application=session.get_one(Application, started.id),
            reason="The form did not load in their country on the last day.",
            actor=OFFICER,
            now=after,
            links=link_maker(),
        )
    submitted = _submit(db, started.id, after + timedelta(hours=2), tmp_path)
    assert (submitted.status, submitted.reference) == (A.submitted, "EDPP-2027-0001")
