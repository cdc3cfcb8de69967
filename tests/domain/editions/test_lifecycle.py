"""Edition moves: one move per click, whatever the timing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.models import ApplicationStatus, AuditEvent, Edition, EditionState, OutboxMessage
from tests import factories
from tests.views.public.test_home_and_errors import open_edition


def test_two_simultaneous_clicks_on_the_same_move_make_one_move(db, clock):
    edition = open_edition(db, clock)
    clock.set(edition.deadline)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        barrier.wait()
        try:
            with db.write() as session:
                row = session.get_one(Edition, edition.id)
                transitions.move(
                    session=session,
                    edition=row,
                    to=EditionState.screening,
                    actor=audit.SYSTEM,
                    now=clock(),
                )
            outcomes.append("moved")
        except DomainError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [
        "An edition cannot move from screening to screening.",
        "moved",
    ]
    with db.read() as session:
        moves = session.exec(
            select(AuditEvent.data)
            .where(AuditEvent.kind == "edition.moved")
            .order_by(col(AuditEvent.id))
        ).all()
        assert moves == [{"from": "draft", "to": "open"}, {"from": "open", "to": "screening"}]
        assert editions.get_by_year(session=session, year=2027).state is EditionState.screening


def test_closing_the_call_early_needs_a_reason_and_tells_who_did_not_submit(db, clock):
    edition = open_edition(db, clock)
    with db.write() as session:
        row = session.get_one(Edition, edition.id)
        factories.application(
            session=session,
            edition=row,
            status=ApplicationStatus.draft,
            email="draft@example.org",
            language="fr",
        )
        factories.application(
            session=session, edition=row, email="revising@example.org", draft_revision=True
        )
        factories.application(session=session, edition=row, email="done@example.org")
    assert clock() < edition.deadline
    with db.write() as session, pytest.raises(DomainError) as refused:
        transitions.move(
            session=session,
            edition=session.get_one(Edition, edition.id),
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=clock(),
        )
    assert refused.value.field == "reason"
    with db.write() as session:
        moved = transitions.move(
            session=session,
            edition=session.get_one(Edition, edition.id),
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=clock(),
            reason="The budget was cut",
        )
        assert moved.state is EditionState.screening
        assert clock() < moved.deadline <= clock() + timedelta(minutes=1)
    with db.read() as session:
        told = session.exec(
            select(OutboxMessage.recipient, OutboxMessage.language).where(
                OutboxMessage.kind == "call_closed_early"
            )
        ).all()
    assert sorted(told) == [("draft@example.org", "fr"), ("revising@example.org", "en")]
