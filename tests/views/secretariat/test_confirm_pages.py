"""The confirmation pages of the staff, jury and screening actions: what each says, that a GET
changes nothing, and what goes once confirmed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from prize import formats
from prize.domain.shared import outbox
from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    Staff,
)
from tests import factories
from tests.appkit import csrf_of, text_of
from tests.mailkit import body_of
from tests.staffkit import confirm_page, confirmed_post


def test_disabling_an_account_says_who_is_signed_out_and_a_get_changes_nothing(
    staff_client, adviser, sqlite_db
) -> None:
    page = staff_client.get(f"/secretariat/staff/{adviser.id}/disable")
    assert page.status_code == 200
    assert (
        "adviser@example.org is signed out at once, everywhere, and can no longer sign in until "
        "the account is enabled again." in text_of(page.text)
    )
    assert "This sends no e-mail." in text_of(page.text)
    with sqlite_db.read() as session:
        assert session.get_one(Staff, adviser.id).active
    assert (
        confirmed_post(staff_client, f"/secretariat/staff/{adviser.id}/disable").status_code == 303
    )
    with sqlite_db.read() as session:
        assert not session.get_one(Staff, adviser.id).active


def test_reissuing_a_link_previews_the_email_with_its_link_hidden(
    staff_client, jury, sqlite_db
) -> None:
    juror = jury.jurors[0]
    page = staff_client.get(f"/secretariat/jurors/{juror.id}/reissue")
    shown = text_of(page.text)
    assert "Every earlier link of Lena" in shown
    assert "This e-mails 1 person." in shown
    assert "/ballot/link/[redacted]" in shown
    with sqlite_db.read() as session:
        assert session.get_one(Juror, juror.id).link_version == juror.link_version
        kinds = session.exec(select(OutboxMessage.kind)).all()
    assert kinds == ["juror_invitation"]  # the invitation made with the jury, nothing more


def test_reminders_to_the_whole_jury_ask_first(staff_client, jury, sqlite_db) -> None:
    token = csrf_of(staff_client, "/secretariat/editions/2027/jury")
    page = staff_client.post("/secretariat/editions/2027/jury/remind", data={"csrf_token": token})
    page = confirm_page(staff_client, page)  # the page is a GET: Back never posts again
    shown = text_of(page.text)
    assert "Remind the jurors" in shown and "This e-mails 1 person." in shown
    with sqlite_db.read() as session:
        kinds = session.exec(select(OutboxMessage.kind)).all()
    assert kinds == ["juror_invitation"]  # no reminder before it is confirmed


def test_each_language_of_an_email_counts_its_own_readers(staff_client, jury, sqlite_db) -> None:
    from tests import jury_factories

    with sqlite_db.write() as session:
        for name, language in (("Ana", "en"), ("Zoé", "fr"), ("Marc", "fr")):
            jury_factories.juror(
                session=session, edition=jury.edition, first_name=name, language=language
            )
    token = csrf_of(staff_client, "/secretariat/editions/2027/jury")
    page = staff_client.post("/secretariat/editions/2027/jury/remind", data={"csrf_token": token})
    shown = text_of(confirm_page(staff_client, page).text)
    assert "This e-mails 4 people." in shown
    assert "In English · 2 recipients of this e-mail" in shown  # Lena and Ana
    assert "In French · 2 recipients of this e-mail" in shown  # Zoé and Marc
    assert "4 recipients of this e-mail" not in shown


@pytest.fixture
def screened(sqlite_db, clock, app):
    clock.set(datetime(2027, 7, 5, 9, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = factories.edition(
            session=session,
            state=EditionState.screening,
            shortlist_closes_at=datetime(2027, 9, 1, tzinfo=UTC),
        )
        en = factories.application(
            session=session, edition=edition, email="amra@example.org", title="Intercity Theatre"
        )
        fr = factories.application(
            session=session, edition=edition, email="luc@example.org", language="fr"
        )
    return en, fr


def _screen(client, app_id: int, data: dict[str, str]):
    path = f"/secretariat/applications/{app_id}"
    return client.post(f"{path}/screening", data={**data, "csrf_token": csrf_of(client, path)})


def test_screening_results_go_as_one_reviewed_batch_and_a_correction_is_what_goes(
    staff_client, screened, sqlite_db, smtp, clock
) -> None:
    en, fr = screened
    for app in (en, fr):
        done = _screen(staff_client, app.id, {"outcome": "eligible"})
        assert done.status_code == 303
    page = staff_client.get(f"/secretariat/applications/{en.id}")
    assert "decision recorded. The applicant is told when you send the screening results" in (
        page.text
    )
    assert "Why the decision changes" not in page.text  # not told yet: corrected freely
    corrected = _screen(
        staff_client, en.id, {"outcome": "ineligible", "ineligible-reason": "structure"}
    )
    assert corrected.status_code == 303
    listing = text_of(staff_client.get("/secretariat/editions/2027/applications").text)
    assert "2 screening decisions are not e-mailed to their applicants yet." in listing
    moving = text_of(staff_client.get("/secretariat/editions/2027").text)
    assert "Screening decisions not yet e-mailed to their applicants: 2." in moving
    assert smtp.deliver(sqlite_db, clock()) == 0
    preview = text_of(staff_client.get("/secretariat/editions/2027/screening/send").text)
    assert "2 screening decisions are e-mailed to their applicants." in preview
    assert f"Ineligible: {en.reference}" in preview and f"Eligible: {fr.reference}" in preview
    assert "In English · 1 recipient of this e-mail" in preview
    assert "In French · 1 recipient of this e-mail" in preview
    assert (
        confirmed_post(staff_client, "/secretariat/editions/2027/screening/send").status_code == 303
    )
    assert smtp.deliver(sqlite_db, clock()) == 2
    [english] = smtp.inbox.to("amra@example.org")
    assert english["Subject"] == f"Your application {en.reference} is not eligible"
    assert "The secretariat has reviewed its decision" not in body_of(english)
    with sqlite_db.read() as session:
        assert [a.screening_mail for a in session.exec(select(Application))] == ["", ""]
        assert session.get_one(Application, fr.id).status is ApplicationStatus.eligible
    assert clock() < datetime(2027, 7, 5, 9, tzinfo=UTC) + timedelta(days=1)


def test_a_move_and_a_move_back_each_say_what_they_do_first(staff_client, sqlite_db, clock) -> None:
    with sqlite_db.write() as session:
        factories.edition(session=session, state=EditionState.draft)
    opening = text_of(staff_client.get("/secretariat/editions/2027/move?to=open").text)
    assert "Move edition 2027 to “open for applications”" in opening
    assert "The call becomes public at once; applications are accepted until" in opening
    with sqlite_db.write() as session:
        edition = session.exec(select(Edition)).one()
        edition.state = EditionState.screening
        session.add(edition)
    clock.set(datetime(2027, 7, 2, tzinfo=UTC))
    token = csrf_of(staff_client, "/secretariat/editions/2027")
    back = staff_client.post(
        "/secretariat/editions/2027/back",
        data={
            "to": "open",
            "reason": "Postal strike",
            "closes_at": "2027-07-20T23:59",
            "csrf_token": token,
        },
    )
    back = confirm_page(staff_client, back)
    shown = text_of(back.text)
    assert "The call opens again: applicants can start, edit and submit." in shown
    new = formats.deadline(datetime(2027, 7, 20, 22, tzinfo=UTC), "en")  # 00:00 on 21 July
    assert f"The new deadline: {new}." in shown
    assert 'name="reason" value="Postal strike"' in back.text  # carried to the confirmation
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).one().state is EditionState.screening
    with sqlite_db.write() as session:
        factories.edition(
            session=session,
            state=EditionState.draft,
            rehearsal=True,
            deadline=datetime(2027, 12, 31, tzinfo=UTC),
        )
    rehearsal = text_of(staff_client.get("/secretariat/editions/2027-rehearsal/move?to=open").text)
    assert "The rehearsal's call opens at once and stays private" in rehearsal
    assert "becomes public" not in rehearsal


def test_a_preview_shows_the_email_as_it_is_sent_ending_with_the_secretariats_address(
    staff_client, jury, sqlite_db, settings
) -> None:
    juror = jury.jurors[0]
    page = staff_client.get(f"/secretariat/jurors/{juror.id}/reissue")
    shown = text_of(page.text)
    ending = (
        "A question? Write to the secretariat of the European Drug Prevention Prize at "
        f"{settings.contact_email}, or reply to this e-mail."
    )
    assert settings.contact_email and ending in shown
    confirmed_post(staff_client, f"/secretariat/jurors/{juror.id}/reissue")
    with sqlite_db.read() as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "juror_link")).one()
    # the page showed the very text the sender builds its e-mail with, the link aside
    as_sent = outbox.text_as_sent(sent, settings.contact_email)
    assert as_sent.rstrip().endswith(ending)
    redacted = re.sub(r"/ballot/link/\S+", "/ballot/link/[redacted]", as_sent)
    assert text_of(redacted).strip() in shown
