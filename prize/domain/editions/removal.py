"""Deleting an edition with everything it holds: a rehearsal at any time, or an edition that was
never published and holds no submitted application.

Rows go in one transaction, children first; the stored files (supporting files, guardians'
consent forms) go from disk once it commits. The audit log keeps its entries (it is append-only)
and gains one saying who deleted what: the year, the title and how many rows went.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from prize.domain.errors import DomainError, NotAllowed
from prize.domain.shared import audit
from prize.i18n import N_
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationNote,
    ArchiveEntry,
    Attachment,
    Ballot,
    BallotEntry,
    Conflict,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    ResultsNote,
    Score,
    pk,
)
from prize.storage import Store

_PUBLISHED = N_("Published results are never deleted; only a rehearsal can be deleted after it.")
_SUBMITTED = N_(
    "This edition holds submitted applications: only a rehearsal, or an edition that was never "
    "published and holds no submitted application, can be deleted."
)


@dataclass(frozen=True)
class Removed:
    year: int
    title: str
    rehearsal: bool
    applications: int
    jurors: int
    files: int


def refusal(*, session: Session, edition: Edition) -> str | None:
    """Why the edition cannot be deleted (a message id), or None when it can."""
    if edition.rehearsal:
        return None
    if edition.archived or edition.published_at is not None:
        return _PUBLISHED
    if edition.state is EditionState.published:
        return _PUBLISHED
    submitted = session.exec(
        select(func.count())
        .select_from(Application)
        .where(Application.edition_id == edition.id, col(Application.submitted_at).is_not(None))
    ).one()
    if submitted:
        return _SUBMITTED
    return None


def same_name(typed: str, edition: Edition) -> bool:
    """Whether ``typed`` is the edition's English title (spaces and case aside)."""
    return " ".join(typed.split()).casefold() == " ".join(edition.title_en.split()).casefold()


def delete_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    edition: Edition,
    typed_name: str,
    store: Store,
) -> Removed:
    """Delete ``edition`` and all its data, once its title is typed; its files go from disk
    after the commit."""
    if not same_name(typed_name, edition):
        raise DomainError(
            "Type the edition's title exactly as shown, to confirm.", field="typed_name"
        )
    reason = refusal(session=session, edition=edition)
    if reason is not None:
        raise NotAllowed(reason, field="typed_name")
    edition_id = pk(edition)
    apps = select(Application.id).where(Application.edition_id == edition_id)
    contents = select(ApplicationContent.id).where(col(ApplicationContent.application_id).in_(apps))
    jurors = select(Juror.id).where(Juror.edition_id == edition_id)
    ballots = select(Ballot.id).where(col(Ballot.juror_id).in_(jurors))
    files = set(
        session.exec(select(Attachment.stored_name).where(col(Attachment.content_id).in_(contents)))
    )
    files |= {
        name
        for name in session.exec(select(Juror.guardian_form).where(Juror.edition_id == edition_id))
        if name
    }
    counts = holdings(session=session, edition=edition)
    for statement in (
        delete(Score).where(col(Score.ballot_id).in_(ballots)),
        delete(BallotEntry).where(col(BallotEntry.ballot_id).in_(ballots)),
        delete(Ballot).where(col(Ballot.id).in_(ballots)),
        delete(Conflict).where(col(Conflict.juror_id).in_(jurors)),
        delete(Decision).where(col(Decision.edition_id) == edition_id),
        delete(ResultsNote).where(col(ResultsNote.edition_id) == edition_id),
        delete(ArchiveEntry).where(col(ArchiveEntry.edition_id) == edition_id),
        delete(ApplicationNote).where(col(ApplicationNote.application_id).in_(apps)),
        delete(Attachment).where(col(Attachment.content_id).in_(contents)),
        delete(ApplicationContent).where(col(ApplicationContent.application_id).in_(apps)),
        delete(Application).where(col(Application.edition_id) == edition_id),
        update(Juror).where(col(Juror.edition_id) == edition_id).values(replaces_id=None),
        delete(Juror).where(col(Juror.edition_id) == edition_id),
        delete(Criterion).where(col(Criterion.edition_id) == edition_id),
        delete(OutboxMessage).where(col(OutboxMessage.edition_id) == edition_id),
    ):
        session.exec(statement)
    removed = Removed(
        year=edition.year,
        title=edition.title_en,
        rehearsal=edition.rehearsal,
        applications=counts["applications"],
        jurors=counts["jurors"],
        files=len(files),
    )
    session.delete(edition)
    audit.record(
        session=session,
        actor=actor,
        kind="edition.deleted",
        now=now,
        edition_id=edition_id,
        subject_kind="edition",
        subject_id=edition_id,
        data={
            "year": removed.year,
            "title": removed.title,
            "rehearsal": removed.rehearsal,
            "applications": removed.applications,
            "jurors": removed.jurors,
            "files": removed.files,
        },
    )
    session.flush()
    store.delete_after_commit(session, files)
    return removed


def holdings(*, session: Session, edition: Edition) -> dict[str, int]:
    """How many applications and jurors the edition holds (what its deletion page states)."""
    return {
        "applications": _count(session, Application, Application.edition_id == edition.id),
        "jurors": _count(session, Juror, Juror.edition_id == edition.id),
    }


def _count(session: Session, table: Any, condition: Any) -> int:
    return int(session.exec(select(func.count()).select_from(table).where(condition)).one())
