"""The applications pages of the back office: list, one application, screening, late acceptance,
translation, files; advisers read and change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from prize.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    EditionState,
    OutboxMessage,
)
from tests import factories, htmlpages
from tests.appkit import csrf_of, refused_page
from tests.mailkit import body_of
from tests.staffkit import confirmed_post, login, make_staff

A = ApplicationStatus
AFTER_DEADLINE = datetime(2027, 7, 5, 9, tzinfo=UTC)


@pytest.fixture
def seeded(screening_applications):
    return screening_applications


def _post(client, path, data, page=None):
    token = csrf_of(client, page or path)
    return client.post(path, data={**data, "csrf_token": token})


def _status(db, app_id):
    with db.read() as session:
        return session.get_one(Application, app_id).status


# --------------------------------------------------------------------------- the list


def test_stranger_is_sent_to_sign_in(client, seeded):
    response = client.get("/secretariat/editions/2027/applications")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/secretariat/login?next=")


def test_list_shows_submitted_applications_and_counts_but_no_drafts(staff_client, seeded):
    page = staff_client.get("/secretariat/editions/2027/applications")
    htmlpages.save("staff-applications", page.text)
    assert page.status_code == 200
    assert "Intercity Theatre" in page.text and "Café du vendredi" in page.text
    assert "Unfinished" not in page.text
    assert "All submitted (3)" in page.text
    assert "Draft (1)" in page.text and "Withdrawn (1)" in page.text
    assert "3 applications match." in page.text
    drafts = staff_client.get("/secretariat/editions/2027/applications?status=draft")
    assert "Unfinished" in drafts.text and "Intercity Theatre" not in drafts.text
    assert "1 application matches." in drafts.text


def test_list_filters_by_country_and_searches(staff_client, seeded):
    base = "/secretariat/editions/2027/applications"
    by_country = staff_client.get(f"{base}?country=FR")
    assert "Café du vendredi" in by_country.text and "Intercity Theatre" not in by_country.text
    for query in ("EDPP-2027-0001", "intercity", "youth stage", "AMRA@example"):
        found = staff_client.get(base, params={"q": query})
        assert "Intercity Theatre" in found.text, query
        assert "Café du vendredi" not in found.text, query
    nothing = staff_client.get(base, params={"q": "100%_"})
    assert "0 applications match." in nothing.text


def test_list_sorts_and_pages(staff_client, seeded, sqlite_db):
    with sqlite_db.write() as session:
        edition = session.get_one(type(seeded["edition"]), seeded["edition"].id)
        for n in range(50):
            factories.application(session=session, edition=edition, title=f"Project {n:02d}")
    base = "/secretariat/editions/2027/applications"
    first = staff_client.get(base)
    assert "Page 1 of 2" in first.text
    assert "EDPP-2027-0001" in first.text and "EDPP-2027-0053" not in first.text
    second = staff_client.get(f"{base}?page=2")
    assert "EDPP-2027-0053" in second.text
    newest = staff_client.get(f"{base}?sort=-reference")
    refs = re.findall(r"EDPP-2027-\d{4}", newest.text)
    assert refs[0] == "EDPP-2027-0053"


def test_list_runs_the_same_queries_for_1_and_for_50_applications(
    staff_client, sqlite_db, clock, settings
):
    clock.set(AFTER_DEADLINE)
    with sqlite_db.write() as session:
        one = factories.edition(session=session, year=2027)
        fifty = factories.edition(session=session, year=2029)
        factories.application(session=session, edition=one, attachments=[("a.pdf", b"%PDF-1")])
        for _ in range(50):
            factories.application(
                session=session, edition=fifty, attachments=[("a.pdf", b"%PDF-1")]
            )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(sqlite_db.engine, "before_cursor_execute", count)
    try:
        small = staff_client.get("/secretariat/editions/2027/applications")
        for_one = len(statements)
        statements.clear()
        large = staff_client.get("/secretariat/editions/2029/applications")
        for_fifty = len(statements)
    finally:
        event.remove(sqlite_db.engine, "before_cursor_execute", count)
    assert "1 application matches." in small.text
    assert "50 applications match." in large.text
    assert for_one == for_fifty


def test_applications_link_goes_to_the_newest_edition(staff_client, seeded):
    response = staff_client.get("/secretariat/applications")
    assert response.headers["location"] == "/secretariat/editions/2027/applications"


def test_unknown_edition_is_a_404(staff_client, seeded):
    page = staff_client.get("/secretariat/editions/1999/applications")
    assert page.status_code == 404
    assert "<h1>Page not found</h1>" in page.text


# --------------------------------------------------------------------------- one application


def test_application_in_full_with_files_and_the_edit_in_progress(staff_client, seeded):
    app = seeded["first"]
    page = staff_client.get(f"/secretariat/applications/{app.id}")
    htmlpages.save("staff-application", page.text)
    assert "EDPP-2027-0001: Intercity Theatre" in page.text
    assert "Young volunteers write and perform short street plays" in page.text
    assert "The applicant is editing a new version" in page.text
    assert "It changes: summary." in page.text
    assert "season report.pdf" in page.text
    assert "Mark as eligible" in page.text


def test_attachment_downloads_as_an_attachment(staff_client, seeded, sqlite_db):
    app = seeded["first"]
    page = staff_client.get(f"/secretariat/applications/{app.id}")
    link = re.search(r'href="(/secretariat/applications/\d+/files/\d+)"', page.text)
    assert link
    response = staff_client.get(link.group(1))
    assert response.content == factories.PDF
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "season%20report.pdf" in response.headers["content-disposition"] or (
        "season report.pdf" in response.headers["content-disposition"]
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    other = seeded["second"]
    elsewhere = staff_client.get(link.group(1).replace(f"/{app.id}/", f"/{other.id}/"))
    assert elsewhere.status_code == 404
    assert "<h1>Page not found</h1>" in elsewhere.text
    assert factories.PDF not in elsewhere.content


def test_unknown_application_is_a_404(staff_client, seeded):
    page = staff_client.get("/secretariat/applications/9999")
    assert page.status_code == 404
    assert "<h1>Page not found</h1>" in page.text


# --------------------------------------------------------------------------- screening


def test_screening_eligible_from_the_page_is_recorded_and_shown_in_the_history(
    staff_client, seeded, sqlite_db
):
    app = seeded["first"]
    path = f"/secretariat/applications/{app.id}"
    response = _post(
        staff_client,
        f"{path}/screening",
        {"outcome": "eligible", "eligible-mail_now": "yes"},
        page=path,
    )
    assert response.status_code == 303
    assert _status(sqlite_db, app.id) is A.eligible
    page = staff_client.get(path)
    assert "EDPP-2027-0001: decision recorded and the applicant told." in page.text
    assert "Screening decision: Eligible" in page.text
    assert "officer@example.org" in page.text  # who, in the history


def test_ineligible_without_a_rule_comes_back_with_the_note_kept(staff_client, seeded, sqlite_db):
    app = seeded["first"]
    path = f"/secretariat/applications/{app.id}"
    response = _post(
        staff_client,
        f"{path}/screening",
        {"outcome": "ineligible", "ineligible-note": "Runs in Canada"},
        page=path,
    )
    response = refused_page(staff_client, response)
    htmlpages.save("staff-application-refused", response.text)
    assert 'id="ineligible-reason-error">Choose the rule the application does not meet.' in (
        response.text
    )
    assert "Runs in Canada</textarea>" in response.text
    assert _status(sqlite_db, app.id) is A.submitted


def test_information_request_with_a_date_in_the_past_is_refused(staff_client, seeded, sqlite_db):
    app = seeded["second"]
    path = f"/secretariat/applications/{app.id}"
    response = _post(
        staff_client,
        f"{path}/screening",
        {
            "outcome": "returned",
            "returned-info_message": "Budget?",
            "returned-info_due": "2027-07-01",
        },
        page=path,
    )
    response = refused_page(staff_client, response)
    assert 'id="returned-info_due-error">The date must be in the future.' in response.text
    assert _status(sqlite_db, app.id) is A.submitted


def test_screening_outside_the_screening_state_is_refused_with_a_message(
    staff_client, seeded, sqlite_db
):
    with sqlite_db.write() as session:
        edition = session.get_one(type(seeded["edition"]), seeded["edition"].id)
        edition.state = EditionState.shortlisting
        session.add(edition)
    app = seeded["first"]
    path = f"/secretariat/applications/{app.id}"
    token = csrf_of(staff_client, "/secretariat/personal-data")
    response = staff_client.post(
        f"{path}/screening", data={"outcome": "eligible", "csrf_token": token}
    )
    response = refused_page(staff_client, response)
    assert (
        "Applications are screened only while the edition is in screening; "
        "edition 2027 is first jury round (shortlist)."
    ) in response.text
    assert _status(sqlite_db, app.id) is A.submitted


def test_changing_a_decision_needs_a_reason_on_the_page(staff_client, seeded, sqlite_db):
    app = seeded["first"]
    path = f"/secretariat/applications/{app.id}"
    _post(
        staff_client,
        f"{path}/screening",
        {"outcome": "eligible", "eligible-mail_now": "yes"},
        page=path,
    )
    refused = _post(
        staff_client,
        f"{path}/screening",
        {"outcome": "ineligible", "ineligible-reason": "structure"},
        page=path,
    )
    refused = refused_page(staff_client, refused)
    assert 'id="ineligible-change_reason-error">Give a reason for changing the decision.' in (
        refused.text
    )
    assert _status(sqlite_db, app.id) is A.eligible
    done = _post(
        staff_client,
        f"{path}/screening",
        {
            "outcome": "ineligible",
            "ineligible-reason": "structure",
            "ineligible-change_reason": "One person alone",
        },
        page=path,
    )
    assert done.status_code == 303
    assert _status(sqlite_db, app.id) is A.ineligible
    assert "One person alone" in staff_client.get(path).text


def test_screening_and_information_emails_reach_the_applicants_in_their_language(
    staff_client, seeded, sqlite_db, smtp, clock
):
    first, second = seeded["first"], seeded["second"]
    for app, data in (
        (first, {"outcome": "ineligible", "ineligible-reason": "not_prevention"}),
        (
            second,
            {
                "outcome": "returned",
                "returned-info_message": "Merci d'envoyer le budget.",
                "returned-info_due": "2027-07-20",
            },
        ),
    ):
        path = f"/secretariat/applications/{app.id}"
        assert _post(staff_client, f"{path}/screening", data, page=path).status_code == 303
    assert smtp.deliver(sqlite_db, clock()) == 0  # they go with the screening results
    sent = confirmed_post(staff_client, "/secretariat/editions/2027/screening/send")
    assert sent.status_code == 303
    assert smtp.deliver(sqlite_db, clock()) == 2
    [english] = smtp.inbox.to("amra@example.org")
    assert english["Subject"] == "Your application EDPP-2027-0001 is not eligible"
    assert "The project is not wholly or mainly drug prevention." in body_of(english)
    [french] = smtp.inbox.to("claire@example.org")
    body = body_of(french)
    assert "Merci d'envoyer le budget." in body
    assert "20 juillet 2027" in body  # the date, in French
    assert "/apply/link/" in body  # the resume link to complete the application
    with sqlite_db.read() as session:
        languages = {m.recipient: m.language for m in session.exec(select(OutboxMessage))}
    assert languages == {"amra@example.org": "en", "claire@example.org": "fr"}


# --------------------------------------------------------------------------- late, translation


def test_accepting_a_draft_late_from_the_page(staff_client, seeded, sqlite_db):
    draft = seeded["draft"]
    path = f"/secretariat/applications/{draft.id}"
    page = staff_client.get(path)
    htmlpages.save("staff-application-draft", page.text)
    assert "This is a draft: it was never submitted" in page.text
    refused = refused_page(
        staff_client, _post(staff_client, f"{path}/late", {"late-reason": " "}, page=path)
    )
    assert 'id="late-reason-error">Give the reason for accepting this application late.' in (
        refused.text
    )
    with sqlite_db.read() as session:
        assert session.get_one(Application, draft.id).late_reason == ""
    done = _post(staff_client, f"{path}/late", {"late-reason": "Flood at the office"}, page=path)
    assert done.status_code == 303
    with sqlite_db.read() as session:
        assert session.get_one(Application, draft.id).late_reason == "Flood at the office"
    assert "Accepted after the deadline because" in staff_client.get(path).text


def test_translation_is_saved_and_shown_beside_the_original(staff_client, seeded, sqlite_db):
    app = seeded["second"]
    path = f"/secretariat/applications/{app.id}/translation"
    form = staff_client.get(path)
    htmlpages.save("staff-application-translation", form.text)
    assert "Café du vendredi" in form.text
    response = _post(
        staff_client,
        path,
        {"title": "Friday Coffee", "goals": "Reach young people over coffee.", "summary": ""},
    )
    assert response.status_code == 303
    with sqlite_db.read() as session:
        assert session.get_one(Application, app.id).translation == {
            "title": "Friday Coffee",
            "goals": "Reach young people over coffee.",
        }
    page = staff_client.get(f"/secretariat/applications/{app.id}")
    assert "English translation for the jury" in page.text
    assert "Reach young people over coffee." in page.text
    too_long = _post(staff_client, path, {"title": "x" * 301})
    too_long = refused_page(staff_client, too_long)
    assert 'id="title-error">Use at most 300 characters.' in too_long.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, app.id).translation["title"] == "Friday Coffee"


def test_a_post_without_csrf_token_changes_nothing(staff_client, seeded, sqlite_db):
    app = seeded["first"]
    response = staff_client.post(
        f"/secretariat/applications/{app.id}/screening", data={"outcome": "eligible"}
    )
    assert response.status_code == 403
    assert "This form was not accepted" in response.text
    assert _status(sqlite_db, app.id) is A.submitted


# --------------------------------------------------------------------------- advisers


def test_adviser_reads_but_every_post_is_refused(client, seeded, sqlite_db, clock):
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, email="adviser@example.org")
    first, draft = seeded["first"], seeded["draft"]
    page = client.get(f"/secretariat/applications/{first.id}")
    assert "Intercity Theatre" in page.text
    assert "Mark as eligible" not in page.text
    assert "Intercity Theatre" in client.get("/secretariat/editions/2027/applications").text
    token = csrf_of(client, f"/secretariat/applications/{first.id}")
    posts = [
        (f"/secretariat/applications/{first.id}/screening", {"outcome": "eligible"}),
        (f"/secretariat/applications/{draft.id}/late", {"late-reason": "Because"}),
        (f"/secretariat/applications/{first.id}/translation", {"title": "T"}),
        ("/secretariat/personal-data", {"email": "amra@example.org"}),
        ("/secretariat/personal-data/export", {"email": "amra@example.org"}),
        ("/secretariat/personal-data/erase", {"email": "amra@example.org", "confirm": "yes"}),
    ]
    for path, data in posts:
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "Not allowed" in response.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, first.id).status is A.submitted
        assert session.get_one(Application, first.id).translation == {}
        assert session.get_one(Application, draft.id).late_reason == ""
        kinds = list(session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.id))))
        assert [k for k in kinds if not k.startswith("staff.")] == []
        assert session.exec(select(OutboxMessage)).all() == []
