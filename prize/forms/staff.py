"""Forms of the back office's accounts: inviting staff, changing and setting passwords."""

from __future__ import annotations

from starlette.datastructures import FormData

from prize.domain.shared.email_addresses import parse_email
from prize.forms.base import FormResult, text
from prize.i18n import N_
from prize.models import StaffRole
from prize.settings import LANGUAGES


def email_error(value: str) -> str | None:
    """The message id for what is not exactly one e-mail address (see ``email_addresses``)."""
    if not value:
        return N_("Enter an e-mail address.")
    if parse_email(value) is None:
        return N_("Enter an e-mail address like name@example.org.")
    return None


def _password(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value[:2048] if isinstance(value, str) else ""


def parse_invitation(form: FormData) -> FormResult:
    """E-mail address, name, role and language of a person to invite."""
    result = FormResult()
    email = text(form, "email")
    name = text(form, "name")
    role = text(form, "role")
    language = text(form, "language") or "en"
    result.values = {"email": email, "name": name, "role": role, "language": language}
    problem = email_error(email)
    if problem:
        result.error("email", problem)
    if len(name) > 200:
        result.error("name", "Use at most %(n)s characters.", n=200)
    if role not in {r.value for r in StaffRole}:
        result.error("role", "Choose a role.")
    if language not in LANGUAGES:
        result.error("language", "Choose a language.")
    return result


def parse_role(form: FormData) -> StaffRole | None:
    role = text(form, "role")
    return StaffRole(role) if role in {r.value for r in StaffRole} else None


def parse_password_change(form: FormData) -> FormResult:
    """The current password, the new one and its repetition (rules are checked by the domain)."""
    result = FormResult()
    current = _password(form, "current")
    new = _password(form, "new")
    again = _password(form, "again")
    result.values = {"current": current, "new": new}
    if not current:
        result.error("current", "Enter your current password.")
    if not new:
        result.error("new", "Enter a new password.")
    elif new != again:
        result.error("again", "The two new passwords differ.")
    return result


def parse_new_password(form: FormData) -> FormResult:
    """A password chosen from a reset or invitation link, typed twice."""
    result = FormResult()
    password = _password(form, "password")
    again = _password(form, "again")
    result.values = {"password": password}
    if not password:
        result.error("password", "Enter a new password.")
    elif password != again:
        result.error("again", "The two passwords differ.")
    return result
