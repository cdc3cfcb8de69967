"""Secretariat and adviser accounts: passwords, invitations, reset links, roles, disabling.

Signing in and asking for a link (both throttled) are in ``signin``.

A session, a password-reset link and an invitation link all carry the account's
``session_version``; changing the password (by hand or from a link), disabling the account and
signing out bump it, so every earlier session and link dies at once (a session is a signed
cookie: only the stored version can stop an earlier copy of it) and a link works only once.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from prize import paths
from prize.domain.errors import Conflict, DomainError, NotAllowed, NotFound
from prize.domain.shared import audit, outbox
from prize.domain.shared.email_addresses import normalise_email, parse_email
from prize.models import ActorKind, Staff, StaffRole, pk
from prize.security import MIN_PASSWORD_LENGTH, Passwords
from prize.tokens import LinkExpired, LinkRevoked, Purpose, Signer, check

MAX_PASSWORD_LENGTH = 1024

# A reset link lives one hour; an invitation (no password set yet) a week.
RESET_MAX_AGE = 3600
INVITATION_MAX_AGE = 7 * 24 * 3600
UNUSABLE_PREFIX = "!"  # a password hash that matches nothing: the invitation is not accepted yet


def actor_of(staff: Staff) -> audit.Actor:
    return audit.Actor(ActorKind.staff, staff.id)


def _audit(
    session: Session,
    actor: audit.Actor,
    staff: Staff,
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
        subject_kind="staff",
        subject_id=staff.id,
        reason=reason,
        data=data,
    )


def has_password(staff: Staff) -> bool:
    return not staff.password_hash.startswith(UNUSABLE_PREFIX)


# --------------------------------------------------------------------------- password rules


@functools.cache
def common_passwords() -> frozenset[str]:
    path = paths.PACKAGE / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_password_rules(password: str, *, email: str = "", field: str = "password") -> None:
    """At least 8 characters, not one of the most common passwords, not the e-mail address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("Use at least %(n)s characters.", field=field, n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError("Use at most %(n)s characters.", field=field, n=MAX_PASSWORD_LENGTH)
    folded = password.strip().lower()
    if folded in common_passwords():
        raise DomainError(
            "This password is one of the most common ones: choose another.", field=field
        )
    email = normalise_email(email)
    if email and folded in {email, email.partition("@")[0]}:
        raise DomainError("Do not use your e-mail address as your password.", field=field)


# --------------------------------------------------------------------------- creating accounts


def _checked_email(email: str) -> str:
    """An account's address, normalised: exactly one mailbox (see ``email_addresses``)."""
    parsed = parse_email(email)
    if parsed is None:
        raise DomainError("Enter an e-mail address like name@example.org.", field="email")
    return parsed


def _unique_email(session: Session, email: str) -> None:
    exists = session.exec(select(func.count()).select_from(Staff).where(Staff.email == email)).one()
    if exists:
        raise Conflict("An account with this e-mail address exists already.", field="email")


def create_staff(
    *,
    session: Session,
    passwords: Passwords,
    actor: audit.Actor,
    now: datetime,
    email: str,
    password: str,
    name: str = "",
    role: StaffRole = StaffRole.secretariat,
) -> Staff:
    """An account with a password (``prize create-admin``, the demo, tests)."""
    email = _checked_email(email)
    check_password_rules(password, email=email)
    _unique_email(session, email)
    staff = Staff(
        email=email, name=name, role=role, password_hash=passwords.hash(password), created_at=now
    )
    return _add(session, actor, staff, "staff.created", now)


def _add(session: Session, actor: audit.Actor, staff: Staff, kind: str, now: datetime) -> Staff:
    """Store a new account and audit it as ``kind``, with its role."""
    session.add(staff)
    session.flush()
    _audit(session, actor, staff, kind, now, data={"role": staff.role.value})
    return staff


@dataclass(frozen=True)
class Mailer:
    """What an e-mail with a set-password link needs: the signer, a token -> URL function, and
    the domain for Message-IDs."""

    signer: Signer
    link: Callable[[str], str]
    mail_domain: str = "prize.invalid"


def queue_password_mail(
    session: Session, staff: Staff, mailer: Mailer, template: str, now: datetime
) -> None:
    token = mailer.signer.dumps(
        Purpose.password_reset, pk(staff), staff.session_version, staff.link_secret
    )
    outbox.queue(
        session=session,
        kind=template,
        recipient=staff.email,
        language=staff.language,
        template=template,
        context={"staff": staff, "link": mailer.link(token)},
        now=now,
        mail_domain=mailer.mail_domain,
    )


def invite_staff(
    *,
    session: Session,
    actor: audit.Actor,
    mailer: Mailer,
    now: datetime,
    email: str,
    name: str = "",
    role: StaffRole = StaffRole.secretariat,
    language: str = "en",
) -> Staff:
    """A new account without a password; its owner sets one from the invitation e-mail."""
    email = _checked_email(email)
    _unique_email(session, email)
    staff = Staff(
        email=email,
        name=name,
        role=role,
        language=language,
        password_hash=UNUSABLE_PREFIX + secrets.token_hex(16),
        created_at=now,
    )
    _add(session, actor, staff, "staff.invited", now)
    queue_password_mail(session, staff, mailer, "staff_invitation", now)
    return staff


def resend_invitation(
    *, session: Session, actor: audit.Actor, mailer: Mailer, staff_id: int, now: datetime
) -> Staff:
    staff = get(session=session, staff_id=staff_id)
    if has_password(staff):
        raise NotAllowed("This person has already set a password.")
    if not staff.active:
        raise NotAllowed("This account is disabled.")
    queue_password_mail(session, staff, mailer, "staff_invitation", now)
    _audit(session, actor, staff, "staff.invitation_resent", now)
    return staff


# --------------------------------------------------------------------------- reading


def get(*, session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("There is no such account.")
    return staff


def all_staff(*, session: Session) -> list[Staff]:
    return list(session.exec(select(Staff).order_by(col(Staff.email))))


def emails_by_id(*, session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Staff.id, Staff.email).where(col(Staff.id).in_(ids)))
    return {int(i): str(e) for i, e in rows if i is not None}


# --------------------------------------------------------------------------- passwords


def _set_password(session: Session, staff: Staff, password_hash: str) -> None:
    staff.password_hash = password_hash
    staff.session_version += 1  # every other session and every earlier link dies
    session.add(staff)


def hash_new_password(*, passwords: Passwords, staff: Staff, new: str) -> str:
    """The hash of the new password ``change_password`` stores, made before its transaction (argon2
    takes its time; the write lock would wait for it). Refuses a password that breaks the rules or
    is the current one again."""
    check_password_rules(new, email=staff.email, field="new")
    if passwords.verify(staff.password_hash, new):
        raise DomainError("Choose a password different from the current one.", field="new")
    return passwords.hash(new)


def change_password(
    *,
    session: Session,
    staff_id: int,
    checked_hash: str,
    new_hash: str,
    now: datetime,
) -> Staff:
    """Store ``new_hash`` (``hash_new_password``) if the account's password is still the one the
    current password was checked against (``checked_hash``): no hashing in the transaction."""
    staff = get(session=session, staff_id=staff_id)
    if not secrets.compare_digest(staff.password_hash, checked_hash):
        raise DomainError("Your current password is not right.", field="current")
    _set_password(session, staff, new_hash)
    _audit(session, actor_of(staff), staff, "staff.password_changed", now)
    session.flush()
    return staff


def check_password_link(*, session: Session, signer: Signer, token: str, now: datetime) -> Staff:
    """The account a reset or invitation link is for; ``LinkError`` when it cannot be used.

    A link dies when used (the password change bumps ``session_version``), when the account is
    disabled, and after an hour (a week for an invitation, while no password is set).
    """
    return open_password_link(session=session, signer=signer, token=token, now=now).staff


@dataclass(frozen=True)
class PasswordLink:
    """What a checked reset or invitation link proves, until ``expires_at`` (the app's clock)."""

    staff: Staff
    expires_at: datetime


def open_password_link(
    *, session: Session, signer: Signer, token: str, now: datetime
) -> PasswordLink:
    """``check_password_link``, with the instant the link dies, so that a page opened with it
    can refuse a password sent after that. The signer runs on the same clock as ``now``."""
    claim = signer.loads(Purpose.password_reset, token, max_age=INVITATION_MAX_AGE)
    staff = session.get(Staff, claim.subject_id)
    if staff is None:
        raise LinkRevoked()
    if not staff.active:
        raise LinkRevoked()
    check(claim, version=staff.session_version, secret=staff.link_secret)
    max_age = INVITATION_MAX_AGE
    if has_password(staff):
        signer.loads(Purpose.password_reset, token, max_age=RESET_MAX_AGE)
        max_age = RESET_MAX_AGE
    expires_at = claim.issued_at + timedelta(seconds=max_age)
    if now >= expires_at:  # the signer lets its last second through; the claims would not
        raise LinkExpired()
    return PasswordLink(staff=staff, expires_at=expires_at)


def check_link_claim(
    *, session: Session, staff_id: int, version: int, expires_at: datetime, now: datetime
) -> Staff:
    """The account of a link opened earlier (its id, version and end), while it can still set a
    password: ``LinkExpired`` after its end, ``LinkRevoked`` once used or the account disabled."""
    if now >= expires_at:
        raise LinkExpired()
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or staff.session_version != version:
        raise LinkRevoked()
    return staff


def hash_link_password(*, passwords: Passwords, staff: Staff, password: str) -> str:
    """The hash ``set_password_from_link`` stores, made before its transaction (argon2 takes its
    time; the write lock would wait for it). Refuses a password that breaks the rules."""
    check_password_rules(password, email=staff.email)
    return passwords.hash(password)


def set_password_from_link(
    *,
    session: Session,
    staff_id: int,
    version: int,
    expires_at: datetime,
    password_hash: str,
    now: datetime,
) -> Staff:
    """Store ``password_hash`` (``hash_link_password``) for the account a checked link (id,
    version and end) was for; once only, and only before the link's end."""
    staff = check_link_claim(
        session=session, staff_id=staff_id, version=version, expires_at=expires_at, now=now
    )
    first = not has_password(staff)
    _set_password(session, staff, password_hash)
    _audit(
        session,
        actor_of(staff),
        staff,
        "staff.invitation_accepted" if first else "staff.password_reset",
        now,
    )
    session.flush()
    return staff


# --------------------------------------------------------------------------- ending sessions


def _end_sessions(
    session: Session, staff_id: int, version: int, kind: str, now: datetime, *, system: bool
) -> None:
    """Bump the account's version if it still is ``version`` (the row locked and read afresh, so
    that requests at once end the sessions once)."""
    staff = session.get(Staff, staff_id, with_for_update=True, populate_existing=True)
    if staff is None or staff.session_version != version:
        return  # those sessions had ended already
    staff.session_version += 1  # every session and every unused link of the account dies
    session.add(staff)
    _audit(session, audit.SYSTEM if system else actor_of(staff), staff, kind, now)
    session.flush()


def sign_out(*, session: Session, staff_id: int, version: int, now: datetime) -> None:
    """End the session that holds ``version`` of this account, with every other one: a copy of
    the cookie taken before opens nothing any more."""
    _end_sessions(session, staff_id, version, "staff.signed_out", now, system=False)


def end_sessions_after_wrong_passwords(
    *, session: Session, staff_id: int, version: int, now: datetime
) -> None:
    """End every session of an account whose password was guessed wrong too often from a
    session holding ``version`` (its cookie may have been taken)."""
    _end_sessions(session, staff_id, version, "staff.sessions_ended", now, system=True)


# --------------------------------------------------------------------------- roles, disabling


def _active_secretariat(session: Session) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Staff)
            .where(Staff.role == StaffRole.secretariat, col(Staff.active).is_(True))
        ).one()
    )


def _is_last_secretariat(session: Session, staff: Staff) -> bool:
    return (
        staff.active and staff.role is StaffRole.secretariat and _active_secretariat(session) <= 1
    )


def set_role(
    *, session: Session, actor: Staff, staff_id: int, role: StaffRole, now: datetime
) -> Staff:
    staff = get(session=session, staff_id=staff_id)
    if staff.role is role:
        return staff
    if role is not StaffRole.secretariat and _is_last_secretariat(session, staff):
        raise NotAllowed("This is the last active secretariat account: it keeps its role.")
    before = staff.role
    staff.role = role  # checked on every request: it takes effect at once
    session.add(staff)
    _audit(
        session,
        actor_of(actor),
        staff,
        "staff.role_changed",
        now,
        data={"from": before.value, "to": role.value},
    )
    session.flush()
    return staff


def disable(
    *, session: Session, actor: Staff, staff_id: int, now: datetime, reason: str = ""
) -> Staff:
    staff = get(session=session, staff_id=staff_id)
    if staff.id == actor.id:
        raise NotAllowed("You cannot disable your own account.")
    if not staff.active:
        return staff
    if _is_last_secretariat(session, staff):
        raise NotAllowed("This is the last active secretariat account: it cannot be disabled.")
    staff.active = False
    staff.session_version += 1  # every session of this account dies at once
    session.add(staff)
    _audit(session, actor_of(actor), staff, "staff.disabled", now, reason=reason.strip())
    session.flush()
    return staff


def enable(*, session: Session, actor: Staff, staff_id: int, now: datetime) -> Staff:
    staff = get(session=session, staff_id=staff_id)
    if staff.active:
        return staff
    staff.active = True
    session.add(staff)
    _audit(session, actor_of(actor), staff, "staff.enabled", now)
    session.flush()
    return staff
