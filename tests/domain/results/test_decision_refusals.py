"""Decisions the domain refuses, on SQLite and PostgreSQL (a special mention for an ineligible
application), and the message asking for reasons, in the reader's language.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from prize.domain.errors import DomainError
from prize.domain.results import decisions
from prize.domain.shared import audit
from prize.i18n import gettext
from prize.models import (
    ApplicationStatus,
    Decision,
    Edition,
    EditionState,
    Round,
)
from tests import factories, jury_factories
from tests.factories.shared import audit_count, outbox_count

NOW = jury_factories.NOW


def test_a_special_mention_goes_to_an_eligible_application(db):
    with db.write() as session:
        made = jury_factories.jury_edition(session=session, state=EditionState.final)
        jury_factories.shortlist(
            session=session, edition=made.edition, applications=made.applications[:2]
        )
        refused_app = factories.application(
            session=session, edition=made.edition, status=ApplicationStatus.ineligible
        )
    with pytest.raises(DomainError) as refused, db.write() as session:
        decisions.record_final(
            session=session,
            edition=session.get_one(Edition, made.edition.id),
            winner_ids=[made.applications[0].id],
            nominated_ids=[],
            special_mention_ids=[refused_app.id],
            actor=audit.SYSTEM,
            now=NOW,
        )
    assert str(refused.value) == "A special mention goes to an eligible application."
    assert refused.value.field == "special_mention"
    with db.read() as session:
        final = session.exec(select(Decision).where(Decision.stage == Round.final)).all()
    assert final == []
    assert audit_count(db, "final.confirmed") == 0
    assert outbox_count(db, "decision_special_mention") == 0


def test_reasons_missing_reads_in_the_readers_language() -> None:
    error = decisions.ReasonsMissing([4, 7])
    assert error.application_ids == [4, 7]
    assert error.field == "reasons"
    assert gettext("en", error.message) == (
        "Give a reason for each application you moved away from the proposal."
    )
    assert gettext("fr", error.message) == (
        "Indiquez un motif pour chaque candidature que vous avez modifiée par rapport à la "
        "proposition."
    )
