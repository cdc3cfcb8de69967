"""Closing the call before its deadline: a move the secretariat makes from its confirmation
page, which counts what is shut out, asks a reason and previews the e-mail; each holder of a
draft never submitted, or of changes not resubmitted, is told in their language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from prize import formats
from prize.domain import transitions
from prize.domain.shared import audit
from prize.models import ApplicationStatus, AuditEvent, Edition, EditionState, OutboxMessage
from tests import factories
from tests.appkit import refused_page, text_of
from tests.staffkit import confirm_fields, confirm_page, confirmed_post, staff_post

MOVE = "/secretariat/editions/2027/move"


@pytest.fixture
def open_call(sqlite_db, clock, app):
    """An open call (deadline 30 June, 21:59 in Paris) on 2 May: two drafts (English, French),
    a submitted application with changes not resubmitted (French), one submitted as it stands,
    and a draft accepted late (which may still be submitted in screening)."""
    clock.set(datetime(2027, 5, 2, 9, 30, 17, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.open)
        factories.drafts(
            session=session,
            edition=edition,
            people={"amra@example.org": "en", "luc@example.org": "fr"},
        )
        factories.application(
            session=session,
            edition=edition,
            email="revising@example.org",
            language="fr",
            draft_revision=True,
            title="Projet révisé",
        )
        factories.application(session=session, edition=edition, email="done@example.org")
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.draft,
            email="late@example.org",
            late_reason="The post office lost the parcel",
        )
    return edition


def _outbox(db) -> list[OutboxMessage]:
    with db.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def test_the_edition_page_offers_to_close_the_call_early(staff_client, open_call) -> None:
    page = text_of(staff_client.get("/secretariat/editions/2027").text)
    deadline = formats.deadline(factories.DEADLINE, "en")
    assert f"The deadline, {deadline}, has not come. Closing the call now closes it early" in page
    assert "Close the call early and start screening" in page


def test_the_confirmation_page_counts_who_is_shut_out_and_previews_the_email(
    staff_client, open_call, sqlite_db
) -> None:
    page = staff_client.get(f"{MOVE}?to=screening")
    assert page.status_code == 200
    shown = text_of(page.text)
    deadline = formats.deadline(factories.DEADLINE, "en")
    assert f"The deadline, {deadline}, has not come: the call closes early." in shown
    assert f"The call closes now, before its deadline of {deadline}" in shown
    assert "2 applications are submitted and go to screening." in shown
    assert (
        "2 drafts were never submitted: they are shut out, and their holders are told the call "
        "has closed early." in shown
    )
    assert "1 submitted application has changes not resubmitted" in shown
    assert "This e-mails 3 people." in shown
    assert "Your reason for going ahead (required)" in shown
    # one e-mail of each language, as sent (the secretariat's address at its end)
    assert "The call for the European Drug Prevention Prize 2027 has closed early" in shown
    assert "L’appel du Prix européen de prévention des drogues 2027 est clos avant terme" in shown
    assert "before its deadline of " + deadline in shown
    assert "or reply to this e-mail." in shown
    # a GET changes nothing
    assert _outbox(sqlite_db) == []
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).one().state is EditionState.open


def test_closing_early_needs_a_reason(staff_client, open_call, sqlite_db) -> None:
    answer = refused_page(staff_client, confirmed_post(staff_client, MOVE, {"to": "screening"}))
    assert 'id="reason-error">' in answer.text
    assert _outbox(sqlite_db) == []
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).one().state is EditionState.open


def test_closing_early_tells_each_holder_in_their_language_and_audits_the_reason(
    staff_client, open_call, sqlite_db, clock
) -> None:
    answer = confirmed_post(
        staff_client, MOVE, {"to": "screening"}, reason="The budget for the call was cut"
    )
    assert answer.status_code == 303
    with sqlite_db.read() as session:
        edition = session.exec(select(Edition)).one()
        moved = session.exec(select(AuditEvent).where(AuditEvent.kind == "edition.moved")).all()[-1]
    assert edition.state is EditionState.screening
    # the deadline is now the first instant refused: the minute after the call closed
    assert edition.deadline == datetime(2027, 5, 2, 9, 31, tzinfo=UTC)
    assert moved.reason == "The budget for the call was cut"
    assert moved.data["deadline"] == {
        "from": factories.DEADLINE.isoformat(),
        "to": datetime(2027, 5, 2, 9, 31, tzinfo=UTC).isoformat(),
    }
    sent = {(m.recipient, m.language, m.kind) for m in _outbox(sqlite_db)}
    assert sent == {
        ("amra@example.org", "en", "call_closed_early"),
        ("luc@example.org", "fr", "call_closed_early"),
        ("revising@example.org", "fr", "call_closed_early"),
    }
    bodies = {m.recipient: m.body for m in _outbox(sqlite_db)}
    assert (
        'Your application "Project of amra@example.org" was not submitted.'
        in bodies["amra@example.org"]
    )
    assert "n’a pas été déposée" in bodies["luc@example.org"]
    assert (
        "la version que vous avez déposée est celle qui est examinée"
        in bodies["revising@example.org"]
    )
    page = text_of(staff_client.get("/secretariat/editions/2027").text)
    assert "The call is closed: screening can begin." in page
    assert " · in " not in page  # no countdown to the minute the call closed
    deadline = formats.deadline(factories.DEADLINE, "en")
    log = text_of(staff_client.get("/secretariat/audit").text)
    assert f"closed the call 2027 early, before its deadline of {deadline}." in log


def test_closing_after_the_deadline_asks_no_reason_and_sends_nothing(
    open_call, sqlite_db, clock
) -> None:
    clock.set(factories.DEADLINE)
    with sqlite_db.write() as session:
        edition = session.exec(select(Edition)).one()
        assert (
            transitions.cautions(
                session=session, edition=edition, to=EditionState.screening, now=clock()
            )
            == []
        )
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=clock(),
        )
        assert edition.deadline == factories.DEADLINE
    assert _outbox(sqlite_db) == []


def test_a_page_token_from_before_the_deadline_moved_shows_the_page_again(
    staff_client, open_call, sqlite_db
) -> None:
    """A draft started after the page was shown changes what closing does: nothing is done."""
    page = staff_client.get(f"{MOVE}?to=screening")
    fields = confirm_fields(page.text)
    with sqlite_db.write() as session:
        edition = session.exec(select(Edition)).one()
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.draft,
            email="new@example.org",
        )
    fields = [f for f in fields if f[0] != "reason"] + [("reason", "Budget cut")]
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    answer = refused_page(staff_client, staff_client.post(MOVE, data=data))
    assert "3 drafts were never submitted" in text_of(answer.text)
    assert _outbox(sqlite_db) == []


def test_opening_the_call_again_tells_the_holders_its_new_deadline(
    staff_client, open_call, sqlite_db, clock
) -> None:
    """They were told the call had closed: opening it again tells them until when they have."""
    confirmed_post(staff_client, MOVE, {"to": "screening"}, reason="The budget was cut")
    told_of_closing = len(_outbox(sqlite_db))
    back = "/secretariat/editions/2027/back"
    again = {"to": "open", "reason": "The budget is back", "closes_at": "2027-07-20T23:59"}
    page = confirm_page(staff_client, staff_post(staff_client, back, again))
    shown = text_of(page.text)
    assert "The call opens again: applicants can start, edit and submit." in shown
    assert "3 drafts are in progress and not submitted: their holders are told" in shown
    assert "1 submitted application has changes in progress, not resubmitted" in shown
    assert "This e-mails 4 people." in shown
    assert "Your reason, kept in the audit log: The budget is back" in shown
    assert "Open the call again" in shown  # the button says what it does
    assert "The call is open again: submit your application by" in shown
    assert "L’appel est de nouveau ouvert" in shown  # the French e-mail, previewed too
    assert len(_outbox(sqlite_db)) == told_of_closing  # the page sends nothing

    assert confirmed_post(staff_client, back, again).status_code == 303
    told = [m for m in _outbox(sqlite_db) if m.kind == "deadline_changed"]
    assert {(m.recipient, m.language) for m in told} == {
        ("amra@example.org", "en"),
        ("luc@example.org", "fr"),
        ("revising@example.org", "fr"),
        ("late@example.org", "en"),
    }
    new = formats.deadline(datetime(2027, 7, 20, 22, 0, tzinfo=UTC), "en")
    amra = next(m for m in told if m.recipient == "amra@example.org")
    assert amra.subject == f"The call is open again: submit your application by {new}"
    assert (
        "The call of the European Drug Prevention Prize 2027, which had closed, is open again: "
        f"applications are accepted until {new}." in " ".join(amra.body.split())
    )
    assert "You have more time to finish your application." in amra.body
    assert "/apply/link/" in amra.body  # the way back to the draft
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).one().state is EditionState.open
