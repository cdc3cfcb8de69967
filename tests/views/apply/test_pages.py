"""The applicant's pages: every route's happy path and each way it refuses, with the message next
to its field and what was typed kept."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import col, select

from prize import formats
from prize.domain.applicants import applications
from prize.models import (
    Application,
    ApplicationStatus,
    ContentKind,
    OutboxMessage,
)
from tests.appkit import csrf_of, refused_page
from tests.applykit import APPLICANT, CALL_DEADLINE, complete_form, post_form, stored


def outbox_rows(database):
    with database.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def error_of(page, name):
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page.text)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- public pages


def test_home_shows_the_call_with_dates_time_left_and_how_to_apply(client, open_call):
    page = client.get("/")
    assert (
        formats.deadline(CALL_DEADLINE, "en") in page.text
    )  # Wednesday 30 June 2027, 21:59 Paris time
    assert '<time datetime="2027-06-30T19:59Z" data-local=' in page.text  # its last minute
    assert "Time left: 4 months" in page.text
    assert 'href="/apply"' in page.text and 'href="/apply/resend"' in page.text
    assert "Who can apply" in page.text and "How to apply" in page.text
    assert "Innovation" in page.text


def test_home_in_french_names_the_countries_in_french(client, open_call):
    page = client.get("/", headers={"Accept-Language": "fr"})
    assert "<li>Allemagne</li>" in page.text


# --------------------------------------------------------------------------- start


def test_start_opens_the_draft_here_and_sends_the_link(client, open_call, sqlite_db):
    page = client.get("/apply")
    assert "Start an application" in page.text
    assert "Your application opens at once in this browser" in page.text
    response = client.post(
        "/apply",
        data={
            "email": APPLICANT,
            "title": "Friday coffee",
            "language": "fr",
            "csrf_token": csrf_of(client, "/apply"),
        },
    )
    assert response.status_code == 303
    with sqlite_db.read() as session:
        [application] = session.exec(select(Application)).all()
    assert response.headers["location"] == f"/apply/{application.id}/tasks"
    page = client.get(response.headers["location"])
    assert (
        f"Your application is started. We have e-mailed its link to {APPLICANT}: it is your "
        "way back to it." in page.text
    )
    assert '<p class="lead">Friday coffee</p>' in page.text
    [mail] = outbox_rows(sqlite_db)
    assert (mail.recipient, mail.language) == (APPLICANT, "fr")
    assert "/apply/link/" in mail.body


def test_start_refuses_a_bad_address_next_to_the_field_and_keeps_the_title(
    client, open_call, sqlite_db
):
    page = client.post(
        "/apply",
        data={"email": "nobody", "title": "Friday coffee", "csrf_token": csrf_of(client, "/apply")},
    )
    page = refused_page(client, page)
    assert error_of(page, "email") == "Enter an e-mail address like name@example.org."
    assert 'value="Friday coffee"' in page.text and 'value="nobody"' in page.text
    assert outbox_rows(sqlite_db) == []


def test_start_refuses_an_empty_title(client, open_call, sqlite_db):
    page = client.post(
        "/apply", data={"email": APPLICANT, "title": "", "csrf_token": csrf_of(client, "/apply")}
    )
    page = refused_page(client, page)
    assert error_of(page, "title") == "Enter your project&#39;s title."
    assert f'value="{APPLICANT}"' in page.text
    assert outbox_rows(sqlite_db) == []
    with sqlite_db.read() as session:
        assert session.exec(select(Application)).all() == []


def test_start_is_rate_limited_with_a_clear_message(client, open_call, sqlite_db):
    token = csrf_of(client, "/apply")
    for n in range(applications.MAIL_PER_ADDRESS):
        data = {"email": APPLICANT, "title": f"Project {n}", "csrf_token": token}
        assert client.post("/apply", data=data).status_code == 303
    page = client.post(
        "/apply", data={"email": APPLICANT, "title": "One more", "csrf_token": token}
    )
    page = refused_page(client, page)
    assert error_of(page, "email").startswith("Too many e-mails were sent to this address.")
    assert len(outbox_rows(sqlite_db)) == applications.MAIL_PER_ADDRESS


def test_start_sent_twice_makes_one_draft_and_one_email(client, open_call, sqlite_db):
    token = csrf_of(client, "/apply")
    data = {"email": APPLICANT, "title": "Street theatre", "csrf_token": token}
    first = client.post("/apply", data=data)
    second = client.post("/apply", data=data)
    assert first.headers["location"] == second.headers["location"]
    assert len(outbox_rows(sqlite_db)) == 1
    with sqlite_db.read() as session:
        assert len(session.exec(select(Application)).all()) == 1


def test_start_after_the_deadline_says_the_call_is_closed(client, open_call, clock, sqlite_db):
    token = csrf_of(client, "/apply")
    clock.set(CALL_DEADLINE)
    assert "Applications are not being accepted at the moment." in client.get("/apply").text
    page = client.post("/apply", data={"email": APPLICANT, "title": "Late", "csrf_token": token})
    page = refused_page(client, page)
    assert "Applications are not being accepted at the moment." in page.text
    assert outbox_rows(sqlite_db) == []
    with sqlite_db.read() as session:
        assert session.exec(select(Application)).all() == []


def test_start_without_a_call_says_so(client):
    page = client.get("/apply")
    assert "Applications are not being accepted at the moment." in page.text


def test_start_with_a_stale_token_offers_to_send_again_with_everything_kept(
    client, open_call, sqlite_db
):
    page = client.post(
        "/apply",
        data={"email": APPLICANT, "title": "Friday coffee", "csrf_token": "stale"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "Please send again" in page.text
    assert 'name="title" value="Friday coffee"' in page.text
    with sqlite_db.read() as session:
        assert session.exec(select(Application)).all() == []


# --------------------------------------------------------------------------- resend


def test_resend_answers_the_same_for_known_and_unknown_addresses(client, applicant, sqlite_db):
    assert "Send me my link again" in client.get("/apply/resend").text
    texts = []
    for email in (APPLICANT, "stranger@example.org"):
        response = client.post(
            "/apply/resend", data={"email": email, "csrf_token": csrf_of(client, "/apply/resend")}
        )
        assert response.status_code == 303
        texts.append(client.get("/apply/sent").text.replace(email, "ADDRESS"))
    assert texts[0] == texts[1]
    assert "If there is an application for ADDRESS, we have sent its link there." in texts[0]
    kinds = [m.kind for m in outbox_rows(sqlite_db)]
    assert kinds == ["application_link", "application_links"]


def test_resend_refuses_a_malformed_address(client, open_call, sqlite_db):
    page = client.post(
        "/apply/resend", data={"email": "x@", "csrf_token": csrf_of(client, "/apply/resend")}
    )
    page = refused_page(client, page)
    assert error_of(page, "email") == "Enter an e-mail address like name@example.org."
    assert 'value="x@"' in page.text
    assert outbox_rows(sqlite_db) == []


def test_resend_is_rate_limited_per_client(client, open_call):
    token = csrf_of(client, "/apply/resend")
    for i in range(applications.MAIL_PER_CLIENT):
        data = {"email": f"p{i}@example.org", "csrf_token": token}
        assert client.post("/apply/resend", data=data).status_code == 303
    page = client.post("/apply/resend", data={"email": "last@example.org", "csrf_token": token})
    page = refused_page(client, page)
    assert error_of(page, "email").startswith(
        "Too many e-mails were asked for from your connection."
    )


# --------------------------------------------------------------------------- the form


def test_the_form_has_sections_a_b_c_and_eligible_countries_in_the_readers_language(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}")
    for legend in ("A. The project", "B. Contacts", "C. Description", "Consents"):
        assert f"<legend>{legend}</legend>" in page.text
    assert '<option value="BA">Bosnia and Herzegovina</option>' in page.text
    assert 'value="US"' not in page.text
    assert 'data-word-limit="100"' in page.text and 'data-word-limit="1000"' in page.text
    french = client.get(f"/apply/{application.id}", headers={"Accept-Language": "fr"})
    assert '<option value="DE">Allemagne</option>' in french.text


def test_saving_a_partial_draft_keeps_it(applicant, sqlite_db):
    client, application = applicant
    response = post_form(client, application, organisation="Youth Theatre", young_people="1 200")
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Your draft is saved." in page.text
    assert 'value="Youth Theatre"' in page.text and 'value="1200"' in page.text
    draft = stored(sqlite_db, application.id)
    assert (draft.organisation, draft.young_people, draft.title) == ("Youth Theatre", 1200, "")


def test_a_malformed_value_is_refused_next_to_its_field_and_the_rest_is_saved(applicant, sqlite_db):
    client, application = applicant
    page = post_form(
        client,
        application,
        **complete_form(young_people="about forty", start_date="2024-09-01", end_date="2023-01-01"),
    )
    page = refused_page(client, page)
    assert error_of(page, "young_people") == (
        "Number of young people under 25 taking part must be a whole number, like 120: "
        "“about forty” is not one."
    )
    assert error_of(page, "end_date") == "End date cannot be before the start date."
    assert 'value="about forty"' in page.text and 'value="2023-01-01"' in page.text
    assert "Your draft is saved, except the answers marked below" in page.text
    draft = stored(sqlite_db, application.id)
    assert draft.organisation == "Youth Theatre Sarajevo"
    assert (draft.young_people, draft.end_date) == (None, None)


def test_malformed_addresses_links_and_dates_are_refused(applicant):
    client, application = applicant
    page = post_form(
        client,
        application,
        **complete_form(
            contact_email="contact-at-example",
            website="javascript:alert(1)",
            link_2="ftp://files.example.org/report",
            start_date="31/02/2024",
            phone="call me",
        ),
    )
    page = refused_page(client, page)
    assert error_of(page, "contact_email") == (
        "Applicant&#39;s e-mail address: enter an e-mail address like name@example.org."
    )
    assert error_of(page, "website") == (
        "Website: enter a web address starting with https:// or http://."
    )
    assert error_of(page, "link_2") == (
        "Link 2: enter a web address starting with https:// or http://."
    )
    assert error_of(page, "start_date") == "Start date: enter a date like 2025-09-15."
    assert error_of(page, "phone") == "Telephone: enter a number like +33 3 88 41 20 00."
    assert 'value="javascript:alert(1)"' in page.text
    assert '<a href="javascript' not in page.text


def test_a_country_outside_the_list_is_refused(applicant, sqlite_db):
    client, application = applicant
    page = refused_page(client, post_form(client, application, **complete_form(country_main="US")))
    assert error_of(page, "country_main") == (
        "Country where the project mainly runs: choose a country from the list."
    )
    draft = stored(sqlite_db, application.id)
    assert "US" not in draft.countries
    assert draft.organisation == "Youth Theatre Sarajevo"  # the rest is saved


def test_word_limits_are_shown_on_save_and_enforced_on_submit(applicant, sqlite_db):
    client, application = applicant
    long_goals = "word " * 101
    response = post_form(client, application, **complete_form(goals=long_goals))
    assert response.status_code == 303  # saved: it can be trimmed later
    page = client.get(f"/apply/{application.id}")
    assert error_of(page, "goals") == "Prevention goals must be 100 words or fewer; yours has 101."
    page = post_form(client, application, **complete_form(goals=long_goals), action="submit")
    page = refused_page(client, page)
    assert (
        '<a href="#goals">Prevention goals must be 100 words or fewer; yours has 101.</a>'
        in page.text
    )
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).reference is None


def test_submitting_a_complete_form_shows_the_reference(applicant, sqlite_db):
    client, application = applicant
    response = post_form(client, application, **complete_form(), action="submit")
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}/submitted"
    page = client.get(response.headers["location"])
    assert "Your application has arrived. Its reference is EDPP-2027-0001." in page.text
    confirmation = outbox_rows(sqlite_db)[-1]
    assert confirmation.subject == "Application received: EDPP-2027-0001"
    page = client.get(f"/apply/{application.id}")
    assert "Status: Submitted" in page.text and "EDPP-2027-0001" in page.text
    assert "Change your application" in page.text and "<textarea" not in page.text
    page = client.get(f"/apply/{application.id}/change")
    assert "Submit the changes" not in page.text and "<textarea" in page.text


def test_submitting_an_incomplete_form_lists_what_is_missing_with_links(applicant, sqlite_db):
    client, application = applicant
    page = post_form(
        client,
        application,
        **complete_form(organisation="", consent_processing=""),
        action="submit",
    )
    page = refused_page(client, page)
    assert "Not submitted: correct these answers" in page.text
    assert '<a href="#organisation">Name the organisation that runs the project.</a>' in page.text
    assert '<a href="#consent_processing">' in page.text
    assert error_of(page, "organisation") == "Name the organisation that runs the project."
    assert 'value="Amra Hodžić"' in page.text
    assert stored(sqlite_db, application.id).applicant_name == "Amra Hodžić"


def test_a_double_click_submits_once(applicant, sqlite_db):
    client, application = applicant
    form = {**complete_form(), "action": "submit"}
    first = post_form(client, application, **form)
    second = post_form(client, application, **form)
    assert first.headers["location"] == second.headers["location"]
    assert "EDPP-2027-0001" in client.get(second.headers["location"]).text
    confirmations = [m for m in outbox_rows(sqlite_db) if m.kind == "application_confirmation"]
    assert len(confirmations) == 1
    assert stored(sqlite_db, application.id) is None  # no revision was left behind


def test_editing_a_submitted_application_works_on_a_revision(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    post_form(client, application, **complete_form(title="Street theatre, season two"))
    page = client.get(f"/apply/{application.id}")
    assert "The version you submitted stands until you submit your changes." in page.text
    assert stored(sqlite_db, application.id, ContentKind.submitted).title == (
        "Street theatre against drugs"
    )
    post_form(
        client, application, **complete_form(title="Street theatre, season two"), action="submit"
    )
    assert stored(sqlite_db, application.id, ContentKind.submitted).title == (
        "Street theatre, season two"
    )
    assert stored(sqlite_db, application.id) is None


def test_after_the_deadline_a_post_changes_nothing_and_keeps_the_text(applicant, sqlite_db, clock):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}")
    clock.set(CALL_DEADLINE + timedelta(seconds=1))
    page = client.post(
        f"/apply/{application.id}",
        data={
            **complete_form(summary="Typed at the last second"),
            "csrf_token": token,
            "action": "submit",
        },
    )
    page = refused_page(client, page)
    assert (
        "Not saved: the deadline passed at 22:00 (Paris time) on 30 June 2027. What you sent is "
        "shown below so that you can copy it. To ask the secretariat to accept your application "
        "late, write to secretariat@example.org with your project&#39;s title and the reason."
    ) in page.text
    assert "Typed at the last second" in page.text
    assert "Save draft" not in page.text and "Submit application" not in page.text
    assert stored(sqlite_db, application.id).summary == ""


def test_an_expired_session_while_typing_keeps_everything_typed(applicant):
    client, application = applicant
    client.cookies.clear()
    page = client.post(
        f"/apply/{application.id}",
        data={**complete_form(summary="Three hours of typing"), "csrf_token": "stale"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403
    assert "Please send again" in page.text
    assert 'name="summary" value="Three hours of typing"' in page.text
    assert "open your personal link" in page.text


def test_a_form_sent_again_after_signing_in_anew_is_saved(applicant, open_call, sqlite_db):
    from tests.applykit import link_maker

    client, application = applicant
    client.cookies.clear()
    page = client.post(
        f"/apply/{application.id}",
        data={"summary": "Kept", "csrf_token": "old"},
        headers={"Origin": "http://testserver"},
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.get(f"/apply/link/{link_maker().token(application)}")  # the link, in another tab
    response = client.post(
        f"/apply/{application.id}", data={"summary": "Kept", "csrf_token": token}
    )
    assert response.status_code == 303
    assert stored(sqlite_db, application.id).summary == "Kept"


# --------------------------------------------------------------------------- withdraw, delete


def test_withdrawing_a_submitted_application(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    page = client.get(f"/apply/{application.id}/withdraw")
    assert "never shown to the jury" in page.text
    response = client.post(
        f"/apply/{application.id}/withdraw",
        data={"reason": "", "csrf_token": csrf_of(client, f"/apply/{application.id}/withdraw")},
    )
    assert response.status_code == 303
    page = client.get(f"/apply/{application.id}")
    assert "Your application is withdrawn." in page.text and "Status: Withdrawn" in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).status is ApplicationStatus.withdrawn


def test_withdrawing_a_draft_is_refused(applicant, sqlite_db):
    client, application = applicant
    page = client.post(
        f"/apply/{application.id}/withdraw",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/withdraw")},
    )
    page = refused_page(client, page)
    assert "A draft is not withdrawn: delete it instead." in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).status is ApplicationStatus.draft


def test_deleting_a_draft(applicant, sqlite_db):
    client, application = applicant
    assert "deleted for good" in client.get(f"/apply/{application.id}/delete").text
    response = client.post(
        f"/apply/{application.id}/delete",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/delete")},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "Your draft is deleted, with its files." in client.get("/").text
    with sqlite_db.read() as session:
        assert session.get(Application, application.id) is None
    gone = client.get(f"/apply/{application.id}")
    assert gone.status_code == 403
    assert "Open your personal link" in gone.text


def test_deleting_a_submitted_application_is_refused(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    page = client.post(
        f"/apply/{application.id}/delete",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/delete")},
    )
    page = refused_page(client, page)
    assert "A submitted application cannot be deleted; you can withdraw it." in page.text
    with sqlite_db.read() as session:
        assert session.get(Application, application.id) is not None


def test_my_applications_lists_those_opened_in_this_browser(applicant):
    client, application = applicant
    page = client.get("/apply/mine")
    assert f'href="/apply/{application.id}">Street theatre against drugs</a>' in page.text


def test_my_applications_without_any(client):
    assert "No application is open in this browser." in client.get("/apply/mine").text


def test_after_the_deadline_the_submitted_version_is_shown_not_an_unfinished_revision(
    applicant, clock
):
    client, application = applicant
    post_form(client, application, **complete_form(), action="submit")
    post_form(client, application, **complete_form(title="Half-done new title"))
    clock.set(CALL_DEADLINE + timedelta(seconds=1))
    page = client.get(f"/apply/{application.id}")
    assert "<dd>Street theatre against drugs</dd>" in page.text
    assert "Half-done new title" not in page.text
    assert "You are changing your submitted application" not in page.text
