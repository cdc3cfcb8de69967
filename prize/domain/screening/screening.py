"""Screening: the secretariat's eligibility decisions, late acceptance and translations for the jury.

While an edition is in ``screening`` each submitted application becomes **eligible**,
**ineligible** (a reason from the rules, plus free text, told to the applicant) or **returned** to
its applicant for missing information with a message and a date (the applicant may edit and
resubmit until then; ``applicants.links.can_edit`` honours ``info_due``). An outcome waits to be
e-mailed (``screening_mail``) until the secretariat sends the screening results, one reviewed
batch (``send_results``), unless it is sent at once (``mail=True``); either way the e-mail is in the
applicant's language, in the same transaction. A decision not yet e-mailed may be corrected
freely; one the applicant was told may be changed while the edition is still in screening, with a
reason. Every step is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize.domain.applicants.drafts import content_of
from prize.domain.applicants.links import LinkMaker
from prize.domain.errors import Conflict, DomainError, NotAllowed
from prize.domain.screening.translation import TRANSLATED_FIELDS, TRANSLATION_LIMITS
from prize.domain.screening.translation import complete as translation_complete
from prize.domain.shared import audit, labels, outbox
from prize.i18n import N_, gettext
from prize.models import (
    Application,
    ApplicationStatus,
    ContentKind,
    Edition,
    EditionState,
)

A = ApplicationStatus

# The eligibility rules (docs/design.md, "The real prize the product fits"), each with its label.
REASONS: dict[str, str] = {
    "country": N_("The project does not run mainly in an eligible country."),
    "structure": N_("The project is not run by more than one person with some structure."),
    "not_prevention": N_("The project is not wholly or mainly drug prevention."),
    "youth_participation": N_("Young people under 25 do not take an active part in the project."),
    "not_running": N_("The project is neither running nor recently finished."),
    "incomplete": N_("The application is incomplete."),
    "other": N_("Another reason (explained below)."),
}
OUTCOMES = (A.eligible, A.ineligible, A.returned)
SCREENED = frozenset(OUTCOMES)  # a decision already taken: changing it needs a reason
TRANSLATION_STATES = frozenset(
    {EditionState.screening, EditionState.shortlisting, EditionState.final, EditionState.decided}
)
NOTE_LIMIT = 5_000
# What ``Application.screening_mail`` holds while a decision waits to be e-mailed.
DECISION, CHANGE = "decision", "change"


def reason_label(code: str, language: str = "en") -> str:
    """The rule's label in ``language`` (the code itself for an unknown one)."""
    return gettext(language, REASONS[code]) if code in REASONS else code


@dataclass(frozen=True)
class Outcome:
    """What the secretariat decided for one application."""

    status: ApplicationStatus
    reason_code: str = ""  # ineligible: a key of REASONS
    note: str = ""  # ineligible: free text told to the applicant
    info_message: str = ""  # returned: what is missing
    info_due: datetime | None = None  # returned: until when the applicant may resubmit


def _edition(session: Session, application: Application) -> Edition:
    return session.get_one(Edition, application.edition_id)


def _require_screening(edition: Edition) -> None:
    if edition.state is not EditionState.screening:
        raise NotAllowed(
            "Applications are screened only while the edition is in screening; "
            "edition %(year)s is %(state)s.",
            year=edition.year,
            state=labels.state(edition.state),
        )


def _check(outcome: Outcome, now: datetime) -> Outcome:
    """The outcome with its text stripped, or a DomainError naming the field to correct."""
    if outcome.status not in OUTCOMES:
        raise DomainError("Choose eligible, ineligible or returned.", field="status")
    note = outcome.note.strip()
    message = outcome.info_message.strip()
    if len(note) > NOTE_LIMIT or len(message) > NOTE_LIMIT:
        raise DomainError("Use at most %(n)s characters.", field="note", n=NOTE_LIMIT)
    if outcome.status is A.ineligible:
        if outcome.reason_code not in REASONS:
            raise DomainError("Choose the rule the application does not meet.", field="reason")
        if outcome.reason_code == "other" and not note:
            raise DomainError("Explain the reason to the applicant.", field="note")
        return Outcome(A.ineligible, outcome.reason_code, note)
    if outcome.status is A.returned:
        if not message:
            raise DomainError("Say what information is missing.", field="info_message")
        if outcome.info_due is None:
            raise DomainError("Give the date by which the applicant may reply.", field="info_due")
        if outcome.info_due <= now:
            raise DomainError("The date must be in the future.", field="info_due")
        return Outcome(A.returned, info_message=message, info_due=outcome.info_due)
    return Outcome(A.eligible)


def _unchanged(application: Application, outcome: Outcome) -> bool:
    return (
        application.status is outcome.status
        and application.screening_reason == outcome.reason_code
        and application.screening_note == outcome.note
        and application.info_message == outcome.info_message
        and application.info_due == outcome.info_due
    )


def _tell_applicant(
    session: Session,
    application: Application,
    edition: Edition,
    template: str,
    now: datetime,
    links: LinkMaker | None,
    **context: object,
) -> None:
    """E-mail the applicant ``template`` in their language, with the edition and their resume
    link (when ``links`` can make it) besides ``context``."""
    outbox.queue(
        session=session,
        kind=template,
        recipient=application.email,
        language=application.language,
        template=template,
        context={
            **context,
            "edition": edition,
            "url": links.resume_url(application) if links else "",
        },
        now=now,
        mail_domain=links.mail_domain if links else "prize.invalid",
        edition_id=edition.id,
    )


def screen(
    *,
    session: Session,
    application: Application,
    outcome: Outcome,
    actor: audit.Actor,
    now: datetime,
    change_reason: str = "",
    links: LinkMaker | None = None,
    mail: bool = True,
) -> Application:
    """Record the screening outcome and audit it; e-mail the applicant now (``mail``) or with
    the next screening results (``send_results``), in one transaction.

    Refused outside the screening state, for drafts and withdrawn applications, for an
    ineligible outcome without a rule, and for a change of a decision the applicant was told
    without a reason. Sending the same decision twice (a double click) changes nothing and sends
    nothing (unless it was waiting and is now to be sent at once).
    """
    session.refresh(application, with_for_update=True)  # one request at a time per application
    edition = _edition(session, application)
    _require_screening(edition)
    if application.status is A.draft:
        raise NotAllowed("A draft cannot be screened: it was never submitted.")
    if application.status is A.withdrawn:
        raise NotAllowed("This application was withdrawn by its applicant.")
    outcome = _check(outcome, now)
    waiting = application.screening_mail
    if _unchanged(application, outcome) and not (mail and waiting):
        return application
    change_reason = change_reason.strip()
    told = told_applicant(application)
    changes = told or waiting == CHANGE  # the applicant knows a decision this one replaces
    if told and not change_reason:
        raise DomainError("Give a reason for changing the decision.", field="change_reason")
    origin = application.status
    application.status = outcome.status
    application.screening_reason = outcome.reason_code
    application.screening_note = outcome.note
    application.info_message = outcome.info_message
    application.info_due = outcome.info_due
    application.screened_at = now
    application.updated_at = now
    session.add(application)
    audit.record(
        session=session,
        actor=actor,
        kind="application.screened",
        now=now,
        edition_id=edition.id,
        subject_kind="application",
        subject_id=application.id,
        reason=change_reason,
        data=_audit_data(origin, outcome) | ({} if mail else {"mail": "with the results"}),
    )
    application.screening_mail = "" if mail else (CHANGE if changes else DECISION)
    if mail:
        _tell(session, application, edition, changed=changes, now=now, links=links)
    session.flush()
    return application


def told_applicant(application: Application) -> bool:
    """Whether the applicant was told the application's current screening decision."""
    return application.status in SCREENED and not application.screening_mail


def _tell(
    session: Session,
    application: Application,
    edition: Edition,
    *,
    changed: bool,
    now: datetime,
    links: LinkMaker | None,
) -> None:
    """E-mail the applicant the recorded decision, and note that they know it."""
    outcome = Outcome(
        status=application.status,
        reason_code=application.screening_reason,
        note=application.screening_note,
        info_message=application.info_message,
        info_due=application.info_due,
    )
    _tell_outcome(
        session,
        application=application,
        edition=edition,
        outcome=outcome,
        changed=changed,
        now=now,
        links=links,
    )
    application.screening_mail = ""
    session.add(application)


def pending(*, session: Session, edition: Edition) -> list[Application]:
    """The screening decisions waiting to be e-mailed to their applicants, by reference."""
    return list(
        session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.screening_mail != "",
            )
            .order_by(col(Application.reference), col(Application.id))
        )
    )


def send_results(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    links: LinkMaker | None = None,
) -> list[Application]:
    """E-mail every screening decision still waiting, each to its applicant in their language,
    as one audited batch; the decisions sent (none: nothing was waiting)."""
    session.refresh(edition, with_for_update=True)  # two clicks: one batch after the other
    waiting = pending(session=session, edition=edition)
    for application in waiting:
        session.refresh(application, with_for_update=True)
        _tell(
            session,
            application,
            edition,
            changed=application.screening_mail == CHANGE,
            now=now,
            links=links,
        )
    if waiting:
        audit.record(
            session=session,
            actor=actor,
            kind="screening.results_sent",
            now=now,
            edition_id=edition.id,
            subject_kind="edition",
            subject_id=edition.id,
            data={"applications": [a.id for a in waiting]},
        )
    session.flush()
    return waiting


def _tell_outcome(
    session: Session,
    *,
    application: Application,
    edition: Edition,
    outcome: Outcome,
    changed: bool,
    now: datetime,
    links: LinkMaker | None,
) -> None:
    """E-mail the applicant the outcome, in their language."""
    content = content_of(session=session, application=application, kind=ContentKind.submitted)
    _tell_applicant(
        session,
        application,
        edition,
        f"screening_{outcome.status.value}",
        now,
        links,
        reference=application.reference,
        title=content.title if content else "",
        # the rule's English label, translated by the template into the reader's language;
        # "another reason" is the note itself
        reason=""
        if outcome.reason_code == "other"
        else REASONS.get(outcome.reason_code, outcome.reason_code),
        note=outcome.note,
        message=outcome.info_message,
        due=outcome.info_due,
        changed=changed,
    )


def _audit_data(origin: A, outcome: Outcome) -> dict[str, Any]:
    """The move and the parts of the outcome given, for the audit log."""
    data: dict[str, Any] = {"from": origin.value, "to": outcome.status.value}
    if outcome.reason_code:
        data["rule"] = outcome.reason_code
    if outcome.note:
        data["note"] = outcome.note
    if outcome.info_message:
        data["message"] = outcome.info_message
    if outcome.info_due:
        data["due"] = outcome.info_due.isoformat()
    return data


def accept_late(
    *,
    session: Session,
    application: Application,
    reason: str,
    actor: audit.Actor,
    now: datetime,
    links: LinkMaker | None = None,
) -> Application:
    """Let one unsubmitted application be submitted after the deadline (``late_reason``)."""
    session.refresh(application, with_for_update=True)  # one request at a time per application
    edition = _edition(session, application)
    reason = reason.strip()
    if not reason:
        raise DomainError("Give the reason for accepting this application late.", field="reason")
    if len(reason) > NOTE_LIMIT:
        raise DomainError("Use at most %(n)s characters.", field="reason", n=NOTE_LIMIT)
    if application.status is not A.draft:
        raise Conflict("This application is already submitted.")
    if edition.state not in (EditionState.open, EditionState.screening):
        raise NotAllowed(
            "A late application can be accepted only while the edition is open or in screening."
        )
    if now < edition.deadline:
        raise NotAllowed("The deadline has not passed: the applicant can still submit.")
    if application.late_reason:
        return application  # accepted already (a double click)
    application.late_reason = reason
    application.updated_at = now
    session.add(application)
    audit.record(
        session=session,
        actor=actor,
        kind="application.late_accepted",
        now=now,
        edition_id=edition.id,
        subject_kind="application",
        subject_id=application.id,
        reason=reason,
    )
    draft = content_of(session=session, application=application, kind=ContentKind.draft)
    _tell_applicant(
        session,
        application,
        edition,
        "screening_late",
        now,
        links,
        title=draft.title if draft else "",
    )
    session.flush()
    return application


def set_translation(
    *,
    session: Session,
    application: Application,
    texts: Mapping[str, str],
    actor: audit.Actor,
    now: datetime,
) -> Application:
    """Store the English translation of the application's texts for the jury.

    ``texts`` maps some of ``TRANSLATED_FIELDS`` to English text; an empty text removes that
    field's translation. Shown to the jury beside the original.
    """
    edition = _edition(session, application)
    if edition.state not in TRANSLATION_STATES:
        raise NotAllowed(
            "Translations are added from screening until the results are published; "
            "edition %(year)s is %(state)s.",
            year=edition.year,
            state=labels.state(edition.state),
        )
    if application.status in (A.draft, A.withdrawn):
        raise NotAllowed("Only submitted applications are translated for the jury.")
    unknown = sorted(set(texts) - set(TRANSLATED_FIELDS))
    if unknown:
        raise DomainError("%(name)s cannot be translated.", field=unknown[0], name=unknown[0])
    before = dict(application.translation or {})
    translation = dict(before)
    for name, value in texts.items():
        value = value.strip().replace("\r\n", "\n")
        if len(value) > TRANSLATION_LIMITS[name]:
            raise DomainError(
                "Use at most %(n)s characters.", field=name, n=TRANSLATION_LIMITS[name]
            )
        if value:
            translation[name] = value
        else:
            translation.pop(name, None)
    if translation == before:
        return application
    changed = sorted(k for k in TRANSLATED_FIELDS if translation.get(k) != before.get(k))
    application.translation = translation
    application.updated_at = now
    session.add(application)
    audit.record(
        session=session,
        actor=actor,
        kind="application.translated",
        now=now,
        edition_id=edition.id,
        subject_kind="application",
        subject_id=application.id,
        data={
            "fields": changed,
            "complete": translation_complete(
                content_of(session=session, application=application, kind=ContentKind.submitted),
                translation,
            ),
        },
    )
    session.flush()
    return application
