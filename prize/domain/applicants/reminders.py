"""Deadline reminders to the owners of drafts never submitted: 7 days and 1 day before; and
telling them when the deadline changes or the call closes before it.

Each reminder records the deadline it was sent for (``reminded_<days>_for``): when the deadline
moves, a reminder is due again relative to the new one, and one not yet due waits for the new
moment. The ``deadline_changed`` e-mail stands for the reminders already due for the new
deadline when it is sent (the holder has just been told it), so a move never sends both."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from prize.domain.applicants.drafts import current_content
from prize.domain.applicants.links import LinkMaker
from prize.domain.shared import outbox, schedule
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    ContentKind,
    Edition,
    EditionState,
    pk,
)

# (days before the deadline, when it was last sent, the deadline it was sent for)
REMINDERS = ((7, "reminded_7_at", "reminded_7_for"), (1, "reminded_1_at", "reminded_1_for"))


def queue_deadline_reminders(*, session: Session, now: datetime, links: LinkMaker) -> int:
    """Remind the owners of drafts never submitted, 7 days and 1 day before the deadline, once
    each for a given deadline (again if it moves). A draft started after a reminder's moment
    does not get that reminder. Returns how many e-mails were queued. One process at a time
    (``schedule``): another process's pass skips."""
    if not schedule.one_at_a_time(session=session, job="reminders"):
        return 0
    queued = 0
    editions = session.exec(
        select(Edition).where(
            Edition.state == EditionState.open,
            col(Edition.deadline) > now,
            col(Edition.deadline) <= now + timedelta(days=7),
        )
    ).all()
    for edition in editions:
        drafts = session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.status == ApplicationStatus.draft,
                col(Application.number).is_(None),
                col(Application.erased_at).is_(None),
            )
            .order_by(col(Application.id))
            .with_for_update(skip_locked=True)
        ).all()
        for application in drafts:
            days = _due_reminder(application, edition, now)
            if days is None:
                continue
            content = current_content(session=session, application=application)
            outbox.queue(
                session=session,
                kind="application_reminder",
                recipient=application.email,
                language=application.language,
                template="application_reminder",
                context={
                    "title": content.title if content else "",
                    "url": links.resume_url(application),
                    "deadline": edition.deadline,
                    "days": days,
                    "edition_year": edition.year,
                },
                now=now,
                mail_domain=links.mail_domain,
                edition_id=edition.id,
            )
            for d, sent_at, sent_for in REMINDERS:
                if d >= days and getattr(application, sent_for) != edition.deadline:
                    setattr(application, sent_at, now)
                    setattr(application, sent_for, edition.deadline)
            session.add(application)
            queued += 1
    session.flush()
    return queued


def _due_reminder(application: Application, edition: Edition, now: datetime) -> int | None:
    """How many days before the deadline the reminder due now was meant for (the nearest one
    only: never two at once), or None when none is due."""
    due = [
        days
        for days, _sent_at, sent_for in REMINDERS
        if now >= edition.deadline - timedelta(days=days)
        and getattr(application, sent_for) != edition.deadline
        and application.created_at <= edition.deadline - timedelta(days=days)
    ]
    return min(due) if due else None


def _told(application: Application, edition: Edition, now: datetime) -> None:
    """The holder of ``application`` is told the edition's deadline now (``deadline_changed``):
    the reminders already due for it count as sent; the others wait for their new moment."""
    for days, _sent_at, sent_for in REMINDERS:
        if now >= edition.deadline - timedelta(days=days):
            setattr(application, sent_for, edition.deadline)


def drafts_waiting(*, session: Session, edition: Edition) -> list[Application]:
    """The edition's drafts never submitted (not erased): whom a change of deadline concerns."""
    return list(
        session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.status == ApplicationStatus.draft,
                col(Application.number).is_(None),
                col(Application.erased_at).is_(None),
            )
            .order_by(col(Application.id))
        )
    )


def revisions_waiting(*, session: Session, edition: Edition) -> list[Application]:
    """The edition's submitted applications with a revision in progress (changes beside the
    submitted version, not resubmitted): work a change of deadline concerns too."""
    return list(
        session.exec(
            select(Application)
            .join(ApplicationContent, col(ApplicationContent.application_id) == Application.id)
            .where(
                Application.edition_id == edition.id,
                Application.status == ApplicationStatus.submitted,
                ApplicationContent.kind == ContentKind.draft,
                col(Application.erased_at).is_(None),
            )
            .order_by(col(Application.id))
        )
    )


def tell_deadline_changed(
    *,
    session: Session,
    edition: Edition,
    before: datetime,
    now: datetime,
    links: LinkMaker | None,
    reopened: bool = False,
) -> int:
    """E-mail the edition's new deadline (earlier or later than ``before``; ``reopened``: the
    call had closed and is open again) to each holder of a draft never submitted or of a
    submitted application with a revision in progress: once per person (an address holding
    several gets one e-mail naming each, with its own link), in the language of their first
    application; how many e-mails were queued."""
    drafts = drafts_waiting(session=session, edition=edition)
    revisions = revisions_waiting(session=session, edition=edition)
    people: dict[str, list[tuple[Application, bool]]] = {}
    for application, revision in sorted(
        [(a, False) for a in drafts] + [(a, True) for a in revisions],
        key=lambda pair: pk(pair[0]),
    ):
        people.setdefault(application.email.strip().lower(), []).append((application, revision))
        if not revision:
            _told(application, edition, now)
            session.add(application)
    for held in people.values():
        items = []
        for application, revision in held:
            content = current_content(session=session, application=application)
            items.append(
                {
                    "title": content.title if content else "",
                    "url": links.resume_url(application) if links else "",
                    "revision": revision,
                }
            )
        first = held[0][0]
        outbox.queue(
            session=session,
            kind="deadline_changed",
            recipient=first.email,
            language=first.language,
            template="deadline_changed",
            context={
                "items": items,
                "title": items[0]["title"],
                "url": items[0]["url"],
                "revision": items[0]["revision"],
                "deadline": edition.deadline,
                "before": before,
                "earlier": edition.deadline < before,
                "reopened": reopened,
                "edition_year": edition.year,
            },
            now=now,
            mail_domain=links.mail_domain if links else "prize.invalid",
            edition_id=edition.id,
        )
    return len(people)


def shut_out_early(
    *, session: Session, edition: Edition
) -> tuple[list[Application], list[Application]]:
    """What closing the call of ``edition`` now leaves unsubmitted: the drafts never submitted
    (but those the secretariat accepted late, which may still be submitted in screening), and
    the submitted applications whose changes were not resubmitted."""
    drafts = [a for a in drafts_waiting(session=session, edition=edition) if not a.late_reason]
    return drafts, revisions_waiting(session=session, edition=edition)


def tell_call_closed_early(
    *, session: Session, edition: Edition, deadline_was: datetime, now: datetime, mail_domain: str
) -> int:
    """E-mail each holder of a draft never submitted, and of changes not resubmitted, that the
    call of ``edition`` has closed before its deadline (``deadline_was``), in their language;
    how many were queued. Called as the call closes, in the same transaction."""
    drafts, revisions = shut_out_early(session=session, edition=edition)
    for revision, shut_out in ((False, drafts), (True, revisions)):
        for application in shut_out:
            content = current_content(session=session, application=application)
            outbox.queue(
                session=session,
                kind="call_closed_early",
                recipient=application.email,
                language=application.language,
                template="call_closed_early",
                context={
                    "edition": edition,
                    "title": content.title if content else "",
                    "reference": application.reference or "",
                    "revision": revision,
                    "closed_at": now,
                    "deadline_was": deadline_was,
                },
                now=now,
                mail_domain=mail_domain,
                edition_id=edition.id,
            )
    return len(drafts) + len(revisions)
