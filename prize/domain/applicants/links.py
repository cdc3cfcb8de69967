"""Resume links and what they open: the application's state and the server's clock decide.

A link (purpose ``application``) holds the application's id, ``Application.link_version`` and
``Application.link_secret`` (so it opens that row and no other, whatever happens to ids); it
opens the application for editing until the deadline (with the secretariat's exceptions) and
read-only afterwards, with its outcome once the results are published (a draft never submitted
then opens nothing). A year caps it (see ``prize.tokens``).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from prize.domain.editions.editions import accepts_applications
from prize.models import Application, ApplicationStatus, Edition, EditionState, pk
from prize.tokens import LinkExpired, LinkRevoked, Purpose, Signer, check


@dataclass(frozen=True)
class LinkMaker:
    """Makes resume links and knows where to send them from (the site's address, the mail domain)."""

    signer: Signer
    base_url: str
    mail_domain: str = "prize.invalid"

    def token(self, application: Application) -> str:
        return self.signer.dumps(
            Purpose.application, pk(application), application.link_version, application.link_secret
        )

    def resume_url(self, application: Application) -> str:
        return f"{self.base_url.rstrip('/')}/apply/link/{self.token(application)}"


class Access(enum.StrEnum):
    edit = "edit"  # the applicant may change and submit it
    read = "read"  # the applicant may read it, no more
    closed = "closed"  # the link no longer opens anything


def can_edit(application: Application, edition: Edition, now: datetime) -> bool:
    """Open to changes (and to submission) by the server's clock.

    Within the window for a draft or a submitted application (a revision); after it, only a draft
    the secretariat accepted late, or an application returned for information until its date.
    """
    if application.erased_at is not None:
        return False
    late_states = (EditionState.open, EditionState.screening)
    if application.status is ApplicationStatus.returned:
        return (
            application.info_due is not None
            and now < application.info_due
            and edition.state in late_states
        )
    if application.status in (ApplicationStatus.draft, ApplicationStatus.submitted):
        if accepts_applications(edition, now):
            return True
        return (
            application.status is ApplicationStatus.draft
            and bool(application.late_reason.strip())
            and edition.state in late_states
        )
    return False


def access(application: Application, edition: Edition, now: datetime) -> Access:
    """Edit, read or closed. After publication a submitted application stays readable, with its
    outcome; a draft never submitted opens nothing any more."""
    if application.erased_at is not None:
        return Access.closed
    if edition.state is EditionState.published:
        return Access.closed if application.number is None else Access.read
    return Access.edit if can_edit(application, edition, now) else Access.read


def can_withdraw(application: Application, edition: Edition) -> bool:
    """A submitted application may be withdrawn until the secretariat decides on it (eligible or
    not), and at the latest when screening ends."""
    return application.status in (
        ApplicationStatus.submitted,
        ApplicationStatus.returned,
    ) and edition.state in (EditionState.open, EditionState.screening)


def can_delete(application: Application) -> bool:
    """Only a draft that was never submitted can be deleted by its applicant."""
    return application.status is ApplicationStatus.draft and application.number is None


def open_link(*, session: Session, signer: Signer, token: str, now: datetime) -> Application:
    """The application a resume link opens, or ``LinkInvalid``/``LinkExpired``/``LinkRevoked``."""
    claim = signer.loads(Purpose.application, token)
    application = session.get(Application, claim.subject_id)
    if application is None or application.erased_at is not None:
        raise LinkRevoked()  # a deleted draft: the link was genuine but opens nothing now
    check(claim, version=application.link_version, secret=application.link_secret)
    edition = session.get_one(Edition, application.edition_id)
    if access(application, edition, now) is Access.closed:
        raise LinkExpired()
    return application


def from_session(
    *, session: Session, application_id: int, version: int, secret: str, now: datetime
) -> tuple[Application, Edition, Access]:
    """Check what a browser session keeps of the link that opened it (id, link version, secret):
    a stale version is revoked, and a secret of another row opens nothing."""
    application = session.get(Application, application_id)
    if application is None or application.erased_at is not None:
        raise LinkRevoked()
    if not secrets.compare_digest(application.link_secret, secret):
        raise LinkRevoked()
    if application.link_version != version:
        raise LinkRevoked()
    edition = session.get_one(Edition, application.edition_id)
    mode = access(application, edition, now)
    if mode is Access.closed:
        raise LinkExpired()
    return application, edition, mode
