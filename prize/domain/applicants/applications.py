"""Applications: starting one, sending and revoking its resume link, and deleting a draft.

An application is started with an e-mail address and a project title and stays a draft until
submitted (see ``submissions``). Its owner never has a password: a signed link (see ``links``)
opens it. What the applicant types is in ``drafts``; deadline reminders are in ``reminders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from prize.domain.applicants.attachments import delete_files_after_commit, stored_names_of
from prize.domain.applicants.drafts import current_content
from prize.domain.applicants.links import LinkMaker, can_delete
from prize.domain.editions.editions import accepts_applications
from prize.domain.errors import DomainError, NotAllowed, Throttled
from prize.domain.shared import audit, outbox, throttle
from prize.domain.shared.email_addresses import normalise_email, parse_email
from prize.i18n import N_, Message
from prize.models import (
    ActorKind,
    Application,
    ApplicationContent,
    ApplicationStatus,
    ContentKind,
    Edition,
    EditionState,
    pk,
)
from prize.settings import LANGUAGES
from prize.storage import Store

# Forms that send mail to an address typed in: per address and per client, in a sliding hour.
MAIL_WINDOW = timedelta(hours=1)
MAIL_PER_ADDRESS = 5
MAIL_PER_CLIENT = 20


def applicant(application: Application) -> audit.Actor:
    """The applicant as an audit actor: known by their application's id only."""
    return audit.Actor(ActorKind.applicant, application.id)


def record_event(
    *,
    session: Session,
    application: Application,
    kind: str,
    now: datetime,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """An audit event of the applicant about their own application: the shape they all share."""
    audit.record(
        session=session,
        actor=applicant(application),
        kind=kind,
        now=now,
        edition_id=application.edition_id,
        subject_kind="application",
        subject_id=application.id,
        reason=reason,
        data=data,
    )


def check_email(email: str, *, field: str = "email") -> str:
    """The applicant's address, normalised: exactly one mailbox (see ``email_addresses``)."""
    if not normalise_email(email):
        raise DomainError("Enter your e-mail address.", field=field)
    parsed = parse_email(email)
    if parsed is None:
        raise DomainError("Enter an e-mail address like name@example.org.", field=field)
    return parsed


# --------------------------------------------------------------------------- throttling


def _throttle_mail(*, session: Session, email: str, client: str, now: datetime) -> None:
    if not throttle.hit(
        session=session,
        key=f"mail:client:{client}",
        now=now,
        limit=MAIL_PER_CLIENT,
        window=MAIL_WINDOW,
    ):
        raise Throttled(
            N_(
                "Too many e-mails were asked for from your connection. Please wait an hour and "
                "try again."
            ),
            field="email",
        )
    if not throttle.hit(
        session=session,
        key=f"mail:address:{email}",
        now=now,
        limit=MAIL_PER_ADDRESS,
        window=MAIL_WINDOW,
    ):
        raise Throttled(
            N_(
                "Too many e-mails were sent to this address. Please wait an hour, then check "
                "your inbox and spam folder before asking again."
            ),
            field="email",
        )


def _queue_link_mail(
    *,
    session: Session,
    links: LinkMaker,
    application: Application,
    edition: Edition,
    title: str,
    now: datetime,
    reason: str,
) -> None:
    outbox.queue(
        session=session,
        kind="application_link",
        recipient=application.email,
        language=application.language,
        template="application_link",
        context={
            "title": title,
            "url": links.resume_url(application),
            "deadline": edition.deadline,
            "edition_year": edition.year,
            "reason": reason,
        },
        now=now,
        mail_domain=links.mail_domain,
        edition_id=edition.id,
    )


# --------------------------------------------------------------------------- starting


REPEAT_WINDOW = timedelta(minutes=10)  # a start sent again within it is the same start


class Started(NamedTuple):
    """What a start made: the draft, and whether this very start made it (``new``) or it is
    the same start sent again (a double click, a retry), which only the browser that made the
    draft may open: the start page alone proves nothing about the address."""

    application: Application
    new: bool


def start(
    *,
    session: Session,
    edition: Edition | None,
    email: str,
    title: str,
    language: str,
    links: LinkMaker,
    client: str,
    now: datetime,
) -> Started:
    """A new draft with its title, and its resume link e-mailed to ``email``.

    ``edition`` is the call the applicant saw (None: no call is open). The same start sent
    again within a few minutes (a double click, a retry) returns the draft it made, not new, and
    sends nothing more. The address is not confirmed yet: the e-mailed link, once opened, does
    that (``confirm_email``), and submitting waits for it (``require_confirmed``).
    """
    if edition is None:
        raise NotAllowed("Applications are not being accepted at the moment.")
    title = " ".join(title.split())
    email = check_email(email)
    if not title:
        raise DomainError("Enter your project's title.", field="title")
    if len(title) > 300:
        raise DomainError("Use at most %(n)s characters.", field="title", n=300)
    if not accepts_applications(edition, now):
        raise NotAllowed("Applications are not being accepted at the moment.")
    session.refresh(edition, with_for_update=True)  # concurrent starts queue up here
    repeated = _recent_start(session, edition=edition, email=email, title=title, now=now)
    if repeated is not None:
        return Started(repeated, new=False)
    _throttle_mail(session=session, email=email, client=client, now=now)
    application = _new_draft(
        session, edition=edition, email=email, title=title, language=language, now=now
    )
    record_event(
        session=session,
        application=application,
        kind="application.started",
        now=now,
    )
    _queue_link_mail(
        session=session,
        links=links,
        application=application,
        edition=edition,
        title=title,
        now=now,
        reason="start",
    )
    session.flush()
    return Started(application, new=True)


# --------------------------------------------------------------------------- the address


class Unconfirmed(NotAllowed):
    """The applicant has not opened a link e-mailed to the application's address yet.
    ``missing``: what else keeps the application from being submitted, (form field, message)
    each, so that the applicant reads every refusal at once."""

    def __init__(
        self, application: Application, missing: Sequence[tuple[str, Message]] = ()
    ) -> None:
        super().__init__(
            N_(
                "Not submitted: confirm your e-mail address first. Open the link we sent to "
                "%(email)s, then submit. Everything you typed is saved."
            ),
            email=application.email,
        )
        self.missing = list(missing)


def confirm_email(*, session: Session, application: Application, now: datetime) -> bool:
    """A link e-mailed to the address was opened: the address is the applicant's (once).
    Whether this confirmed it (False when it already was)."""
    if application.email_confirmed_at is not None:
        return False
    application.email_confirmed_at = now
    session.add(application)
    session.flush()
    return True


def unconfirmed(application: Application) -> Unconfirmed | None:
    """The refusal to submit while the application's address is not confirmed; None once it is."""
    return Unconfirmed(application) if application.email_confirmed_at is None else None


def require_confirmed(
    application: Application, missing: Sequence[tuple[str, Message]] = ()
) -> None:
    """Refuse to go on (submit) until the application's address is confirmed, naming too what
    else is ``missing``."""
    if application.email_confirmed_at is None:
        raise Unconfirmed(application, missing)


def send_link_again(
    *,
    session: Session,
    application: Application,
    links: LinkMaker,
    client: str,
    now: datetime,
) -> None:
    """E-mail this application's current link again (to confirm the address with it)."""
    _mail_link(
        session=session, application=application, links=links, client=client, now=now, revoke=False
    )


def _recent_start(
    session: Session, *, edition: Edition, email: str, title: str, now: datetime
) -> Application | None:
    """The draft this address started with this title within ``REPEAT_WINDOW``, if any."""
    return session.exec(
        select(Application)
        .join(ApplicationContent)
        .where(
            Application.edition_id == edition.id,
            Application.email == email,
            Application.status == ApplicationStatus.draft,
            col(Application.created_at) >= now - REPEAT_WINDOW,
            ApplicationContent.kind == ContentKind.draft,
            ApplicationContent.title == title,
        )
    ).first()


def _new_draft(
    session: Session, *, edition: Edition, email: str, title: str, language: str, now: datetime
) -> Application:
    """A draft application with its draft content holding the title and the address."""
    application = Application(
        edition_id=pk(edition),
        email=email,
        language=language if language in LANGUAGES else "en",
        created_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    session.add(
        ApplicationContent(
            application_id=pk(application),
            kind=ContentKind.draft,
            title=title,
            contact_email=email,
            updated_at=now,
        )
    )
    return application


def resend_links(
    *,
    session: Session,
    edition: Edition | None,
    email: str,
    links: LinkMaker,
    client: str,
    now: datetime,
) -> int:
    """E-mail the current link of each of this address's applications; revoke nothing.

    Answers the same (no error, nothing said) whether the address is known or not; returns how
    many applications were found, for tests and the log, never for the page.
    """
    email = check_email(email)
    _throttle_mail(session=session, email=email, client=client, now=now)
    if edition is None or edition.state is EditionState.published:
        return 0
    found = list(
        session.exec(
            select(Application)
            .where(
                Application.edition_id == edition.id,
                Application.email == email,
                col(Application.erased_at).is_(None),
            )
            .order_by(col(Application.id))
        )
    )
    if not found:
        return 0
    items = []
    for application in found:
        content = current_content(session=session, application=application)
        items.append(
            {
                "title": content.title if content else "",
                "reference": application.reference or "",
                "url": links.resume_url(application),
            }
        )
    outbox.queue(
        session=session,
        kind="application_links",
        recipient=email,
        language=found[-1].language,
        template="application_links",
        context={"items": items, "deadline": edition.deadline, "edition_year": edition.year},
        now=now,
        mail_domain=links.mail_domain,
        edition_id=edition.id,
    )
    return len(found)


def revoke_link(
    *,
    session: Session,
    application: Application,
    links: LinkMaker,
    client: str,
    now: datetime,
) -> Application:
    """Kill every earlier link and every session opened with one; e-mail the new link."""
    _mail_link(
        session=session, application=application, links=links, client=client, now=now, revoke=True
    )
    return application


def _mail_link(
    *,
    session: Session,
    application: Application,
    links: LinkMaker,
    client: str,
    now: datetime,
    revoke: bool,
) -> None:
    """E-mail the application's link, within the address's hourly limit; with ``revoke``, a new
    link that kills every earlier one (and every session opened with one), audited.

    The application's row is locked first: two revokes at once make two versions."""
    session.refresh(application, with_for_update=True)
    edition = session.get_one(Edition, application.edition_id)
    _throttle_mail(session=session, email=application.email, client=client, now=now)
    if revoke:
        application.link_version += 1
        application.updated_at = now
        session.add(application)
        record_event(
            session=session,
            application=application,
            kind="application.link_revoked",
            now=now,
            data={"link_version": application.link_version},
        )
    content = current_content(session=session, application=application)
    _queue_link_mail(
        session=session,
        links=links,
        application=application,
        edition=edition,
        title=content.title if content else "",
        now=now,
        reason="revoked" if revoke else "confirm",
    )
    session.flush()


def delete_draft(
    *, session: Session, application: Application, store: Store, now: datetime
) -> None:
    """Delete a never-submitted draft, its texts and its files (the files once committed)."""
    if not can_delete(application):
        raise NotAllowed("A submitted application cannot be deleted; you can withdraw it.")
    contents = list(
        session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == application.id)
        )
    )
    names = stored_names_of(session=session, content_ids=[c.id for c in contents if c.id])
    record_event(
        session=session,
        application=application,
        kind="application.deleted",
        now=now,
    )
    session.delete(application)
    session.flush()
    delete_files_after_commit(session=session, store=store, names=names)


def applications_of(*, session: Session, ids: list[int]) -> list[Application]:
    if not ids:
        return []
    return list(
        session.exec(
            select(Application)
            .where(col(Application.id).in_(ids), col(Application.erased_at).is_(None))
            .order_by(col(Application.id))
        )
    )
