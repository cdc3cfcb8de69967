"""Secretariat and adviser accounts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from prize.domain import audit
from prize.domain.errors import Conflict, DomainError
from prize.models import Staff, StaffRole
from prize.security import MIN_PASSWORD_LENGTH, Passwords


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("Use at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH)
    if len(password) > 1024:
        raise DomainError("Use at most 1024 characters.", field="password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


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
    email = normalise_email(email)
    check_password_rules(password)
    exists = session.exec(select(func.count()).select_from(Staff).where(Staff.email == email)).one()
    if exists:
        raise Conflict("An account with this e-mail address exists already.", field="email")
    staff = Staff(
        email=email, name=name, role=role, password_hash=passwords.hash(password), created_at=now
    )
    session.add(staff)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        kind="staff.created",
        now=now,
        subject_kind="staff",
        subject_id=staff.id,
        data={"role": role.value},
    )
    return staff


def authenticate(
    *,
    session: Session,
    passwords: Passwords,
    email: str,
    password: str,
    client: str,
    now: datetime,
) -> Staff:
    """The active account for these credentials, or a DomainError that says nothing about which
    part was wrong. (Throttling per account and per client: see the secretariat issue.)"""
    account = session.exec(select(Staff).where(Staff.email == normalise_email(email))).first()
    if (
        account is None
        or not account.active
        or not passwords.verify(account.password_hash, password)
    ):
        raise DomainError("The e-mail address or the password is not right.", field="password")
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash(password)
    account.last_login_at = now
    session.add(account)
    return account
