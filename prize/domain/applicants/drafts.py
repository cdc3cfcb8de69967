"""What an applicant types: the draft and the submitted version of an application
(``ApplicationContent``), at most one of each.

The draft is what the form edits. On a submitted application, the first change copies the
submitted version into a draft (a revision), with its attachment rows, sharing the stored files;
the submitted version stands until a resubmit replaces it (``submissions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize.domain.applicants.links import can_edit
from prize.domain.errors import NotAllowed
from prize.models import Application, ApplicationContent, Attachment, ContentKind, Edition, pk

# What an applicant types, field by field (ApplicationContent's columns minus bookkeeping).
CONTENT_FIELDS = (
    "title",
    "organisation",
    "countries",
    "young_people",
    "adults",
    "start_date",
    "still_running",
    "end_date",
    "applicant_name",
    "address",
    "phone",
    "contact_email",
    "website",
    "social_links",
    "contact_person",
    "contact_person_email",
    "goals",
    "summary",
    "participation",
    "involvement",
    "links",
    "consent_processing",
    "consent_publication",
    "consent_summary",
)
INVOLVEMENT_AREAS = ("strategy", "structures", "activities", "evaluation")
WORD_LIMITS = {"goals": 100, "summary": 1000, "participation": 500}
MAX_LINKS = 3


def content_of(
    *, session: Session, application: Application, kind: ContentKind
) -> ApplicationContent | None:
    return session.exec(
        select(ApplicationContent).where(
            ApplicationContent.application_id == application.id, ApplicationContent.kind == kind
        )
    ).first()


def submitted_contents(*, session: Session, ids: list[int]) -> dict[int, ApplicationContent]:
    """The submitted version of each of these applications, by application id (one query)."""
    if not ids:
        return {}
    return {
        c.application_id: c
        for c in session.exec(
            select(ApplicationContent).where(
                col(ApplicationContent.application_id).in_(ids),
                ApplicationContent.kind == ContentKind.submitted,
            )
        )
    }


def current_content(*, session: Session, application: Application) -> ApplicationContent | None:
    """What the applicant sees: the draft being edited, else the submitted version."""
    return content_of(
        session=session, application=application, kind=ContentKind.draft
    ) or content_of(session=session, application=application, kind=ContentKind.submitted)


def values_of(content: ApplicationContent) -> dict[str, Any]:
    return {name: getattr(content, name) for name in CONTENT_FIELDS}


def ensure_draft(
    *, session: Session, application: Application, now: datetime
) -> ApplicationContent:
    """The draft to edit; for a submitted application, a copy of the submitted version (with its
    attachments) that stands apart until a resubmit replaces the submitted one."""
    session.refresh(application, with_for_update=True)  # one request at a time per application
    draft = content_of(session=session, application=application, kind=ContentKind.draft)
    if draft is not None:
        return draft
    submitted = content_of(session=session, application=application, kind=ContentKind.submitted)
    values = values_of(submitted) if submitted is not None else {}
    draft = ApplicationContent(
        application_id=pk(application),
        kind=ContentKind.draft,
        updated_at=now,
        **values,
    )
    session.add(draft)
    session.flush()
    if submitted is not None:
        copy_attachments(session=session, source=submitted, target=draft)
    return draft


def save_draft(
    *,
    session: Session,
    application: Application,
    values: dict[str, Any],
    now: datetime,
) -> ApplicationContent:
    """Store what was typed (only well-formed values reach here) in the draft.

    On a submitted application an unchanged form changes nothing (a double click, a page sent
    again); a changed one starts a revision, leaving the submitted version standing.
    """
    session.refresh(application, with_for_update=True)  # one request at a time per application
    edition = session.get_one(Edition, application.edition_id)
    if not can_edit(application, edition, now):
        raise NotAllowed("Your application can no longer be changed: the deadline has passed.")
    unknown = set(values) - set(CONTENT_FIELDS)
    if unknown:
        raise ValueError(f"not content fields: {sorted(unknown)}")
    draft = content_of(session=session, application=application, kind=ContentKind.draft)
    if draft is None:
        submitted = content_of(session=session, application=application, kind=ContentKind.submitted)
        if submitted is not None and all(getattr(submitted, k) == v for k, v in values.items()):
            return submitted
    draft = ensure_draft(session=session, application=application, now=now)
    for name, value in values.items():
        setattr(draft, name, value)
    draft.updated_at = now
    application.updated_at = now
    session.add(draft)
    session.add(application)
    session.flush()
    return draft


def copy_attachments(
    *, session: Session, source: ApplicationContent, target: ApplicationContent
) -> None:
    """Give ``target`` a row for each of ``source``'s attachments, sharing the stored files."""
    rows = session.exec(
        select(Attachment).where(Attachment.content_id == source.id).order_by(col(Attachment.id))
    )
    for item in list(rows):
        session.add(
            Attachment(
                content_id=pk(target),
                stored_name=item.stored_name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                created_at=item.created_at,
            )
        )
    session.flush()
