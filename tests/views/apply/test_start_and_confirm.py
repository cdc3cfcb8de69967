"""Starting an application opens its draft at once in this browser and e-mails its link, the
way back (GOV.UK "save and come back later"); opening that link once confirms the address, and
until then the application cannot be submitted (nothing typed is lost). A start repeated with the
same address never opens the first draft in another browser."""

from __future__ import annotations

import html
import re

from sqlmodel import col, select
from starlette.testclient import TestClient

from prize.models import Application, ApplicationStatus, OutboxMessage
from tests.appkit import csrf_of, refused_page
from tests.applykit import APPLICANT, complete_form, links_in, post_form


def start(client, title="Friday coffee", email=APPLICANT):
    return client.post(
        "/apply",
        data={
            "email": email,
            "title": title,
            "language": "en",
            "csrf_token": csrf_of(client, "/apply"),
        },
    )


def applications_in(database):
    with database.read() as session:
        return list(session.exec(select(Application).order_by(col(Application.id))))


def mails(database):
    with database.read() as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def text_of(page):
    return html.unescape(page.text)


def test_a_new_draft_says_to_confirm_the_address_and_cannot_be_submitted_until_then(
    client, open_call, sqlite_db
):
    response = start(client)
    [application] = applications_in(sqlite_db)
    assert application.email_confirmed_at is None
    tasks = client.get(response.headers["location"])
    assert "Confirm your e-mail address" in tasks.text
    assert f"Open the link we sent to {APPLICANT} to be able to submit" in tasks.text
    assert "Send the link again" in tasks.text

    form = complete_form(action="submit", summary="Our own words, typed just now.")
    refused = refused_page(client, post_form(client, application, **form))
    assert (
        f"Not submitted: confirm your e-mail address first. Open the link we sent to {APPLICANT}, "
        "then submit. Everything you typed is saved." in text_of(refused)
    )
    assert "Our own words, typed just now." in refused.text  # kept on the page, and stored
    [application] = applications_in(sqlite_db)
    assert application.status is ApplicationStatus.draft

    check = client.get(f"/apply/{application.id}/check")
    assert "Confirm your e-mail address" in check.text
    refused = refused_page(
        client,
        client.post(
            f"/apply/{application.id}/check",
            data={"csrf_token": csrf_of(client, f"/apply/{application.id}/check")},
        ),
    )
    assert "Not submitted: confirm your e-mail address first." in text_of(refused)

    [link] = re.findall(r"http://testserver(/apply/link/\S+)", mails(sqlite_db)[0].body)
    assert "Open this link once to confirm your e-mail address" in mails(sqlite_db)[0].body
    assert client.get(link).status_code == 303
    [application] = applications_in(sqlite_db)
    assert application.email_confirmed_at is not None
    assert "Confirm your e-mail address" not in client.get(f"/apply/{application.id}/tasks").text
    done = client.post(
        f"/apply/{application.id}/check",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/check")},
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/apply/{application.id}/submitted"
    [application] = applications_in(sqlite_db)
    assert application.status is ApplicationStatus.submitted


def test_submitting_before_the_address_is_confirmed_lists_every_problem_at_once(
    client, open_call, sqlite_db
):
    start(client)
    [application] = applications_in(sqlite_db)
    unconfirmed = "Not submitted: confirm your e-mail address first."

    def summary(page):
        return re.findall(r'<li><a href="#([\w-]+)">', page.text)

    form = complete_form(organisation="", phone="", young_people="about forty", action="submit")
    page = refused_page(client, post_form(client, application, **form))
    assert unconfirmed in text_of(page)
    assert summary(page) == ["organisation", "young_people", "phone"]

    form = complete_form(organisation="", phone="", action="submit")  # every answer well formed
    page = refused_page(client, post_form(client, application, **form))
    assert unconfirmed in text_of(page)
    assert summary(page) == ["organisation", "phone"]
    assert "Name the organisation that runs the project." in text_of(page)

    check = f"/apply/{application.id}/check"
    page = refused_page(client, client.post(check, data={"csrf_token": csrf_of(client, check)}))
    assert unconfirmed in text_of(page)
    assert summary(page) == ["organisation", "phone"]
    [application] = applications_in(sqlite_db)
    assert application.status is ApplicationStatus.draft


def test_opening_the_link_the_first_time_says_the_address_is_confirmed(
    client, open_call, sqlite_db
):
    start(client)
    [link] = re.findall(r"http://testserver(/apply/link/\S+)", mails(sqlite_db)[0].body)
    opened = client.get(link)
    page = client.get(opened.headers["location"])
    assert '<p class="notice" role="status">Your e-mail address is confirmed.</p>' in page.text
    assert "Your e-mail address is confirmed." not in client.get(opened.headers["location"]).text
    again = client.get(link)  # confirmed already: nothing more to say
    assert "Your e-mail address is confirmed." not in client.get(again.headers["location"]).text


def test_the_confirmation_notice_in_french(client, open_call, sqlite_db):
    start(client)
    client.cookies.set("lang", "fr")
    [link] = re.findall(r"http://testserver(/apply/link/\S+)", mails(sqlite_db)[0].body)
    page = client.get(client.get(link).headers["location"])
    assert "Votre adresse électronique est confirmée." in page.text


def test_the_link_can_be_sent_again_from_the_draft(client, open_call, sqlite_db):
    response = start(client)
    [application] = applications_in(sqlite_db)
    again = client.post(
        f"/apply/{application.id}/send-link",
        data={"csrf_token": csrf_of(client, response.headers["location"])},
    )
    assert again.status_code == 303
    assert (
        f"We have sent the link again to {APPLICANT}." in client.get(again.headers["location"]).text
    )
    first, second = mails(sqlite_db)
    assert second.recipient == APPLICANT
    assert links_in(second.body) == links_in(first.body)
    assert "Open this link once to confirm your e-mail address" in second.body


def test_a_repeated_start_from_another_browser_does_not_open_the_draft(
    app, client, open_call, sqlite_db
):
    start(client)
    [mine] = applications_in(sqlite_db)
    with TestClient(app, follow_redirects=False) as stranger:
        repeated = start(stranger)  # someone else types my address and my title
        assert repeated.status_code == 303
        assert repeated.headers["location"] == "/apply/sent"
        assert "We have sent a link to your application" in stranger.get("/apply/sent").text
        assert stranger.get(f"/apply/{mine.id}").status_code == 403
        assert stranger.get(f"/apply/{mine.id}/tasks").status_code == 403
    assert applications_in(sqlite_db) == [mine]
    assert len(mails(sqlite_db)) == 1  # nothing more is sent within the repeat window


def test_a_repeated_start_in_the_same_browser_opens_the_same_draft(client, open_call, sqlite_db):
    first = start(client)
    again = start(client)  # a double click, a retry
    assert again.headers["location"] == first.headers["location"]
    assert len(applications_in(sqlite_db)) == 1


def test_another_title_with_the_same_address_is_a_separate_draft(app, client, open_call, sqlite_db):
    start(client)
    with TestClient(app, follow_redirects=False) as other:
        response = start(other, title="Another project")
        mine, theirs = applications_in(sqlite_db)
        assert response.headers["location"] == f"/apply/{theirs.id}/tasks"
        assert other.get(f"/apply/{mine.id}").status_code == 403
        page = other.get(response.headers["location"])
        assert '<p class="lead">Another project</p>' in page.text
        assert "Friday coffee" not in page.text
    assert theirs.email_confirmed_at is None


def test_sending_the_link_again_is_held_to_the_address_limit_and_says_why(
    client, open_call, sqlite_db
):
    """The address's hourly limit counts the start's e-mail too; past it, nothing more is sent
    and the task list says why."""
    response = start(client)
    [application] = applications_in(sqlite_db)
    path = f"/apply/{application.id}/send-link"
    for _ in range(5):
        again = client.post(
            path, data={"csrf_token": csrf_of(client, response.headers["location"])}
        )
    shown = text_of(client.get(again.headers["location"]))
    assert "Too many e-mails were sent to this address. Please wait an hour" in shown
    assert len(mails(sqlite_db)) == 5  # the start's, then four sent again
