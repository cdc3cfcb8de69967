"""Telling applicants and jurors what the jury's decisions and the publication mean for them.

``notify_shortlist`` runs when the final round begins (the shortlist is then fixed): each
shortlisted applicant is told, in confidence until publication; each other eligible applicant
is thanked and told kindly. ``notify_published`` runs on publication: every screened applicant
gets the results' link (winners, nominated projects and special mentions their certificate's
too), and every juror who took part thanks and the results' link. Both are called by
``transitions.move``, in the move's transaction, and each e-mail is in its reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from prize.domain.applicants.drafts import content_of
from prize.domain.jury import jurors, panel
from prize.domain.results.decisions import final_of, shortlist_of
from prize.domain.shared import audit, outbox
from prize.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    BallotStatus,
    ContentKind,
    Edition,
    Juror,
    pk,
)

SHORTLIST_KINDS = ("shortlisted", "not_shortlisted")
SCREENED = (ApplicationStatus.eligible, ApplicationStatus.ineligible)


def results_url(site: str, edition: Edition) -> str:
    """The public results page of ``edition`` on the site at ``site`` (PRIZE_BASE_URL)."""
    return f"{site.rstrip('/')}/editions/{edition.year}/results"


def certificate_url(site: str, edition: Edition, reference: str) -> str:
    return f"{results_url(site, edition)}/certificates/{reference}"


def _title(session: Session, application: Application) -> str:
    content = content_of(session=session, application=application, kind=ContentKind.submitted)
    return content.title if content else ""


def _applications(
    session: Session, edition: Edition, statuses: tuple[ApplicationStatus, ...]
) -> Sequence[Application]:
    return session.exec(
        select(Application)
        .where(
            Application.edition_id == edition.id,
            col(Application.status).in_(statuses),
            col(Application.erased_at).is_(None),
        )
        .order_by(col(Application.id))
    ).all()


ANNOUNCED = "shortlist.announced"


def _told_before(session: Session, edition: Edition) -> set[tuple[str, int]]:
    """The (kind, application) pairs told before: a round gone back and forth tells each
    applicant once, unless the news for them changed."""
    told: set[tuple[str, int]] = set()
    for event in session.exec(
        select(AuditEvent).where(AuditEvent.edition_id == edition.id, AuditEvent.kind == ANNOUNCED)
    ):
        for kind in SHORTLIST_KINDS:
            told |= {(kind, int(a)) for a in event.data.get(kind, [])}
    return told


def notify_shortlist(
    *,
    session: Session,
    edition: Edition,
    actor: audit.Actor,
    now: datetime,
    mail_domain: str = "prize.invalid",
) -> int:
    """E-mail every eligible applicant whether their project is on the confirmed shortlist
    (audited as ``shortlist.announced``, with whom each news went to)."""
    shortlisted = {d.application_id for d in shortlist_of(session=session, edition=edition)}
    told = _told_before(session, edition)
    sent: dict[str, list[int]] = {kind: [] for kind in SHORTLIST_KINDS}
    for application in _applications(session, edition, (ApplicationStatus.eligible,)):
        kind = "shortlisted" if application.id in shortlisted else "not_shortlisted"
        if (kind, pk(application)) in told:
            continue
        outbox.queue(
            session=session,
            kind=f"shortlist_{kind}",
            recipient=application.email,
            language=application.language,
            template=f"shortlist_{kind}",
            context={
                "edition": edition,
                "reference": application.reference or "",
                "title": _title(session, application),
                "final_closes_at": edition.final_closes_at,
                "announce_at": edition.announce_at,
            },
            now=now,
            mail_domain=mail_domain,
            edition_id=edition.id,
        )
        sent[kind].append(pk(application))
    if any(sent.values()):
        audit.record(
            session=session,
            actor=actor,
            kind=ANNOUNCED,
            now=now,
            edition_id=edition.id,
            subject_kind="edition",
            subject_id=edition.id,
            data=dict(sent),
        )
    return sum(len(ids) for ids in sent.values())


def notify_published(
    *, session: Session, edition: Edition, now: datetime, site: str, mail_domain: str
) -> int:
    """E-mail every screened applicant the results' link (with their certificate's link when
    their project is awarded), and thank every juror who took part, with the results' link."""
    awards = {d.application_id: d.award for d in final_of(session=session, edition=edition)}
    count = 0
    for application in _applications(session, edition, SCREENED):
        award = awards.get(pk(application))
        reference = application.reference or ""
        certified = award in (Award.winner, Award.nominated, Award.special_mention)
        outbox.queue(
            session=session,
            kind="results_published",
            recipient=application.email,
            language=application.language,
            template="results_published",
            context={
                "edition": edition,
                "reference": reference,
                "title": _title(session, application),
                "award": award.value if award else "",
                "eligible": application.status is ApplicationStatus.eligible,
                "results_url": results_url(site, edition),
                "certificate_url": (
                    certificate_url(site, edition, reference) if certified and reference else ""
                ),
            },
            now=now,
            mail_domain=mail_domain,
            edition_id=edition.id,
        )
        count += 1
    for juror in jurors.jurors_of(session=session, edition=edition, active_only=True):
        if not _took_part(juror):
            continue
        outbox.queue(
            session=session,
            kind="juror_thanks",
            recipient=juror.email,
            language=juror.language,
            template="juror_thanks",
            context={
                "edition": edition,
                "juror": juror,
                "receipts": [
                    b.receipt_code
                    for b in panel.ballots_of(session=session, juror=juror)
                    if b.receipt_code and b.status is BallotStatus.submitted
                ],
                "results_url": results_url(site, edition),
            },
            now=now,
            mail_domain=mail_domain,
            edition_id=edition.id,
        )
        count += 1
    return count


def _took_part(juror: Juror) -> bool:
    return juror.invited_at is not None and juror.revoked_at is None
