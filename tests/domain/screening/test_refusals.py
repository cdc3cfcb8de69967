"""Screening refusals, on SQLite and PostgreSQL: a draft is not translated for the jury, a
submitted application is not accepted late; nothing is stored.
"""

from __future__ import annotations

import pytest

from prize.domain.errors import DomainError, NotAllowed
from prize.domain.screening import screening
from prize.domain.shared import audit
from prize.models import (
    Application,
    ApplicationStatus,
    EditionState,
)
from tests import factories, jury_factories
from tests.factories.shared import audit_count, outbox_count

NOW = jury_factories.NOW


def test_a_draft_is_not_translated_for_the_jury(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        draft = factories.application(
            session=session, edition=edition, status=ApplicationStatus.draft
        )
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        screening.set_translation(
            session=session,
            application=session.get_one(Application, draft.id),
            texts={"title": "Theatre between cities"},
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "Only submitted applications are translated for the jury."
    with db.read() as session:
        assert session.get_one(Application, draft.id).translation == {}
    assert audit_count(db, "application.translated") == 0


def test_a_submitted_application_is_not_accepted_late(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        submitted = factories.application(session=session, edition=edition)
    with pytest.raises(DomainError) as refused, db.write() as session:
        screening.accept_late(
            session=session,
            application=session.get_one(Application, submitted.id),
            reason="The post office lost it",
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "This application is already submitted."
    with db.read() as session:
        assert session.get_one(Application, submitted.id).late_reason == ""
    assert outbox_count(db, "screening_late") == 0
