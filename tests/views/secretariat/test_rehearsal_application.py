"""Trying the applicant's journey in a rehearsal: the rehearsal's page starts an application in
the rehearsal and opens it in the secretariat's browser; its e-mails follow the rehearsal's rules;
the real call and the public are untouched."""

from __future__ import annotations

from html import unescape

from sqlmodel import select

from prize.models import Application, Edition, EditionState, OutboxMessage, OutboxStatus
from tests import factories
from tests.staffkit import staff_post

TRY = "/secretariat/editions/2027-rehearsal/try-application"


def _editions(sqlite_db, *, rehearsal_state=EditionState.open):
    """The real 2027 call, open, and its rehearsal beside it, listing one address."""
    with sqlite_db.write() as session:
        real = factories.edition(session=session, state=EditionState.open)
        rehearsal = factories.edition(
            session=session,
            state=rehearsal_state,
            rehearsal=True,
            title_en="Rehearsal 2027",
            rehearsal_recipients=["tester@example.org"],
        )
        return real.id, rehearsal.id


def _try(staff_client, email="tester@example.org", title="Trial project"):
    return staff_post(staff_client, TRY, {"email": email, "title": title, "language": "en"})


def test_the_rehearsals_page_offers_to_try_its_application_form(staff_client, sqlite_db):
    _editions(sqlite_db)
    page = staff_client.get("/secretariat/editions/2027-rehearsal").text
    assert f'<a href="{TRY}">Try the application form</a>' in page
    assert "Try the application form" not in staff_client.get("/secretariat/editions/2027").text
    assert staff_client.get("/secretariat/editions/2027/try-application").status_code == 404
    form = unescape(staff_client.get(TRY).text)
    assert "Listed for the rehearsal: tester@example.org" in form
    assert 'value="officer@example.org"' in form  # the account's own address to start with


def test_trying_starts_an_application_in_the_rehearsal_and_opens_it(staff_client, sqlite_db):
    _real_id, rehearsal_id = _editions(sqlite_db)
    response = _try(staff_client)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/apply/link/")
    opened = staff_client.get(response.headers["location"])
    with sqlite_db.read() as session:
        application = session.exec(select(Application)).one()
        mail = session.exec(select(OutboxMessage)).one()
    assert opened.headers["location"] == f"/apply/{application.id}/tasks"  # a draft's home
    form = staff_client.get(f"/apply/{application.id}")
    assert (form.status_code, "Trial project" in form.text) == (200, True)
    assert "the edition 2027 shown here is a rehearsal" in form.text  # the applicant's page too
    assert application.edition_id == rehearsal_id
    # to an address listed for the rehearsal: sent like any other
    assert (mail.recipient, mail.status, mail.edition_id) == (
        "tester@example.org",
        OutboxStatus.queued,
        rehearsal_id,
    )


def test_a_trial_e_mail_to_an_address_not_listed_stays_held(staff_client, sqlite_db):
    _editions(sqlite_db)
    assert _try(staff_client, email="someone@example.org").status_code == 303
    with sqlite_db.read() as session:
        mail = session.exec(select(OutboxMessage)).one()
    assert (mail.recipient, mail.status) == ("someone@example.org", OutboxStatus.held)


def test_the_public_call_never_receives_into_the_rehearsal(client, staff_client, sqlite_db):
    real_id, _rehearsal_id = _editions(sqlite_db)
    _try(staff_client)
    start = client.get("/apply").text
    assert "Rehearsal 2027" not in start
    client.get("/")  # the public's own session, without the secretariat's link
    with sqlite_db.read() as session:
        application_id = session.exec(select(Application.id)).one()
    refused = client.get(f"/apply/{application_id}")
    assert "Trial project" not in refused.text
    assert refused.status_code in (403, 404)
    with sqlite_db.read() as session:
        real = session.get_one(Edition, real_id)
    assert real.last_number == 0


def test_trying_a_rehearsal_that_is_not_open_is_refused_with_the_typing_kept(
    staff_client, sqlite_db
):
    _editions(sqlite_db, rehearsal_state=EditionState.draft)
    response = _try(staff_client, title="Kept title")
    assert response.status_code == 400
    page = unescape(response.text)
    assert "Open the rehearsal's call first" in page
    assert 'value="Kept title"' in page
    with sqlite_db.read() as session:
        assert session.exec(select(Application)).all() == []


def test_a_missing_title_is_refused_next_to_its_field(staff_client, sqlite_db):
    _editions(sqlite_db)
    response = _try(staff_client, title="   ")
    assert response.status_code == 400
    assert "Enter your project&#39;s title." in response.text
    assert 'value="tester@example.org"' in response.text


def test_an_adviser_cannot_try_the_form(adviser_client, sqlite_db):
    _editions(sqlite_db)
    assert adviser_client.get(TRY).status_code == 403
