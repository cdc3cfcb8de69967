"""Deadline reminders to drafts never submitted: 7 days and 1 day before, once each."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from prize import formats
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


def move_deadline(db, now, deadline, reason=""):
    """The deadline moved as the secretariat moves it (with its ``deadline_changed`` e-mails)."""
    from prize.domain import transitions
    from prize.domain.shared import audit

    with db.write() as session:
        edition = session.exec(select(Edition)).one()
        transitions.update_edition(
            session=session,
            actor=audit.SYSTEM,
            now=now,
            edition=edition,
            values={"deadline": deadline},
            reason=reason,
            links=link_maker(),
        )


def reminded(db):
    return [(m.subject, m.created_at) for m in mails(db, "application_reminder")]


def test_a_later_deadline_re_arms_the_reminders_and_the_old_schedule_never_fires(db, clock):
    make_call(db, clock())
    start_application(db, clock())
    week_before = CALL_DEADLINE - timedelta(days=7)
    assert remind(db, week_before) == 1
    later = CALL_DEADLINE + timedelta(days=10)
    move_deadline(db, CALL_DEADLINE - timedelta(days=6), later)
    assert len(mails(db, "deadline_changed")) == 1
    # The old deadline's 1-day moment (and the old deadline itself) pass: nothing is due.
    assert remind(db, CALL_DEADLINE - timedelta(days=1)) == 0
    assert remind(db, CALL_DEADLINE + timedelta(hours=1)) == 0
    assert remind(db, later - timedelta(days=7, minutes=1)) == 0
    # The week before the new deadline: the 7-day reminder again, with the new deadline.
    assert remind(db, later - timedelta(days=7)) == 1
    assert remind(db, later - timedelta(days=6)) == 0  # once for this deadline
    assert remind(db, later - timedelta(days=1)) == 1
    assert remind(db, later - timedelta(hours=1)) == 0
    assert reminded(db) == [
        ("One week left to submit your application", week_before),
        ("One week left to submit your application", later - timedelta(days=7)),
        ("One day left to submit your application", later - timedelta(days=1)),
    ]
    second = mails(db, "application_reminder")[1]
    assert formats.deadline(later, "en") in second.body
    assert formats.deadline(CALL_DEADLINE, "en") not in second.body
    with db.read() as session:
        stored = session.exec(select(Application)).one()
        assert (stored.reminded_7_for, stored.reminded_1_for) == (later, later)


def test_a_reminder_already_due_for_the_new_deadline_is_the_change_e_mail_itself(db, clock):
    """Moved a little later after the 7-day reminder (its new moment has passed already), or
    earlier to within the week: the holder is told once, by ``deadline_changed``, not twice."""
    make_call(db, clock())
    start_application(db, clock())
    assert remind(db, CALL_DEADLINE - timedelta(days=7)) == 1
    now = CALL_DEADLINE - timedelta(days=6, hours=12)
    a_little_later = CALL_DEADLINE + timedelta(hours=2)
    move_deadline(db, now, a_little_later)
    assert remind(db, now + timedelta(minutes=1)) == 0
    earlier = now + timedelta(days=3)
    move_deadline(db, now + timedelta(hours=1), earlier, reason="The venue moved")
    assert remind(db, now + timedelta(hours=2)) == 0
    assert len(mails(db, "deadline_changed")) == 2
    assert remind(db, earlier - timedelta(days=1)) == 1  # the 1-day one, for the new deadline
    assert [s for s, _ in reminded(db)] == [
        "One week left to submit your application",
        "One day left to submit your application",
    ]


def test_a_draft_reminded_earlier_is_not_reminded_again_when_the_deadline_stays(db, clock):
    """Reminders running again and again for one deadline send nothing more (idempotent)."""
    make_call(db, clock())
    start_application(db, clock())
    for _ in range(3):
        remind(db, CALL_DEADLINE - timedelta(days=7))
        remind(db, CALL_DEADLINE - timedelta(hours=23))
    assert [s for s, _ in reminded(db)] == [
        "One week left to submit your application",
        "One day left to submit your application",
    ]
