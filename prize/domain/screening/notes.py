"""Internal notes on an application: written by the secretariat, read by staff only (never by
the applicant or the jury), dated and signed, never edited; each one is audited (its length,
not its text), and they go with the application's personal data when it is erased."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.models import ActorKind, Application, ApplicationNote, Staff, pk

NOTE_LIMIT = 5_000


@dataclass(frozen=True)
class SignedNote:
    note: ApplicationNote
    author: str  # the author's current name, or their address; "" when the account is gone


def add_note(
    *,
    session: Session,
    application: Application,
    author: Staff,
    text: str,
    now: datetime,
) -> ApplicationNote:
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise DomainError("Write the note.", field="note")
    if len(text) > NOTE_LIMIT:
        raise DomainError("Use at most %(n)s characters.", field="note", n=NOTE_LIMIT)
    note = ApplicationNote(
        application_id=pk(application), author_id=author.id, text=text, created_at=now
    )
    session.add(note)
    session.flush()
    audit.record(
        session=session,
        actor=audit.Actor(ActorKind.staff, author.id),
        kind="application.note_added",
        now=now,
        edition_id=application.edition_id,
        subject_kind="application",
        subject_id=application.id,
        data={"note_id": note.id, "length": len(text)},
    )
    return note


def notes_of(*, session: Session, application: Application) -> list[SignedNote]:
    """The application's notes, oldest first, each with its author's current name."""
    rows = session.exec(
        select(ApplicationNote, Staff)
        .outerjoin(Staff, col(Staff.id) == col(ApplicationNote.author_id))
        .where(ApplicationNote.application_id == application.id)
        .order_by(col(ApplicationNote.created_at), col(ApplicationNote.id))
    ).all()
    return [SignedNote(note, (staff.name or staff.email) if staff else "") for note, staff in rows]
