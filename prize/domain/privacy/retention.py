"""The retention rule (documented for people in docs/retention.md):

1. **Unsubmitted drafts** are deleted ``DRAFT_DAYS`` (30) days after their edition's deadline,
   with their stored files (a draft the secretariat accepted late is kept while the edition is
   open or in screening). E-mails sent to a deleted draft's address about that edition are
   blanked, unless the address has another application in the edition.
2. **Personal data of applications that did not win** (and of the edition's jurors) is erased
   ``ERASE_MONTHS`` (24) months after the edition's results were published, as
   ``personal_data.erase_application`` and ``erase_juror`` do; winners' records are kept.
3. **Throttling records** (``rate_event``) older than ``RATE_EVENT_AGE`` (one day) are pruned.
4. **Orphaned files** (stored files no attachment row names: a deletion the disk refused, a crash
   mid-upload) older than ``attachments.ORPHAN_GRACE`` (an hour) are removed from the storage
   folder.
5. **Refused form posts** (``refused_post``) past their hour are deleted (each new one also
   sweeps them, as does every pass of the serving loop).

``plan`` says what is due (``prize retention --dry-run`` prints it); ``apply`` does it in the
caller's transaction and audits it; stored files of deleted rows go once that transaction
commits (orphans at once: no row names them, whatever the transaction does).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from prize.domain.applicants import attachments
from prize.domain.privacy import personal_data
from prize.domain.shared import audit, refused_posts, throttle
from prize.domain.shared.email_addresses import normalise_email
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    Award,
    Decision,
    Edition,
    EditionState,
    Juror,
    RateEvent,
    Round,
    pk,
)
from prize.storage import Store

DRAFT_DAYS = 30
ERASE_MONTHS = 24
RATE_EVENT_AGE = timedelta(days=1)
LATE_STATES = (EditionState.open, EditionState.screening)


def months_before(when: datetime, months: int) -> datetime:
    """The same instant ``months`` calendar months earlier (the day clamped to the month's end)."""
    index = when.year * 12 + (when.month - 1) - months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Item:
    id: int
    edition_id: int
    edition: int  # the year
    label: str  # the reference, or "draft <id>"


@dataclass
class Plan:
    drafts: list[Item] = field(default_factory=list)
    applications: list[Item] = field(default_factory=list)  # personal data to erase
    jurors: list[Item] = field(default_factory=list)
    rate_events: int = 0
    orphans: list[str] = field(default_factory=list)  # stored names of files without a row
    orphans_refused: list[str] = field(default_factory=list)  # by the disk, when applied

    @property
    def empty(self) -> bool:
        return not (
            self.drafts or self.applications or self.jurors or self.rate_events or self.orphans
        )

    def lines(self) -> list[str]:
        """What is due, one line per kind, for the command line."""
        return [
            f"Drafts to delete ({DRAFT_DAYS} days after the deadline): {len(self.drafts)}"
            + _ids(self.drafts),
            f"Applications whose personal data to erase ({ERASE_MONTHS} months after "
            f"publication, winners kept): {len(self.applications)}" + _ids(self.applications),
            f"Jurors whose personal data to erase: {len(self.jurors)}" + _ids(self.jurors),
            f"Throttling records older than a day to prune: {self.rate_events}",
            "Orphaned files (stored without an attachment row, older than an hour) to remove: "
            f"{len(self.orphans)}" + _names(self.orphans),
        ] + (
            [
                "Orphaned files the disk refused to delete (tried again on the next run): "
                f"{len(self.orphans_refused)}" + _names(self.orphans_refused)
            ]
            if self.orphans_refused
            else []
        )


def _ids(items: list[Item]) -> str:
    if not items:
        return ""
    shown = ", ".join(f"{i.label} ({i.edition})" for i in items[:20])
    return f": {shown}" + (f" and {len(items) - 20} more" if len(items) > 20 else "")


def _names(names: list[str]) -> str:
    if not names:
        return ""
    return (
        ": " + ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    )


def plan(*, session: Session, now: datetime, store: Store | None = None) -> Plan:
    """What the retention rule would do now (orphaned files only when ``store`` is given:
    their age is read from the disk, so ``now`` should then be the real time)."""
    result = Plan()
    if store is not None:
        result.orphans = attachments.orphans(session=session, store=store, now=now)
    editions = list(session.exec(select(Edition)))
    for edition in sorted(editions, key=lambda e: e.year):
        if edition.deadline + timedelta(days=DRAFT_DAYS) <= now:
            stmt = select(Application).where(
                Application.edition_id == edition.id, Application.status == ApplicationStatus.draft
            )
            if edition.state in LATE_STATES:
                stmt = stmt.where(Application.late_reason == "")
            for app in session.exec(stmt.order_by(col(Application.id))):
                result.drafts.append(Item(pk(app), pk(edition), edition.year, f"draft {app.id}"))
        if (
            edition.state is EditionState.published
            and edition.published_at is not None
            and edition.published_at <= months_before(now, ERASE_MONTHS)
        ):
            winners = select(Decision.application_id).where(
                Decision.edition_id == edition.id,
                Decision.stage == Round.final,
                Decision.award == Award.winner,
            )
            for app in session.exec(
                select(Application)
                .where(
                    Application.edition_id == edition.id,
                    col(Application.erased_at).is_(None),
                    col(Application.id).not_in(winners),
                )
                .order_by(col(Application.id))
            ):
                label = app.reference or f"draft {app.id}"
                result.applications.append(Item(pk(app), pk(edition), edition.year, label))
            for juror in session.exec(
                select(Juror)
                .where(Juror.edition_id == edition.id, col(Juror.erased_at).is_(None))
                .order_by(col(Juror.id))
            ):
                result.jurors.append(
                    Item(pk(juror), pk(edition), edition.year, f"juror {juror.id}")
                )
    result.rate_events = int(
        session.exec(
            select(func.count())
            .select_from(RateEvent)
            .where(col(RateEvent.at) < now - RATE_EVENT_AGE)
        ).one()
    )
    return result


def _delete_draft(session: Session, application: Application, store: Store) -> None:
    content_ids = [
        c
        for c in session.exec(
            select(ApplicationContent.id).where(ApplicationContent.application_id == application.id)
        )
        if c is not None
    ]
    stored = attachments.stored_names_of(session=session, content_ids=content_ids)
    email = normalise_email(application.email)
    edition_id = application.edition_id
    session.exec(delete(Attachment).where(col(Attachment.content_id).in_(content_ids)))
    session.exec(delete(ApplicationContent).where(col(ApplicationContent.id).in_(content_ids)))
    session.exec(delete(Application).where(col(Application.id) == application.id))
    attachments.delete_files_after_commit(session=session, store=store, names=stored)
    others = session.exec(
        select(func.count())
        .select_from(Application)
        .where(func.lower(col(Application.email)) == email, Application.edition_id == edition_id)
    ).one()
    if not others:
        personal_data.blank_messages(session=session, email=email, edition_ids=[edition_id])


def apply(
    *, session: Session, now: datetime, store: Store, actor: audit.Actor = audit.SYSTEM
) -> Plan:
    """Do what ``plan`` lists, audited, in the caller's transaction; return what was done.

    Stored files of deleted rows are deleted from ``store`` once the transaction commits;
    orphaned files (listed before any row is deleted) at once. A file the disk refuses to
    delete is logged and left for the next run; it is not counted as removed.
    """
    todo = plan(session=session, now=now, store=store)
    removed = attachments.remove_orphans(store=store, names=todo.orphans)
    for item in todo.drafts:
        _delete_draft(session, session.get_one(Application, item.id), store)
        audit.record(
            session=session,
            actor=actor,
            kind="retention.draft_deleted",
            now=now,
            edition_id=item.edition_id,
            subject_kind="application",
            subject_id=item.id,
            reason=f"Unsubmitted {DRAFT_DAYS} days after the deadline.",
        )
    for item in todo.applications:
        personal_data.erase_application(
            session=session,
            application=session.get_one(Application, item.id),
            actor=actor,
            now=now,
            store=store,
        )
    for item in todo.jurors:
        personal_data.erase_juror(
            session=session,
            juror=session.get_one(Juror, item.id),
            actor=actor,
            now=now,
            store=store,
        )
    if todo.rate_events:
        throttle.prune(session=session, before=now - RATE_EVENT_AGE)
    refused_posts.sweep(session=session, now=now)  # also swept as they are kept: not counted
    if not todo.empty:
        audit.record(
            session=session,
            actor=actor,
            kind="retention.applied",
            now=now,
            data={
                "drafts_deleted": len(todo.drafts),
                "applications_erased": len(todo.applications),
                "jurors_erased": len(todo.jurors),
                "rate_events_pruned": todo.rate_events,
                "orphaned_files_removed": len(removed),
            },
        )
    session.flush()
    todo.orphans_refused = [name for name in todo.orphans if name not in removed]
    todo.orphans = removed
    return todo
