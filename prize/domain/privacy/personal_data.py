"""Personal data: everything held about one person, as JSON; and erasing it after publication.

**Export** (``export_person``): by e-mail address, every application the address started or is a
contact on, each version of its content, its attachments' metadata, the juror records with that
address, and every e-mail sent to it.

**Erasure** (``erase_person``, ``erase_application``, ``erase_juror``) runs only once the edition's
results are published. It clears names, e-mail addresses, phone, postal address and the other
contact fields, deletes attached files (they may show people), and blanks the e-mails sent to the
person, and every text of the application that its applicant did not agree to publish, while
keeping what was consented for publication (title, organisation and country with the first
publication consent, the summary with both; a juror's first name only with consent) so that
published results stay whole. Figures, dates, countries and yes/no answers stay. Audit events refer
to people by id only, so the audit chain stays valid (``audit.verify``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, delete, select

from prize.domain.applicants import attachments
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.shared import audit, labels
from prize.domain.shared.email_addresses import normalise_email
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationNote,
    Attachment,
    ContentKind,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    pk,
)
from prize.security import redact
from prize.storage import Store

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a deliverable address
ERASED_TEXT = "(erased)"
# The contact fields of an application's content that identify a person.
CONTACT_FIELDS = (
    "applicant_name",
    "address",
    "phone",
    "contact_email",
    "social_links",
    "contact_person",
    "contact_person_email",
)
# Texts never published (docs/design.md, "Contracts"), cleared on erasure too.
UNPUBLISHED_TEXTS = ("website", "goals", "participation")


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


# --------------------------------------------------------------------------- export


def _content_json(content: ApplicationContent, files: list[Attachment]) -> dict[str, Any]:
    data = content.model_dump(mode="json", exclude={"id", "application_id"})
    data["attachments"] = [
        {
            "file_name": f.original_name,
            "content_type": f.content_type,
            "size": f.size,
            "sha256": f.sha256,
            "uploaded_at": _iso(f.created_at),
        }
        for f in files
    ]
    return data


def _applications_of(session: Session, email: str) -> list[Application]:
    """Applications this address started, or is a contact on (in any version)."""
    mentioned = (
        select(ApplicationContent.application_id)
        .where(
            or_(
                func.lower(col(ApplicationContent.contact_email)) == email,
                func.lower(col(ApplicationContent.contact_person_email)) == email,
            )
        )
        .scalar_subquery()
    )
    return list(
        session.exec(
            select(Application)
            .where(
                or_(func.lower(col(Application.email)) == email, col(Application.id).in_(mentioned))
            )
            .order_by(col(Application.id))
        )
    )


def export_person(
    *, session: Session, email: str, now: datetime, actor: audit.Actor | None = None
) -> dict[str, Any]:
    """Everything held about the person with this e-mail address, ready for ``json.dumps``.

    With an ``actor`` the export itself is audited (ids only), so the caller needs a writing
    session.
    """
    email = normalise_email(email)
    if "@" not in email:
        raise DomainError("Enter an e-mail address.", field="email")
    apps = _applications_of(session, email)
    years = {e.id: e.year for e in session.exec(select(Edition))}
    applications = _applications_json(session, apps, email=email, years=years)
    jurors = list(
        session.exec(
            select(Juror).where(func.lower(col(Juror.email)) == email).order_by(col(Juror.id))
        )
    )
    messages = list(
        session.exec(
            select(OutboxMessage)
            .where(func.lower(col(OutboxMessage.recipient)) == email)
            .order_by(col(OutboxMessage.id))
        )
    )
    document = {
        "email": email,
        "exported_at": now.isoformat(),
        "applications": applications,
        "jurors": [
            {
                "id": j.id,
                "edition": years.get(j.edition_id),
                **j.model_dump(mode="json", exclude={"id", "edition_id", "link_version"}),
            }
            for j in jurors
        ],
        "messages": [_message_json(m) for m in messages],
    }
    if actor is not None:
        audit.record(
            session=session,
            actor=actor,
            kind="personal_data.exported",
            now=now,
            data={
                "applications": [a.id for a in apps],
                "jurors": [j.id for j in jurors],
                "messages": len(messages),
            },
        )
    return document


def _applications_json(
    session: Session, apps: list[Application], *, email: str, years: Mapping[int | None, int]
) -> list[dict[str, Any]]:
    """The applications with each of their contents and its files, and the person's role."""
    contents = list(
        session.exec(
            select(ApplicationContent)
            .where(col(ApplicationContent.application_id).in_([a.id for a in apps]))
            .order_by(col(ApplicationContent.id))
        )
    )
    files: dict[int, list[Attachment]] = {pk(c): [] for c in contents}
    for f in session.exec(
        select(Attachment)
        .where(col(Attachment.content_id).in_(list(files)))
        .order_by(col(Attachment.id))
    ):
        files[f.content_id].append(f)
    return [
        {
            "id": a.id,
            "edition": years.get(a.edition_id),
            "role": "applicant" if normalise_email(a.email) == email else "contact",
            **a.model_dump(
                mode="json",
                exclude={"id", "edition_id", "link_version", "number"},
            ),
            "contents": [
                _content_json(c, files.get(pk(c), [])) for c in contents if c.application_id == a.id
            ],
        }
        for a in apps
    ]


def _message_json(message: OutboxMessage) -> dict[str, Any]:
    """A message as sent. Bodies hold personal links: their tokens are left out, so that the
    export cannot be used to open someone's application or ballot."""
    return {
        **message.model_dump(
            mode="json",
            include={"created_at", "kind", "recipient", "subject", "language", "status", "sent_at"},
        ),
        "body": redact(message.body),
    }


# --------------------------------------------------------------------------- erasure


def erased_address(kind: str, row_id: int | None) -> str:
    return f"{kind}-{row_id}@{ERASED_DOMAIN}"


def _require_published(session: Session, edition_id: int) -> Edition:
    edition = session.get_one(Edition, edition_id)
    if edition.state is not EditionState.published:
        raise NotAllowed(
            "Personal data is erased after the results are published; edition %(year)s is %(state)s.",
            year=edition.year,
            state=labels.state(edition.state),
        )
    return edition


def blank_messages(*, session: Session, email: str, edition_ids: Iterable[int | None]) -> int:
    """Blank the e-mails sent to ``email`` about these editions (``None``: about no edition)."""
    ids = list(edition_ids)
    known = [i for i in ids if i is not None]
    which: Any = col(OutboxMessage.edition_id).in_(known)
    if None in ids:
        which = or_(which, col(OutboxMessage.edition_id).is_(None))
    n = 0
    for message in session.exec(
        select(OutboxMessage).where(func.lower(col(OutboxMessage.recipient)) == email, which)
    ):
        message.recipient = f"{ERASED_TEXT}@{ERASED_DOMAIN}"
        message.subject = ERASED_TEXT
        message.body = ""
        message.last_error = ""
        session.add(message)
        n += 1
    return n


def erase_application(
    *,
    session: Session,
    application: Application,
    actor: audit.Actor,
    now: datetime,
    store: Store,
) -> Application:
    """Erase the applicant's personal data from one application of a published edition.

    Its attachments are deleted, their files from ``store`` once the transaction commits.
    """
    _require_published(session, application.edition_id)
    if application.erased_at is not None:
        return application
    email = normalise_email(application.email)
    contents = list(
        session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == application.id)
        )
    )
    content_ids = [pk(c) for c in contents]
    stored = attachments.stored_names_of(session=session, content_ids=content_ids)
    session.exec(delete(Attachment).where(col(Attachment.content_id).in_(content_ids)))
    attachments.delete_files_after_commit(session=session, store=store, names=stored)
    notes = session.exec(
        delete(ApplicationNote).where(col(ApplicationNote.application_id) == application.id)
    ).rowcount
    kept = published_texts(contents)
    for content in contents:
        _blank_content(content, kept=kept)
        session.add(content)
    application.translation = {k: v for k, v in application.translation.items() if k in kept}
    application.email = erased_address("application", application.id)
    application.link_version += 1  # every resume link dies
    application.erased_at = now
    application.updated_at = now
    session.add(application)
    if not _other_applications(session, email=email, application=application):
        blank_messages(session=session, email=email, edition_ids=[application.edition_id])
    audit.record(
        session=session,
        actor=actor,
        kind="personal_data.erased",
        now=now,
        edition_id=application.edition_id,
        subject_kind="application",
        subject_id=application.id,
        data={"files": len(stored), **({"notes": notes} if notes else {})},
    )
    session.flush()
    return application


def _blank_content(content: ApplicationContent, *, kept: set[str]) -> None:
    """Blank a content's contacts and texts, but for the published ones in ``kept``."""
    for name in (*CONTACT_FIELDS, *UNPUBLISHED_TEXTS):
        setattr(content, name, "")
    for name in ("title", "organisation", "summary"):
        if name not in kept:
            setattr(content, name, "")
    content.involvement = {
        area: {**answer, "how": ""} if isinstance(answer, dict) else answer
        for area, answer in content.involvement.items()
    }
    content.links = []


def _other_applications(session: Session, *, email: str, application: Application) -> int:
    """How many other applications this address has in the edition, not erased."""
    return session.exec(
        select(func.count())
        .select_from(Application)
        .where(
            func.lower(col(Application.email)) == email,
            Application.edition_id == application.edition_id,
            col(Application.id) != application.id,
            col(Application.erased_at).is_(None),
        )
    ).one()


def published_texts(contents: Iterable[ApplicationContent]) -> set[str]:
    """The texts an application's applicant agreed to publish, as its submitted version says
    (a draft's consent was never given): title and organisation with the first consent, the
    summary with both (``published`` shows a summary only beside a title)."""
    submitted = next((c for c in contents if c.kind is ContentKind.submitted), None)
    if submitted is None or not submitted.consent_publication:
        return set()
    return {"title", "organisation"} | ({"summary"} if submitted.consent_summary else set())


def erase_juror(
    *,
    session: Session,
    juror: Juror,
    actor: audit.Actor,
    now: datetime,
    store: Store | None = None,
) -> Juror:
    """Erase a juror's personal data after publication; the first name stays only with consent.
    The guardian's signed form goes from the store once this commits (without one, the
    orphan sweep of ``prize retention`` removes it)."""
    _require_published(session, juror.edition_id)
    if juror.erased_at is not None:
        return juror
    email = normalise_email(juror.email)
    if not juror.publish_name_consent:
        juror.first_name = ""
    juror.last_name = ""
    juror.email = erased_address("juror", juror.id)
    juror.birth_date = None
    juror.guardian_name = ""
    if juror.guardian_form and store is not None:
        store.delete_after_commit(session, [juror.guardian_form])
    juror.guardian_form = juror.guardian_form_name = juror.guardian_form_type = ""
    juror.link_version += 1
    juror.erased_at = now
    session.add(juror)
    blank_messages(session=session, email=email, edition_ids=[juror.edition_id])
    audit.record(
        session=session,
        actor=actor,
        kind="personal_data.erased",
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
    )
    session.flush()
    return juror


@dataclass
class ErasureReport:
    applications: list[int] = field(default_factory=list)
    jurors: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # editions not published yet


def erase_person(
    *, session: Session, email: str, actor: audit.Actor, now: datetime, store: Store
) -> ErasureReport:
    """Erase everything about this address in published editions.

    Applications and juror records in editions not yet published are left alone and reported
    in ``waiting``; when nothing at all can be erased yet, the request is refused.
    """
    email = normalise_email(email)
    if "@" not in email:
        raise DomainError("Enter an e-mail address.", field="email")
    report = ErasureReport()
    states = {e.id: (e.state, e.year) for e in session.exec(select(Edition))}
    apps = session.exec(
        select(Application)
        .where(func.lower(col(Application.email)) == email, col(Application.erased_at).is_(None))
        .order_by(col(Application.id))
    ).all()
    jurors = session.exec(
        select(Juror)
        .where(func.lower(col(Juror.email)) == email, col(Juror.erased_at).is_(None))
        .order_by(col(Juror.id))
    ).all()
    if not apps and not jurors:
        raise DomainError("Nothing is held about this address.", field="email")
    for app in apps:
        state, year = states[app.edition_id]
        if state is not EditionState.published:
            report.waiting.append(year)
            continue
        erase_application(session=session, application=app, actor=actor, now=now, store=store)
        report.applications.append(pk(app))
    for juror in jurors:
        state, year = states[juror.edition_id]
        if state is not EditionState.published:
            report.waiting.append(year)
            continue
        erase_juror(session=session, juror=juror, actor=actor, now=now, store=store)
        report.jurors.append(pk(juror))
    report.waiting = sorted(set(report.waiting))
    if not report.applications and not report.jurors:
        raise NotAllowed(
            "Personal data is erased after the results are published; this address appears only "
            "in editions not published yet (%(years)s).",
            years=", ".join(str(y) for y in report.waiting),
        )
    if not _still_named(session, email=email):  # nothing left: e-mails about no edition too
        blank_messages(session=session, email=email, edition_ids=[None])
    session.flush()
    return report


def _still_named(session: Session, *, email: str) -> bool:
    """Whether an application or a juror still has this address."""
    return bool(
        session.exec(
            select(func.count())
            .select_from(Application)
            .where(func.lower(col(Application.email)) == email)
        ).one()
        or session.exec(
            select(func.count()).select_from(Juror).where(func.lower(col(Juror.email)) == email)
        ).one()
    )
