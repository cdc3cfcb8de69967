"""Edition moves: one move per click, whatever the timing."""

from __future__ import annotations

import threading

from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.errors import DomainError
from prize.domain.shared import audit
from prize.models import AuditEvent, Edition, EditionState
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
