"""An open call keeps its last criterion, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from prize.domain.editions import criteria
from prize.domain.errors import NotAllowed
from prize.domain.shared import audit
from prize.models import (
    Criterion,
    EditionState,
)
from tests import factories, jury_factories
from tests.factories.shared import audit_count

NOW = jury_factories.NOW


def test_the_last_criterion_of_an_open_call_stays(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        (only,) = session.exec(select(Criterion).where(Criterion.edition_id == edition.id))
    with pytest.raises(NotAllowed) as refused, db.write() as session:
        criteria.remove(
            session=session,
            actor=audit.SYSTEM,
            now=datetime(2026, 10, 1, tzinfo=UTC),
            edition=edition,
            criterion_id=only.id,
        )
    assert str(refused.value) == "The call is open: keep at least one criterion."
    with db.read() as session:
        kept = session.exec(select(Criterion).where(Criterion.edition_id == edition.id)).all()
    assert [c.id for c in kept] == [only.id]
    assert audit_count(db, "criterion.removed") == 0
