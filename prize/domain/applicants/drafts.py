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
from prize.domain.editions.editions import accepts_applications
from prize.domain.errors import NotAllowed
from prize.formats import Quantity
from prize.i18n import N_, Message
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Attachment,
    ContentKind,
    Edition,
    pk,
)

# The contacts (section B) and the consents: each a form field stored as it is typed.
CONTACT_FIELDS = (
    "applicant_name",
    "address",
    "phone",
    "contact_email",
    "website",
    "social_links",
    "contact_person",
    "contact_person_email",
)
CONSENT_FIELDS = ("consent_processing", "consent_publication", "consent_summary")
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
    *CONTACT_FIELDS,
    "goals",
    "summary",
    "participation",
    "involvement",
    "links",
    *CONSENT_FIELDS,
)
INVOLVEMENT_AREAS = ("strategy", "structures", "activities", "evaluation")
WORD_LIMITS = {"goals": 100, "summary": 1000, "participation": 500}
MAX_LINKS = 3

# Each answer's name as the form labels it: a message read apart from its field (in the error
# summary, in the list of what a revision changed) says which answer it is about.
FIELD_LABELS: dict[str, str] = {
    "title": N_("Project title"),
    "organisation": N_("Organisation running the project"),
    "country_main": N_("Country where the project mainly runs"),
    "countries_other": N_("Other countries where it runs (if any)"),
    "countries": N_("Countries"),
    "young_people": N_("Number of young people under 25 taking part"),
    "adults": N_("Number of adults taking part"),
    "start_date": N_("Start date"),
    "still_running": N_("Is the project still running?"),
    "end_date": N_("End date"),
    "applicant_name": N_("Applicant's name"),
    "address": N_("Postal address"),
    "phone": N_("Telephone"),
    "contact_email": N_("Applicant's e-mail address"),
    "website": N_("Website"),
    "social_links": N_("Social media pages"),
    "contact_person": N_("Person who can discuss the project in English or French"),
    "contact_person_email": N_("That person's e-mail address"),
    "goals": N_("Prevention goals"),
    "summary": N_("Summary of the project"),
    "participation": N_("How young people participate"),
    "involvement": N_("Youth involvement"),
    "inv_strategy": N_("Are young people involved in the project's strategy?"),
    "inv_strategy_how": N_("How are they involved in the strategy?"),
    "inv_structures": N_("Are young people involved in its structures and decision-making?"),
    "inv_structures_how": N_("How are they involved in structures and decision-making?"),
    "inv_activities": N_("Are young people involved in its activities?"),
    "inv_activities_how": N_("How are they involved in the activities?"),
    "inv_evaluation": N_("Are young people involved in its evaluation?"),
    "inv_evaluation_how": N_("How are they involved in the evaluation?"),
    "links": N_("Links"),
    "consent_processing": N_("Data processing"),
    "consent_publication": N_("Publication if shortlisted"),
    "consent_summary": N_("Publication of the summary if shortlisted"),
    "files": N_("Files"),
}


# The form's fields in the order the page shows them (the error summary follows it).
PAGE_ORDER: tuple[str, ...] = tuple(
    field
    for name in FIELD_LABELS
    if name not in ("countries", "involvement", "files")
    for field in ([f"link_{i}" for i in range(1, MAX_LINKS + 1)] if name == "links" else [name])
)


def label_of(name: str) -> Message:
    """The label of a field of the form (``link_2``: "Link 2")."""
    if name.startswith("link_"):
        return Message(N_("Link %(n)s"), {"n": int(name.removeprefix("link_"))})
    return Message(FIELD_LABELS[name])


def word_limit_message(name: str, text: str) -> Message | None:
    """The message for a text over its word limit, naming the field; None within it."""
    n, limit = len(text.split()), WORD_LIMITS[name]
    if n <= limit:
        return None
    return Message(
        N_("%(field)s must be %(limit)s words or fewer; yours has %(n)s."),
        {"field": label_of(name), "limit": Quantity(limit), "n": Quantity(n)},
    )


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


def comparable(value: Any) -> Any:
    """An answer (or a version's ``values_of``) as two versions of it are compared: the line
    breaks of its texts all "\n". The form stores them so; answers stored before it did may hold
    a browser's "\r\n", which is no change the applicant made."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


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


def closed_by_deadline(application: Application, edition: Edition, now: datetime) -> bool:
    """Whether the call's close alone keeps this application from being changed now (not a
    withdrawal, a decision or a returned application's own date): its deadline has passed, or
    the call was closed early (its deadline is then the next minute)."""
    return (
        application.status in (ApplicationStatus.draft, ApplicationStatus.submitted)
        and application.erased_at is None
        and not accepts_applications(edition, now)
        and not can_edit(application, edition, now)
    )


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
        if submitted is not None and all(
            comparable(getattr(submitted, k)) == comparable(v) for k, v in values.items()
        ):
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


def has_revision(*, session: Session, application: Application) -> bool:
    """Whether a draft stands beside the submitted version (changes not resubmitted)."""
    return all(
        content_of(session=session, application=application, kind=kind) is not None
        for kind in (ContentKind.draft, ContentKind.submitted)
    )


def differences(*, session: Session, application: Application) -> list[str]:
    """What a revision (a draft beside the submitted version) changes, by field name in the
    form's order ("files" for the attachments); nothing without a revision."""
    draft = content_of(session=session, application=application, kind=ContentKind.draft)
    submitted = content_of(session=session, application=application, kind=ContentKind.submitted)
    if draft is None or submitted is None:
        return []
    names = [
        n
        for n in CONTENT_FIELDS
        if comparable(getattr(draft, n)) != comparable(getattr(submitted, n))
    ]

    def files(content: ApplicationContent) -> list[str]:
        rows = session.exec(select(Attachment.sha256).where(Attachment.content_id == content.id))
        return sorted(rows)

    if files(draft) != files(submitted):
        names.append("files")
    return names


def nothing_to_submit(*, session: Session, application: Application) -> bool:
    """Whether a submitted application has nothing new to submit: no revision, or one that
    changes nothing (a returned application may be sent back as it was, so it always has)."""
    return application.status is ApplicationStatus.submitted and not differences(
        session=session, application=application
    )


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
