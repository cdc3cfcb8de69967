"""Every consequential action asks first, on a page of its own: what it does in numbers, the
e-mails it sends, a reason where a fair process asks one, the year typed to publish; nothing
happens before it is confirmed, and a second click does nothing more."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from prize.domain.results import decisions
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    AuditEvent,
    AuditHead,
    Ballot,
    BallotStatus,
    Edition,
    EditionState,
    OutboxMessage,
)
from tests.appkit import csrf_of, refused_page, text_of
from tests.jurykit import ROUND1, ROUND2, cast_ballot, make_scored_edition
from tests.staffkit import confirm_fields, confirm_page, confirmed_post, staff_post

DECISIONS = "/secretariat/editions/2027/decisions"
OFFICER = audit.Actor(ActorKind.staff, None)


def _state(database) -> EditionState:
    with database.read() as session:
        return session.exec(select(Edition).where(Edition.year == 2027)).one().state


def _count(database, model, *where) -> int:
    with database.read() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _head(database) -> tuple[int, str]:
    with database.read() as session:
        head = session.exec(select(AuditHead)).first()
        return (head.last_id, head.last_hash) if head else (0, "")


@pytest.fixture
def two_of_three(sqlite_db, clock, app):
    """The first round with 2 of its 3 jurors submitted (the third has a draft), and the
    proposed shortlist confirmed."""
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror in scored.jurors:
            juror.invited_at = clock()
            session.add(juror)
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, submitted=juror != 2)
        decisions.confirm_shortlist(  # below quorum, nothing is proposed: each needs a reason
            session=session,
            edition=scored.edition,
            application_ids=scored.ids[:3],
            reasons={i: "Best two ballots" for i in scored.ids[:3]},
            actor=OFFICER,
            now=clock(),
        )
    return scored


def test_starting_the_final_round_says_who_has_not_submitted_and_needs_a_reason(
    staff_client, two_of_three, sqlite_db
) -> None:
    page = staff_client.get(f"{DECISIONS}/final-round")
    shown = text_of(page.text)
    assert page.status_code == 200
    assert (
        "1 of 3 jurors has not submitted a ballot in this round; their draft will not count."
        in shown
    )
    assert "3 projects have fewer ballots than the quorum of 3." in shown
    assert "3 shortlisted applications go to the final round." in shown
    # the 3 jurors, and each of the 9 eligible applicants told whether they are shortlisted
    assert "This e-mails 12 people." in shown
    assert "Your reason for going ahead (required)" in shown
    assert _state(sqlite_db) is EditionState.shortlisting
    fields = confirm_fields(page.text)
    refused = staff_client.post(f"{DECISIONS}/final-round", data=dict(fields))
    refused = refused_page(staff_client, refused)
    assert 'id="reason-error">Give the reason for going ahead: 1 of 3 jurors' in refused.text
    assert _state(sqlite_db) is EditionState.shortlisting
    done = confirmed_post(staff_client, f"{DECISIONS}/final-round", reason="Juror 3 is ill")
    assert done.status_code == 303
    assert _state(sqlite_db) is EditionState.final
    with sqlite_db.read() as session:
        moved = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).one()
    assert moved.reason == "Juror 3 is ill"
    assert moved.data["cautions"] == [
        "1 of 3 jurors has not submitted a ballot in this round; their draft will not count.",
        "3 projects have fewer ballots than the quorum of 3.",
    ]
    assert _count(sqlite_db, OutboxMessage, OutboxMessage.kind == "ballot_round_open") == 3


@pytest.fixture
def final_recorded(sqlite_db, clock, app):
    """Both rounds scored by every juror, winners A B C recorded: ready to decide."""
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks)
        decisions.confirm_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=scored.ids[:3],
            reasons={},
            actor=OFFICER,
            now=clock(),
        )
        scored.edition.state = EditionState.final
        session.add(scored.edition)
        for juror, marks in ROUND2.items():
            cast_ballot(session, scored, juror, "final", {i: marks[i] for i in range(3)})
        decisions.confirm_final(
            session=session,
            edition=scored.edition,
            awards={i: "winner" for i in scored.ids[:3]},
            special_mention=None,
            actor=OFFICER,
            now=clock(),
        )
    return scored


def test_the_decide_page_previews_its_emails_and_nothing_happens_until_confirmed(
    staff_client, final_recorded, sqlite_db
) -> None:
    head = _head(sqlite_db)
    page = staff_client.get(f"{DECISIONS}/decide")
    shown = text_of(page.text)
    assert "3 winners are recorded." in shown
    assert "The jury's work is closed: ballot links stop working and no score changes." in shown
    assert "This e-mails 3 people." in shown
    # one body per language: applicant1 reads French, the others English
    assert "In English · 2 recipients of this e-mail" in shown
    assert "In French · 1 recipient of this e-mail" in shown
    assert "Project A" in shown or "Project C" in shown
    assert "Reason" not in shown  # every juror submitted: no reason asked
    assert _state(sqlite_db) is EditionState.final
    assert _count(sqlite_db, OutboxMessage) == 0
    assert _head(sqlite_db) == head  # the preview's audit entries were rolled back
    done = confirmed_post(staff_client, f"{DECISIONS}/decide")
    assert done.status_code == 303
    assert _state(sqlite_db) is EditionState.decided
    assert _count(sqlite_db, OutboxMessage, col(OutboxMessage.kind).like("decision_%")) == 3


def test_a_double_click_on_confirm_does_it_once(staff_client, final_recorded, sqlite_db) -> None:
    page = staff_client.get(f"{DECISIONS}/decide")
    fields = dict(confirm_fields(page.text))
    first = staff_client.post(f"{DECISIONS}/decide", data=fields)
    second = staff_client.post(f"{DECISIONS}/decide", data=fields)
    assert first.status_code == second.status_code == 303
    assert "This was done already: it is not done twice." in staff_client.get(DECISIONS).text
    assert _count(sqlite_db, AuditEvent, AuditEvent.kind == "edition.moved") == 1
    assert _count(sqlite_db, OutboxMessage, col(OutboxMessage.kind).like("decision_%")) == 3


def test_publishing_needs_the_year_typed(staff_client, final_recorded, sqlite_db, client) -> None:
    confirmed_post(staff_client, f"{DECISIONS}/decide")
    page = staff_client.get(f"{DECISIONS}/publish")
    shown = text_of(page.text)
    assert "The results become public at once and can never be changed." in shown
    assert "This e-mails 9 people." in shown  # the results link to applicants, thanks to jurors
    assert "Type the edition's year, 2027, to publish its results for good" in shown
    wrong = confirmed_post(staff_client, f"{DECISIONS}/publish", typed="2026")
    wrong = refused_page(staff_client, wrong)
    assert 'id="confirm_typed-error">Type 2027 to confirm.' in wrong.text
    assert _state(sqlite_db) is EditionState.decided
    assert client.get("/editions/2027/results").status_code == 404
    right = confirmed_post(staff_client, f"{DECISIONS}/publish", typed=" 2027 ")
    assert right.status_code == 303
    assert _state(sqlite_db) is EditionState.published


def test_a_page_that_no_longer_holds_is_shown_again_not_done(
    staff_client, two_of_three, sqlite_db, clock
) -> None:
    page = staff_client.get(f"{DECISIONS}/final-round")
    fields = dict(confirm_fields(page.text)) | {"reason": "Juror 3 is ill"}
    with sqlite_db.write() as session:  # meanwhile, the third juror submits
        ballot = session.exec(
            select(Ballot).where(Ballot.juror_id == two_of_three.jurors[2].id)
        ).one()
        ballot.status = BallotStatus.submitted
        session.add(ballot)
    again = staff_client.post(f"{DECISIONS}/final-round", data=fields)
    again = refused_page(staff_client, again)
    shown = text_of(again.text)
    assert "What this does has changed since this page was shown" in shown
    assert "has not submitted" not in shown and "fewer ballots than the quorum" not in shown
    assert _state(sqlite_db) is EditionState.shortlisting


def test_a_get_or_a_first_post_never_acts_and_a_stale_form_is_refused(
    staff_client, final_recorded, sqlite_db
) -> None:
    token = csrf_of(staff_client, DECISIONS)
    first = confirm_page(
        staff_client, staff_client.post(f"{DECISIONS}/decide", data={"csrf_token": token})
    )
    assert "Decide the results of 2027" in first.text
    no_csrf = staff_client.post(f"{DECISIONS}/decide", data={"confirm_token": "x.y"})
    assert no_csrf.status_code == 403
    assert _state(sqlite_db) is EditionState.final
    assert _count(sqlite_db, OutboxMessage) == 0


def test_confirming_a_shortlist_below_the_quorum_says_so_first(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, submitted=juror != 2)
    chosen = scored.ids[:3]
    asked = staff_post(
        staff_client,
        f"{DECISIONS}/shortlist",
        {"app": [str(i) for i in chosen]} | {f"reason-{i}": "Best two ballots" for i in chosen},
    )
    shown = text_of(confirm_page(staff_client, asked).text)
    assert "3 applications are shortlisted for the final round." in shown
    assert "3 of them have fewer first-round ballots than the quorum of 3." in shown
    with sqlite_db.read() as session:
        assert decisions.shortlist_of(session=session, edition=scored.edition) == []
