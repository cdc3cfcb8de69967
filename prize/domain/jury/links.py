"""Jurors' signed ballot links: invite, resend, revoke, reissue, replace, and checking a link.

A juror's link is a token (``tokens.Purpose.ballot``) holding the juror's id,
``Juror.link_version`` and ``Juror.link_secret``. Revoking bumps the version, so every earlier link and every session
opened with one dies at once. Validity comes from the juror's and the edition's state, checked
at each use: from the invitation until the final round closes, capped at a year by the token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from prize.domain.errors import Conflict, DomainError, NotAllowed
from prize.domain.jury.jurors import (
    CLOSED_STATES,
    JurorData,
    actor_of,
    add_juror,
    check_open_jury,
    edition_of,
    is_minor,
    needs_guardian_consent,
)
from prize.domain.shared import audit, outbox
from prize.models import Edition, EditionState, Juror, pk
from prize.tokens import (
    LinkError,
    LinkExpired,
    LinkInvalid,
    LinkRevoked,
    Purpose,
    Signer,
    check,
)


def ballot_closed_for_good(edition: Edition, now: datetime) -> bool:
    """True once the final round has closed: ballot links stop working."""
    if edition.state in CLOSED_STATES:
        return True
    return edition.final_closes_at is not None and now >= edition.final_closes_at


def link_path(*, signer: Signer, juror: Juror) -> str:
    """The path of the juror's current ballot link (the token is made afresh, same version)."""
    token = signer.dumps(Purpose.ballot, pk(juror), juror.link_version, juror.link_secret)
    return f"/ballot/link/{token}"


def link_url(*, signer: Signer, base_url: str, juror: Juror) -> str:
    return base_url.rstrip("/") + link_path(signer=signer, juror=juror)


@dataclass(frozen=True)
class BallotLinks:
    """What the e-mails with a ballot link need: the signer, the app's address, the mail domain."""

    signer: Signer
    base_url: str
    mail_domain: str = "prize.invalid"

    def url(self, juror: Juror) -> str:
        return link_url(signer=self.signer, base_url=self.base_url, juror=juror)


def check_access(*, session: Session, juror: Juror, now: datetime) -> Edition:
    """Raise the ``LinkError`` that says why this juror's link or session no longer opens."""
    if not juror.active or juror.revoked_at is not None:
        raise LinkRevoked()
    if juror.invited_at is None:
        raise LinkInvalid()
    edition = edition_of(session=session, juror=juror)
    if ballot_closed_for_good(edition, now):
        raise LinkExpired()
    return edition


def juror_for_token(*, session: Session, signer: Signer, token: str, now: datetime) -> Juror:
    """The juror a ballot link opens, or a ``LinkError`` (expired, revoked or invalid)."""
    claim = signer.loads(Purpose.ballot, token)
    juror = session.get(Juror, claim.subject_id)
    if juror is None:
        raise LinkInvalid()
    check(claim, version=juror.link_version, secret=juror.link_secret)
    check_access(session=session, juror=juror, now=now)
    return juror


@dataclass(frozen=True)
class BallotSession:
    """What a browser's ballot session keeps: whose link opened it, and when."""

    juror_id: int
    link_version: int
    link_secret: str
    session_version: int

    @classmethod
    def of(cls, juror: Juror) -> BallotSession:
        return cls(pk(juror), juror.link_version, juror.link_secret, juror.session_version)


def juror_after_publication(
    *, session: Session, signer: Signer, token: str
) -> tuple[Juror, Edition] | None:
    """The juror whose genuine, current link is opened after their edition's results were
    published (the link then opens a thank-you page, not the ballot); None for any other link."""
    try:
        claim = signer.loads(Purpose.ballot, token)
    except LinkError:
        return None
    juror = session.get(Juror, claim.subject_id)
    if juror is None or not juror.active or juror.revoked_at is not None:
        return None
    try:
        check(claim, version=juror.link_version, secret=juror.link_secret)
    except LinkError:
        return None
    edition = edition_of(session=session, juror=juror)
    if juror.invited_at is None or edition.state is not EditionState.published:
        return None
    return juror, edition


def juror_for_session(*, session: Session, kept: BallotSession, now: datetime) -> Juror:
    """The juror of a ballot session opened with a link, if that link still holds and the juror
    has not signed out since (signing out ends every session opened before it)."""
    juror = session.get(Juror, kept.juror_id)
    if juror is None or not secrets.compare_digest(juror.link_secret, kept.link_secret):
        raise LinkInvalid()
    if juror.link_version != kept.link_version or juror.session_version != kept.session_version:
        raise LinkRevoked()
    check_access(session=session, juror=juror, now=now)
    return juror


def _check_can_get_link(session: Session, juror: Juror, now: datetime) -> Edition:
    if not juror.active:
        raise NotAllowed("This juror was replaced: they can no longer get a link.")
    edition = edition_of(session=session, juror=juror)
    if ballot_closed_for_good(edition, now):
        raise NotAllowed("The final round has closed: ballot links no longer open.")
    if needs_guardian_consent(juror, now):
        raise NotAllowed(
            "This juror is under 18: record a guardian's consent and upload the signed form "
            "before inviting them."
        )
    return edition


def _send_link(
    session: Session,
    actor: audit.Actor,
    juror: Juror,
    edition: Edition,
    *,
    mail: str,
    event: str,
    links: BallotLinks,
    now: datetime,
) -> Juror:
    """Store the juror, e-mail them their current link and audit it as ``event``."""
    session.add(juror)
    outbox.queue(
        session=session,
        kind=mail,
        recipient=juror.email,
        language=juror.language,
        template=mail,
        context={
            "juror": juror,
            "edition": edition,
            "link": links.url(juror),
        },
        now=now,
        mail_domain=links.mail_domain,
        edition_id=edition.id,
    )
    _audit(session, actor, juror, event, now)
    session.flush()
    return juror


def _audit(
    session: Session,
    actor: audit.Actor,
    juror: Juror,
    kind: str,
    now: datetime,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> None:
    audit.record(
        session=session,
        actor=actor,
        kind=kind,
        now=now,
        edition_id=juror.edition_id,
        subject_kind="juror",
        subject_id=juror.id,
        reason=reason,
        data=data or {},
    )


def invite(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    links: BallotLinks,
) -> Juror:
    """E-mail the juror their ballot link for the first time."""
    session.refresh(juror, with_for_update=True)  # one request at a time per juror
    if juror.invited_at is not None:
        raise Conflict("This juror is invited already: resend or reissue the link instead.")
    edition = _check_can_get_link(session, juror, now)
    juror.invited_at = now
    juror.revoked_at = None
    return _send_link(
        session,
        actor,
        juror,
        edition,
        mail="juror_invitation",
        event="juror.invited",
        links=links,
        now=now,
    )


def resend(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    links: BallotLinks,
) -> Juror:
    """Send the current link again (earlier links keep working)."""
    session.refresh(juror, with_for_update=True)  # one request at a time per juror
    if juror.invited_at is None:
        raise NotAllowed("Invite this juror first.")
    if juror.revoked_at is not None:
        raise NotAllowed("This juror's links are revoked: reissue a new link instead.")
    edition = _check_can_get_link(session, juror, now)
    return _send_link(
        session,
        actor,
        juror,
        edition,
        mail="juror_link",
        event="juror.link_resent",
        links=links,
        now=now,
    )


def revoke(
    *, session: Session, actor: audit.Actor, now: datetime, juror: Juror, reason: str = ""
) -> Juror:
    """Every earlier link and every session opened with one stops working at once."""
    session.refresh(juror, with_for_update=True)  # one request at a time per juror
    if juror.revoked_at is not None:
        return juror  # revoked already: a double click changes nothing twice
    juror.link_version += 1
    juror.revoked_at = now
    session.add(juror)
    _audit(session, actor, juror, "juror.link_revoked", now, reason=reason.strip())
    session.flush()
    return juror


def reissue(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    links: BallotLinks,
) -> Juror:
    """Revoke every earlier link and e-mail a new one."""
    session.refresh(juror, with_for_update=True)  # one request at a time per juror
    if juror.invited_at is None:
        raise NotAllowed("Invite this juror first.")
    edition = _check_can_get_link(session, juror, now)
    juror.link_version += 1
    juror.revoked_at = None
    return _send_link(
        session,
        actor,
        juror,
        edition,
        mail="juror_link",
        event="juror.link_reissued",
        links=links,
        now=now,
    )


def replace(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    juror: Juror,
    data: JurorData,
    links: BallotLinks,
    reason: str = "",
) -> Juror:
    """A new juror takes ``juror``'s seat and gets a link at once; the replaced juror's links
    die. Their submitted ballots still count; their drafts never do."""
    session.refresh(juror, with_for_update=True)  # two clicks replace the juror once
    if not juror.active:
        raise NotAllowed("This juror was replaced already.")
    edition = edition_of(session=session, juror=juror)
    check_open_jury(edition)
    new = add_juror(session=session, actor=actor, now=now, edition=edition, data=data)
    new.replaces_id = juror.id
    if is_minor(new, now) and new.guardian_consent_at is None:
        raise DomainError(
            "This juror is under 18: give the guardian's name and the date of consent.",
            field="guardian_name",
        )
    juror.active = False
    juror.link_version += 1
    juror.revoked_at = now
    session.add(juror)
    session.add(new)
    _audit(session, actor, juror, "juror.replaced", now, reason=reason.strip(), data={"by": new.id})
    if not needs_guardian_consent(new, now):  # a minor waits for the guardian's signed form
        invite(session=session, actor=actor, now=now, juror=new, links=links)
    return new


def sign_out(*, session: Session, juror: Juror, now: datetime) -> Juror:
    """End every ballot session of this juror opened so far, in any browser and any copy of its
    cookie; their link still opens a new one."""
    session.refresh(juror, with_for_update=True)
    juror.session_version += 1
    session.add(juror)
    _audit(session, actor_of(juror), juror, "juror.signed_out", now)
    session.flush()
    return juror
