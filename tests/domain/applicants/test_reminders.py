"""Deadline reminders to drafts never submitted: 7 days and 1 day before, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from prize.domain.applicants import reminders
from prize.models import Application, Edition, EditionState
from tests.applykit import (
    APPLICANT,
    CALL_DEADLINE,
    link_maker,
    links_in,
    make_call,
    start_application,
)
from tests.domain.applicants.test_applications import complete_draft, mails, submit


def set_edition(db, **changes):
    with db.write() as session:
        edition = session.exec(select(Edition)).one()
        for key, value in changes.items():
            setattr(edition, key, value)
        session.add(edition)


def remind(db, now):
    with db.write() as session:
        return reminders.queue_deadline_reminders(session=session, now=now, links=link_maker())


def test_drafts_get_one_reminder_a_week_and_one_a_day_before_the_deadline(db, clock, tmp_path):
    make_call(db, clock())
    draft = start_application(db, clock())
    submitted = complete_draft(db, clock, email="done@example.org")
    submit(db, submitted.id, clock(), tmp_path)
    assert remind(db, CALL_DEADLINE - timedelta(days=7, minutes=1)) == 0
    assert remind(db, CALL_DEADLINE - timedelta(days=7)) == 1
    assert remind(db, CALL_DEADLINE - timedelta(days=6)) == 0  # once only
    late_starter = start_application(
        db, CALL_DEADLINE - timedelta(days=3), email="late@example.org"
    )
    assert remind(db, CALL_DEADLINE - timedelta(days=1)) == 2
    assert remind(db, CALL_DEADLINE - timedelta(hours=2)) == 0
    assert remind(db, CALL_DEADLINE + timedelta(hours=2)) == 0
    reminders = mails(db, "application_reminder")
    assert [(m.recipient, m.subject) for m in reminders] == [
        (APPLICANT, "One week left to submit your application"),
        (APPLICANT, "One day left to submit your application"),
        ("late@example.org", "One day left to submit your application"),
    ]
    assert links_in(reminders[0].body) == [(draft.id, 1)]
    with db.read() as session:
        stored = session.get_one(Application, late_starter.id)
        assert stored.reminded_1_at == CALL_DEADLINE - timedelta(days=1)


def test_a_draft_first_reminded_on_the_last_day_gets_one_e_mail_only(db, clock):
    make_call(db, clock())
    start_application(db, clock())
    assert remind(db, CALL_DEADLINE - timedelta(hours=20)) == 1
    assert remind(db, CALL_DEADLINE - timedelta(hours=10)) == 0
    [mail] = mails(db, "application_reminder")
    assert mail.subject == "One day left to submit your application"


def test_no_reminders_for_a_closed_call(db, clock):
    make_call(db, clock())
    start_application(db, clock())
    set_edition(db, state=EditionState.screening)
    assert remind(db, CALL_DEADLINE - timedelta(days=1)) == 0
