"""Decisions: the shortlist, the winners, overrides with reasons, and the private e-mails."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from prize.domain import transitions
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.results import decisions, tally_input
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    ApplicationStatus,
    AuditEvent,
    Award,
    Decision,
    EditionState,
    OutboxMessage,
    Round,
)
from tests.jurykit import ROUND1, ROUND2, cast_ballot, make_scored_edition

OFFICER = audit.Actor(ActorKind.staff, None)


def first_round(session, clock):
    scored = make_scored_edition(session, now=clock())
    for juror, marks in ROUND1.items():
        cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
    return scored


def to_final(session, scored, clock, shortlist=(0, 1, 2)):
    decisions.record_shortlist(
        session=session,
        edition=scored.edition,
        application_ids=[scored.apps[i].id for i in shortlist],
        actor=OFFICER,
        now=clock(),
    )
    transitions.move_to_final(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    for juror, marks in ROUND2.items():
        cast_ballot(session, scored, juror, "final", {i: marks[i] for i in shortlist}, now=clock())


def test_record_shortlist_stores_decisions_in_order_and_audits(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        ids = [scored.apps[2].id, scored.apps[0].id]
        rows = decisions.record_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=ids,
            actor=OFFICER,
            now=clock(),
            reasons={scored.apps[2].id: "The jury asked for it"},
        )
    with db.read() as session:
        stored = session.exec(select(Decision).order_by(col(Decision.rank))).all()
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "shortlist.confirmed")
        ).one()
    assert [(d.application_id, d.stage, d.award, d.rank, d.proposed) for d in stored] == [
        (ids[0], Round.shortlist, Award.shortlisted, 1, False),
        (ids[1], Round.shortlist, Award.shortlisted, 2, True),
    ]
    assert stored[0].reason == "The jury asked for it"
    assert [d.id for d in rows] == [d.id for d in stored]
    assert event.data["applications"] == ids


def test_record_shortlist_again_replaces_the_earlier_one(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for ids in ([scored.ids[0], scored.ids[1]], [scored.ids[3]]):
            decisions.record_shortlist(
                session=session,
                edition=scored.edition,
                application_ids=ids,
                actor=OFFICER,
                now=clock(),
            )
    with db.read() as session:
        assert [d.application_id for d in session.exec(select(Decision)).all()] == [scored.ids[3]]


def test_record_shortlist_refuses_outside_the_first_round(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock(), state="screening")
        with pytest.raises(NotAllowed) as error:
            decisions.record_shortlist(
                session=session,
                edition=scored.edition,
                application_ids=scored.ids[:2],
                actor=OFFICER,
                now=clock(),
            )
    assert error.value.message.msgid == "The shortlist is confirmed during the first jury round."


def test_record_shortlist_refuses_an_ineligible_application(db, clock) -> None:
    with db.write() as session:
        scored = make_scored_edition(session, now=clock())
        scored.apps[0].status = ApplicationStatus.ineligible
        session.add(scored.apps[0])
        with pytest.raises(DomainError, match="Only eligible applications can be shortlisted"):
            decisions.record_shortlist(
                session=session,
                edition=scored.edition,
                application_ids=scored.ids[:1],
                actor=OFFICER,
                now=clock(),
            )


def test_confirm_shortlist_as_proposed_needs_no_reason(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        proposal = tally_input.tally_of(
            session=session, edition=scored.edition, round_=Round.shortlist
        ).proposal
        assert proposal.selected == tuple(scored.ids[:3])
        decisions.confirm_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=reversed(scored.ids[:3]),
            actor=OFFICER,
            now=clock(),
        )
    with db.read() as session:
        rows = decisions.shortlist_of(session=session, edition=scored.edition)
    assert [(d.application_id, d.proposed) for d in rows] == [(i, True) for i in scored.ids[:3]]


def test_override_without_a_reason_is_refused_naming_each_change(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        with pytest.raises(decisions.ReasonsMissing) as error:
            decisions.confirm_shortlist(
                session=session,
                edition=scored.edition,
                application_ids=[scored.ids[0], scored.ids[1], scored.ids[3]],
                actor=OFFICER,
                now=clock(),
                reasons={scored.ids[3]: "Strong youth participation"},
            )
    assert error.value.application_ids == [scored.ids[2]]
    with db.read() as session:
        assert session.exec(select(Decision)).all() == []


def test_override_with_reasons_is_recorded_and_audited(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        decisions.confirm_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=[scored.ids[0], scored.ids[1], scored.ids[3]],
            actor=OFFICER,
            now=clock(),
            reasons={scored.ids[3]: "Strong youth participation", scored.ids[2]: "Duplicate"},
        )
    with db.read() as session:
        rows = decisions.shortlist_of(session=session, edition=scored.edition)
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "shortlist.confirmed")
        ).one()
    assert [(d.application_id, d.proposed, d.reason) for d in rows] == [
        (scored.ids[0], True, ""),
        (scored.ids[1], True, ""),
        (scored.ids[3], False, "Strong youth participation"),
    ]
    assert event.data["overrides"] == {
        str(scored.ids[2]): "Duplicate",
        str(scored.ids[3]): "Strong youth participation",
    }


def test_confirm_final_as_proposed_then_decide_mails_each_privately(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        to_final(session, scored, clock)
        result = tally_input.tally_of(session=session, edition=scored.edition, round_=Round.final)
        # B is best in round 2, then C, then A.
        assert result.proposal.selected == (scored.ids[1], scored.ids[2], scored.ids[0])
        decisions.confirm_final(
            session=session,
            edition=scored.edition,
            awards={scored.ids[0]: "winner", scored.ids[1]: "winner", scored.ids[2]: "winner"},
            special_mention=scored.ids[5],
            actor=OFFICER,
            now=clock(),
        )
        transitions.decide(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    with db.read() as session:
        final = decisions.final_of(session=session, edition=scored.edition)
        mails = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.kind).startswith("decision_"))  # not the shortlist's news
            .order_by(col(OutboxMessage.id))
        ).all()
    assert [(d.application_id, d.award, d.rank) for d in final] == [
        (scored.ids[1], Award.winner, 1),
        (scored.ids[2], Award.winner, 2),
        (scored.ids[0], Award.winner, 3),
        (scored.ids[5], Award.special_mention, None),
    ]
    assert sorted(m.recipient for m in mails) == [
        "applicant0@example.org",
        "applicant1@example.org",
        "applicant2@example.org",
        "applicant5@example.org",
    ]
    french = next(m for m in mails if m.recipient == "applicant1@example.org")
    english = next(m for m in mails if m.recipient == "applicant0@example.org")
    assert french.language == "fr"
    assert english.subject == (
        "Confidential: EDPP-2027-0001 is a winner of the European Drug Prevention Prize 2027"
    )
    assert "under embargo" in english.body
    assert "Project A" in english.body


def test_confirm_final_override_needs_a_reason_and_keeps_at_most_three_winners(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        to_final(session, scored, clock, shortlist=(0, 1, 2, 3))
        with pytest.raises(decisions.ReasonsMissing) as missing:
            decisions.confirm_final(
                session=session,
                edition=scored.edition,
                awards={
                    scored.ids[1]: "winner",
                    scored.ids[3]: "winner",
                    scored.ids[0]: "nominated",
                },
                actor=OFFICER,
                now=clock(),
            )
        with pytest.raises(DomainError, match="at most 3 winners"):
            decisions.confirm_final(
                session=session,
                edition=scored.edition,
                awards=dict.fromkeys(scored.ids[:4], "winner"),
                actor=OFFICER,
                now=clock(),
                reasons={scored.ids[3]: "All four"},
            )
    assert sorted(missing.value.application_ids) == sorted(
        [scored.ids[0], scored.ids[2], scored.ids[3]]
    )


def test_winners_come_from_the_shortlist(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        to_final(session, scored, clock)
        with pytest.raises(DomainError, match="come from the shortlist"):
            decisions.record_final(
                session=session,
                edition=scored.edition,
                winner_ids=[scored.ids[7]],
                nominated_ids=[],
                actor=OFFICER,
                now=clock(),
            )


def test_decide_before_any_winner_is_refused(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        to_final(session, scored, clock)
        with pytest.raises(NotAllowed, match="Record at least one winner"):
            transitions.decide(session=session, edition=scored.edition, actor=OFFICER, now=clock())
        assert scored.edition.state is EditionState.final


def test_moving_to_final_needs_a_confirmed_shortlist(db, clock) -> None:
    with db.write() as session:
        scored = first_round(session, clock)
        with pytest.raises(NotAllowed, match="Confirm the shortlist"):
            transitions.move(
                session=session,
                edition=scored.edition,
                to=EditionState.final,
                actor=OFFICER,
                now=clock(),
            )
