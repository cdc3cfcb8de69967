"""Getting into the back office: signing in, and asking for a password link, both throttled;
and changing one's password, which counts wrong current passwords as failed sign-ins.

Failures are counted per account (or address) and per client in ``rate_event`` rows, so every app
process sees the same counts; a refusal says when to try again. Each count is taken with its key
held (``throttle.blocked_until``) in the transaction that adds the attempt, and a password is
checked only after its attempt is counted and committed: however many requests arrive at once,
at most the limit of passwords is checked per account and window.
"""

from __future__ import annotations

import secrets
import weakref
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from prize.db import Database
from prize.domain.errors import DomainError, Throttled
from prize.domain.shared import throttle
from prize.domain.shared.email_addresses import normalise_email
from prize.domain.staff import staff as staff_domain
from prize.domain.staff.staff import Mailer, has_password, queue_password_mail
from prize.i18n import N_
from prize.models import RateEvent, Staff
from prize.security import Passwords

# Sign-in throttling: failures counted per account and per client in a sliding window.
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_ACCOUNT_LIMIT = 5
LOGIN_CLIENT_LIMIT = 20
# The "forgot password" form sends mail to an address typed in: limited per address and client.
RESET_WINDOW = timedelta(hours=1)
RESET_ADDRESS_LIMIT = 3
RESET_CLIENT_LIMIT = 10


class SessionEnded(Throttled):
    """Too many wrong passwords for the account of a signed-in session: all its sessions ended."""

    def __init__(self, *, retry_at: datetime, now: datetime) -> None:
        super().__init__(
            N_(
                "Too many wrong passwords were typed for this account, so you are signed out. "
                "You can sign in again in %(minutes)s minutes (at %(time)s, Paris time)."
            ),
            retry_at=retry_at,
            now=now,
            field="current",
        )


def _account_key(email: str) -> str:
    return f"login:account:{normalise_email(email)}"[:200]


def _login_keys(email: str, client: str) -> tuple[str, str]:
    return _account_key(email), f"login:client:{client}"[:200]


_dummy_hashes: weakref.WeakKeyDictionary[Passwords, str] = weakref.WeakKeyDictionary()


def _dummy_hash(passwords: Passwords) -> str:
    """A hash to verify against when there is no account, so both cases take as long."""
    if passwords not in _dummy_hashes:
        _dummy_hashes[passwords] = passwords.hash(secrets.token_hex(16))
    return _dummy_hashes[passwords]


def _refuse_throttled(
    session: Session, *, account_key: str, client_key: str, now: datetime
) -> None:
    """Raise ``Throttled`` when the account, or else the client, failed too often lately."""
    for key, limit, msgid in (
        (
            account_key,
            LOGIN_ACCOUNT_LIMIT,
            N_(
                "Too many failed attempts for this account. Try again in %(minutes)s "
                "minutes (at %(time)s, Paris time)."
            ),
        ),
        (
            client_key,
            LOGIN_CLIENT_LIMIT,
            N_(
                "Too many failed attempts from your connection. Try again in %(minutes)s "
                "minutes (at %(time)s, Paris time)."
            ),
        ),
    ):
        until = throttle.blocked_until(
            session=session, key=key, now=now, limit=limit, window=LOGIN_WINDOW
        )
        if until is not None:
            raise Throttled(msgid, field="password", retry_at=until, now=now)


def authenticate(
    *,
    database: Database,
    passwords: Passwords,
    email: str,
    password: str,
    client: str,
    now: datetime,
) -> Staff:
    """The active account for these credentials, or a DomainError that says nothing about which
    part was wrong, or ``Throttled`` after too many failures for the account or the client.

    Every attempt is counted (and committed) before the password is checked, outside any
    transaction, so that requests at once for one account check at most its limit of passwords;
    a success then takes back its own client count and clears the account's count, leaving other
    accounts' and the client's other failures as they were.
    """
    account_key, client_key = _login_keys(email, client)
    with database.write() as session:
        _refuse_throttled(session, account_key=account_key, client_key=client_key, now=now)
        client_event = RateEvent(key=client_key, at=now)
        session.add(RateEvent(key=account_key, at=now))
        session.add(client_event)
        account = session.exec(select(Staff).where(Staff.email == normalise_email(email))).first()
        session.flush()
        client_event_id = client_event.id
    usable = account is not None and account.active and has_password(account)
    password_hash = account.password_hash if usable and account else _dummy_hash(passwords)
    if not passwords.verify(password_hash, password) or not usable or account is None:
        raise DomainError("The e-mail address or the password is not right.", field="password")
    with database.write() as session:
        throttle.reset(session=session, key=account_key)
        session.exec(delete(RateEvent).where(col(RateEvent.id) == client_event_id))
        fresh = session.get_one(Staff, account.id)
        if passwords.needs_rehash(fresh.password_hash):
            fresh.password_hash = passwords.hash(password)
        fresh.last_login_at = now
        session.add(fresh)
    return fresh


def request_password_reset(
    *, session: Session, mailer: Mailer, email: str, client: str, now: datetime
) -> None:
    """E-mail a reset link to an active account with this address; answer the same otherwise.

    Raises ``Throttled`` only when the client asked too often (which says nothing about the
    address); past the per-address limit, nothing more is sent, silently.
    """
    email = normalise_email(email)[:254]
    client_key = f"reset:client:{client}"[:200]
    address_key = f"reset:address:{email}"[:200]
    until = throttle.blocked_until(
        session=session, key=client_key, now=now, limit=RESET_CLIENT_LIMIT, window=RESET_WINDOW
    )
    if until is not None:
        raise Throttled(
            N_(
                "Too many requests from your connection. Try again in %(minutes)s minutes "
                "(at %(time)s, Paris time)."
            ),
            field="password",
            retry_at=until,
            now=now,
        )
    session.add(RateEvent(key=client_key, at=now))
    over_address = throttle.blocked_until(
        session=session, key=address_key, now=now, limit=RESET_ADDRESS_LIMIT, window=RESET_WINDOW
    )
    session.add(RateEvent(key=address_key, at=now))
    session.flush()
    if over_address is not None:
        return
    staff = session.exec(select(Staff).where(Staff.email == email)).first()
    if staff is None or not staff.active:
        return
    template = "staff_password_reset" if has_password(staff) else "staff_invitation"
    queue_password_mail(session, staff, mailer, template, now)


def change_password(
    *,
    database: Database,
    passwords: Passwords,
    staff_id: int,
    version: int,
    current: str,
    new: str,
    now: datetime,
) -> Staff:
    """Change the password of a person signed in with ``version`` (``staff.change_password``),
    counting a wrong current password as a failed sign-in of the account.

    As in ``authenticate``, the attempt is counted and committed before the current password is
    checked. When the account's failures reach the sign-in limit, whoever holds this session may
    be guessing with a taken cookie: every session of the account ends (``SessionEnded``).
    """
    with database.write() as session:
        account = staff_domain.get(session=session, staff_id=staff_id)
        key = _account_key(account.email)
        until = throttle.blocked_until(
            session=session, key=key, now=now, limit=LOGIN_ACCOUNT_LIMIT, window=LOGIN_WINDOW
        )
        if until is None:
            session.add(RateEvent(key=key, at=now))
        else:
            staff_domain.end_sessions_after_wrong_passwords(
                session=session, staff_id=staff_id, version=version, now=now
            )
    if until is not None:
        raise SessionEnded(retry_at=until, now=now)
    if not passwords.verify(account.password_hash, current):
        with database.write() as session:
            until = throttle.blocked_until(
                session=session, key=key, now=now, limit=LOGIN_ACCOUNT_LIMIT, window=LOGIN_WINDOW
            )
            if until is not None:
                staff_domain.end_sessions_after_wrong_passwords(
                    session=session, staff_id=staff_id, version=version, now=now
                )
        if until is not None:
            raise SessionEnded(retry_at=until, now=now)
        raise DomainError("Your current password is not right.", field="current")
    with database.write() as session:
        throttle.reset(session=session, key=key)
    new_hash = staff_domain.hash_new_password(passwords=passwords, staff=account, new=new)
    with database.write() as session:
        return staff_domain.change_password(
            session=session,
            staff_id=staff_id,
            checked_hash=account.password_hash,
            new_hash=new_hash,
            now=now,
        )
