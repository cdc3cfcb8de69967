"""Guards that protect a fair process are explicit: moving on with jurors who have not submitted
or projects below the quorum needs a stated reason, audited (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from prize.domain import transitions
from prize.domain.errors import DomainError
from prize.domain.results import decisions
from prize.domain.shared import audit
from prize.models import ActorKind, AuditEvent, EditionState
from tests.jurykit import ROUND1, cast_ballot, make_scored_edition

OFFICER = audit.Actor(ActorKind.staff, None)


def _shortlisted(db, clock, submitted: set[int]):
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, submitted=juror in submitted)
        decisions.confirm_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=scored.ids[:3],
            reasons={i: "Chosen" for i in scored.ids[:3]},
            actor=OFFICER,
            now=clock(),
        )
    return scored


def test_every_juror_submitted_moves_on_without_a_reason(db, clock):
    scored = _shortlisted(db, clock, {0, 1, 2})
    with db.write() as session:
        edition = session.merge(scored.edition)
        assert (
            transitions.cautions(
                session=session, edition=edition, to=EditionState.final, now=clock()
            )
            == []
        )
        transitions.move_to_final(session=session, edition=edition, actor=OFFICER, now=clock())
        assert edition.state is EditionState.final


def test_unsubmitted_ballots_need_a_reason_which_is_audited(db, clock):
    scored = _shortlisted(db, clock, {0})
    with db.write() as session:
        edition = session.merge(scored.edition)
        found = transitions.cautions(
            session=session, edition=edition, to=EditionState.final, now=clock()
        )
        assert [m.params["num"] for m in found] == [2, 3]  # 2 of 3 jurors; 3 below quorum
        with pytest.raises(DomainError) as refused:
            transitions.move_to_final(session=session, edition=edition, actor=OFFICER, now=clock())
        assert refused.value.field == "reason"
    with db.write() as session:
        edition = session.merge(scored.edition)
        transitions.move_to_final(
            session=session, edition=edition, actor=OFFICER, now=clock(), reason="Two are ill"
        )
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).one()
    assert event.reason == "Two are ill"
    assert event.data["cautions"][0].startswith("2 of 3 jurors have not submitted")
