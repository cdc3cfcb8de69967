"""Submitting, resubmitting and withdrawing an application.

Submitting checks the window by the server's clock and the form's completeness, gives the
application its reference (``EDPP-<year>-<NNNN>``, from ``Edition.last_number`` taken under a lock
in the same transaction, so numbers have no gaps), turns the draft into the submitted version in
one step, audits it and queues the confirmation. Submitting twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from prize import countries
from prize.domain.applicants import attachments, drafts
from prize.domain.applicants import links as application_links
from prize.domain.applicants.applications import record_event, require_confirmed
from prize.domain.applicants.drafts import INVOLVEMENT_AREAS, label_of
from prize.domain.applicants.links import LinkMaker
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.shared import outbox
from prize.i18n import N_, Message
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    ContentKind,
    Edition,
    pk,
)
from prize.storage import Store

RESUBMITTABLE = (ApplicationStatus.draft, ApplicationStatus.submitted, ApplicationStatus.returned)


class Incomplete(DomainError):
    """The form lacks parts: ``missing`` lists (field name, message) for each."""

    def __init__(self, missing: list[tuple[str, Message]]) -> None:
        super().__init__(N_("Your application is not complete yet."))
        self.missing = missing


def words(text: str) -> int:
    return len(text.split())


def missing_parts(
    content: ApplicationContent, edition: Edition, today: date
) -> list[tuple[str, Message]]:
    """Every part that keeps ``content`` from being submitted, in the form's order."""
    out = [
        *_missing_project(content, edition, today),
        *_missing_contacts(content),
        *_missing_description(content),
    ]
    if not content.consent_processing:
        out.append(
            (
                "consent_processing",
                Message("Agree to the processing of the data in this application."),
            )
        )
    return out


def _missing_project(
    content: ApplicationContent, edition: Edition, today: date
) -> list[tuple[str, Message]]:
    """Section A, the project."""
    out: list[tuple[str, Message]] = []

    def error(field: str, msgid: str) -> None:
        out.append((field, Message(msgid)))

    if not content.title.strip():
        error("title", "Give your project's title.")
    if not content.organisation.strip():
        error("organisation", "Name the organisation that runs the project.")
    if not content.countries:
        error("country_main", "Choose the country where the project mainly runs.")
    elif any(code not in edition.eligible_countries for code in content.countries):
        error("country_main", "Choose countries from the list of eligible countries.")
    if content.young_people is None:
        error("young_people", "Say how many young people under 25 take part.")
    if content.adults is None:
        error("adults", "Say how many adults take part.")
    if content.start_date is None:
        error("start_date", "Give the date the project started.")
    elif content.start_date > today:
        error(
            "start_date", "The start date cannot be to come: the prize rewards work already done."
        )
    if content.still_running is None:
        error("still_running", "Say whether the project is still running.")
    elif not content.still_running and content.end_date is None:
        error("end_date", "Give the date the project ended, or say that it is still running.")
    return out


def _missing_contacts(content: ApplicationContent) -> list[tuple[str, Message]]:
    """Section B, the contacts."""
    return [
        (field, Message(msgid))
        for field, msgid in (
            ("applicant_name", N_("Give the applicant's name.")),
            ("address", N_("Give the applicant's postal address.")),
            ("phone", N_("Give a telephone number.")),
            ("contact_email", N_("Give an e-mail address for the applicant.")),
            (
                "contact_person",
                N_("Name a person who can discuss the project in English or French."),
            ),
            ("contact_person_email", N_("Give that person's e-mail address.")),
        )
        if not str(getattr(content, field)).strip()
    ]


def _missing_description(content: ApplicationContent) -> list[tuple[str, Message]]:
    """Section C, the description and the youth involvement grid."""
    out: list[tuple[str, Message]] = []
    for field, msgid in (
        ("goals", N_("Describe the project's prevention goals.")),
        ("summary", N_("Write a summary of the project.")),
        ("participation", N_("Describe how young people take part.")),
    ):
        text = str(getattr(content, field))
        if not text.strip():
            out.append((field, Message(msgid)))
        elif (too_long := drafts.word_limit_message(field, text)) is not None:
            out.append((field, too_long))
    for area in INVOLVEMENT_AREAS:
        answer = content.involvement.get(area) or {}
        question, how = "inv_" + area, "inv_" + area + "_how"
        if answer.get("involved") is None:
            out.append(
                (
                    question,
                    Message(N_("%(field)s Answer yes or no."), {"field": label_of(question)}),
                )
            )
        elif answer.get("involved") and not str(answer.get("how", "")).strip():
            out.append(
                (
                    how,
                    Message(
                        N_("%(field)s Say how, since you answered yes."),
                        {"field": label_of(how)},
                    ),
                )
            )
    return out


def can_submit(application: Application, edition: Edition, now: datetime) -> bool:
    return application.status in RESUBMITTABLE and application_links.can_edit(
        application, edition, now
    )


@dataclass(frozen=True)
class Outcome:
    application: Application
    changed: bool  # False when the submit changed nothing (a second click)


def _lock_edition(session: Session, edition_id: int) -> Edition:
    return session.exec(
        select(Edition)
        .where(Edition.id == edition_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def submit(
    *,
    session: Session,
    application: Application,
    links: LinkMaker,
    store: Store,
    now: datetime,
    confirmed_only: bool = False,
) -> Outcome:
    """Submit the draft (or a revision, replacing the submitted version and keeping the reference).

    ``confirmed_only`` (the applicant's own submit): refused while the application's address is
    not confirmed (``applications.Unconfirmed``, with every part missing besides)."""
    session.refresh(application, with_for_update=True)  # a double click waits here, then no-ops
    edition = session.get_one(Edition, application.edition_id)
    draft = drafts.content_of(session=session, application=application, kind=ContentKind.draft)
    submitted = drafts.content_of(
        session=session, application=application, kind=ContentKind.submitted
    )
    if (
        application.status is ApplicationStatus.submitted
        and submitted is not None
        and _unchanged(session, draft=draft, submitted=submitted)
    ):
        if draft is not None:  # an edit that changed nothing: drop it, keep what stands
            attachments.delete_rows_of(session=session, content=draft)
            session.delete(draft)
            session.flush()
        return Outcome(application, changed=False)
    _refuse_closed(application, edition, now)
    if draft is None:  # returned for information and sent back as it was
        if submitted is None:
            raise Incomplete([("title", Message("Give your project's title."))])
        draft = drafts.ensure_draft(session=session, application=application, now=now)
    missing = missing_parts(draft, edition, now.date())
    if confirmed_only:
        require_confirmed(application, missing)
    if missing:
        raise Incomplete(missing)

    first = application.number is None
    if first:
        _give_reference(session, application=application, edition=edition)
    orphans = _promote(session, draft=draft, submitted=submitted, now=now)
    was = application.status
    application.status = ApplicationStatus.submitted
    application.submitted_at = application.submitted_at or now
    application.updated_at = now
    session.add(application)
    session.flush()
    attachments.delete_files_after_commit(session=session, store=store, names=orphans)
    kind = "application.submitted" if first else "application.resubmitted"
    record_event(
        session=session,
        application=application,
        kind=kind,
        now=now,
        data={"reference": application.reference, "from": was.value},
    )
    _confirm(
        session=session,
        application=application,
        edition=edition,
        content=draft,
        first=first,
        links=links,
        now=now,
    )
    return Outcome(application, changed=True)


def _refuse_closed(application: Application, edition: Edition, now: datetime) -> None:
    """Refuse an application that cannot be submitted (again), or a call past its deadline."""
    if not can_submit(application, edition, now):
        if application.status not in RESUBMITTABLE:
            raise NotAllowed("This application cannot be submitted again.")
        raise NotAllowed(
            "The deadline has passed: applications can no longer be submitted or changed."
        )


def _unchanged(
    session: Session, *, draft: ApplicationContent | None, submitted: ApplicationContent
) -> bool:
    """Whether the draft (if any) has the submitted version's answers and files."""
    return draft is None or (
        drafts.comparable(drafts.values_of(draft)) == drafts.comparable(drafts.values_of(submitted))
        and attachments.same_files(
            attachments.of_content(session=session, content=draft),
            attachments.of_content(session=session, content=submitted),
        )
    )


def _promote(
    session: Session,
    *,
    draft: ApplicationContent,
    submitted: ApplicationContent | None,
    now: datetime,
) -> set[str]:
    """Make the draft the submitted version in place of the one before, if any; return the
    stored names of the files the one before used (some may still be the draft's)."""
    orphans: set[str] = set()
    if submitted is not None:
        orphans = attachments.delete_rows_of(session=session, content=submitted)
        session.delete(submitted)
        session.flush()
    draft.kind = ContentKind.submitted
    draft.updated_at = now
    session.add(draft)
    return orphans


def _give_reference(session: Session, *, application: Application, edition: Edition) -> None:
    """The edition's next number and the reference made of it, for a first submission."""
    locked = _lock_edition(session, pk(edition))
    locked.last_number += 1
    session.add(locked)
    application.number = locked.last_number
    # A rehearsal's references are marked, and never those of the real edition of its year.
    prefix = "REHEARSAL" if locked.rehearsal else "EDPP"
    application.reference = f"{prefix}-{locked.year}-{locked.last_number:04d}"


def _confirm(
    *,
    session: Session,
    application: Application,
    edition: Edition,
    content: ApplicationContent,
    first: bool,
    links: LinkMaker,
    now: datetime,
) -> None:
    """Queue the e-mail confirming the submission, with what was submitted."""
    files = attachments.of_content(session=session, content=content)
    outbox.queue(
        session=session,
        kind="application_confirmation",
        recipient=application.email,
        language=application.language,
        template="application_confirmation",
        context={
            "reference": application.reference,
            "first": first,
            "content": content,
            "country_names": [countries.name(c, application.language) for c in content.countries],
            "files": [f.original_name for f in files],
            "submitted_at": now,
            "deadline": edition.deadline,
            "url": links.resume_url(application),
            "edition_year": edition.year,
        },
        now=now,
        mail_domain=links.mail_domain,
        edition_id=edition.id,
    )


def withdraw(
    *, session: Session, application: Application, links: LinkMaker, now: datetime, reason: str = ""
) -> Application:
    """Withdraw a submitted application before screening ends (audited, confirmed by e-mail)."""
    session.refresh(application, with_for_update=True)
    edition = session.get_one(Edition, application.edition_id)
    if application.status is ApplicationStatus.withdrawn:
        return application
    if not application_links.can_withdraw(application, edition):
        if application.status is ApplicationStatus.draft:
            raise NotAllowed("A draft is not withdrawn: delete it instead.")
        raise NotAllowed("Screening has ended: the application can no longer be withdrawn.")
    was = application.status
    application.status = ApplicationStatus.withdrawn
    application.withdrawn_at = now
    application.updated_at = now
    session.add(application)
    record_event(
        session=session,
        application=application,
        kind="application.withdrawn",
        now=now,
        reason=reason.strip()[:2000],
        data={"reference": application.reference, "from": was.value},
    )
    content = drafts.current_content(session=session, application=application)
    outbox.queue(
        session=session,
        kind="application_withdrawn",
        recipient=application.email,
        language=application.language,
        template="application_withdrawn",
        context={
            "reference": application.reference,
            "title": content.title if content else "",
            "edition_year": edition.year,
        },
        now=now,
        mail_domain=links.mail_domain,
        edition_id=edition.id,
    )
    session.flush()
    return application


def discard_revision(
    *, session: Session, application: Application, store: Store, now: datetime
) -> None:
    """Drop the changes made since the application was submitted: the revision and the files
    added to it go, the submitted version stands as it was."""
    session.refresh(application, with_for_update=True)
    draft = drafts.content_of(session=session, application=application, kind=ContentKind.draft)
    submitted = drafts.content_of(
        session=session, application=application, kind=ContentKind.submitted
    )
    if draft is None or submitted is None:
        raise NotAllowed(N_("There are no changes to discard."))
    kept = attachments.stored_names_of(session=session, content_ids=[pk(submitted)])
    names = attachments.delete_rows_of(session=session, content=draft)
    session.delete(draft)
    application.updated_at = now
    session.add(application)
    session.flush()
    attachments.delete_files_after_commit(session=session, store=store, names=names - kept)
