"""A new deadline for an open call tells the holders of unsubmitted drafts, in their language;
moving it earlier while drafts exist needs a reason (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.models import ActorKind, Edition, EditionState, OutboxMessage
from tests import factories

OFFICER = audit.Actor(ActorKind.staff, None)
NOW = datetime(2027, 5, 2, 9, tzinfo=UTC)


@pytest.fixture
def call(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        factories.drafts(
            session=session,
            edition=edition,
            people={"amra@example.org": "en", "luc@example.org": "fr"},
        )
        factories.application(session=session, edition=edition, email="done@example.org")
    return edition


def _update(db, edition, deadline, reason=""):
    with db.write() as session:
        return transitions.update_edition(
            session=session,
            actor=OFFICER,
            now=NOW,
            edition=session.get_one(Edition, edition.id),
            values={"deadline": deadline},
            reason=reason,
        )


def _mails(db):
    with db.read() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [(m.kind, m.recipient, m.language) for m in rows]


def test_an_earlier_deadline_with_drafts_needs_a_reason(db, call):
    with pytest.raises(DomainError) as refused:
        _update(db, call, call.deadline - timedelta(days=10))
    assert refused.value.field == "reason"
    assert refused.value.message.params["num"] == 2
    assert _mails(db) == []
    _update(db, call, call.deadline - timedelta(days=10), reason="The venue moved")
    assert _mails(db) == [
        ("deadline_changed", "amra@example.org", "en"),
        ("deadline_changed", "luc@example.org", "fr"),
    ]


def test_a_later_deadline_tells_the_drafts_too_without_a_reason(db, call):
    _update(db, call, call.deadline + timedelta(days=10))
    assert [m[1] for m in _mails(db)] == ["amra@example.org", "luc@example.org"]
    _update(db, call, call.deadline + timedelta(days=10))  # the same again: nothing more
    assert len(_mails(db)) == 2
