"""Sending a staff invitation again is refused once it has served, on SQLite and PostgreSQL:
what the officer is told, and that nothing is stored or sent.
"""

from __future__ import annotations

import pytest

from prize.domain.errors import NotAllowed
from prize.domain.shared import audit
from prize.domain.staff import staff as staff_domain
from prize.models import (
    Staff,
    StaffRole,
)
from prize.security import Passwords
from tests import jury_factories
from tests.appkit import make_signer
from tests.factories.shared import audit_count, outbox_count

NOW = jury_factories.NOW


def _mailer() -> staff_domain.Mailer:
    return staff_domain.Mailer(make_signer(lambda: NOW), lambda token: f"http://testserver/{token}")


def _resend(db, staff_id: int | None) -> None:
    with db.write() as session:
        staff_domain.resend_invitation(
            session=session, actor=audit.SYSTEM, mailer=_mailer(), staff_id=staff_id or 0, now=NOW
        )


def test_resend_invitation_refused_once_a_password_is_set(db):
    with db.write() as session:
        officer = staff_domain.create_staff(
            session=session,
            passwords=Passwords(fast=True),
            actor=audit.SYSTEM,
            now=NOW,
            email="officer@example.org",
            password="seven blue lanterns glow",
        )
    with pytest.raises(NotAllowed) as refused:
        _resend(db, officer.id)
    assert str(refused.value) == "This person has already set a password."
    assert outbox_count(db, "staff_invitation") == 0
    assert audit_count(db, "staff.invitation_resent") == 0


def test_resend_invitation_refused_for_a_disabled_account(db):
    with db.write() as session:
        invited = staff_domain.invite_staff(
            session=session,
            actor=audit.SYSTEM,
            mailer=_mailer(),
            now=NOW,
            email="new@example.org",
            role=StaffRole.adviser,
        )
        boss = Staff(
            email="boss@example.org", role=StaffRole.secretariat, password_hash="x", created_at=NOW
        )
        session.add(boss)
        session.flush()
        staff_domain.disable(session=session, actor=boss, staff_id=invited.id or 0, now=NOW)
    with pytest.raises(NotAllowed) as refused:
        _resend(db, invited.id)
    assert str(refused.value) == "This account is disabled."
    assert outbox_count(db, "staff_invitation") == 1  # the first invitation only
    assert audit_count(db, "staff.invitation_resent") == 0
