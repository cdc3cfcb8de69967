"""Post/Redirect/Get for refused forms (prize/views/refused.py): a refused post answers 303 to a
page that shows the errors and what was typed; only the browser and person who posted it see
it, for an hour; a password is never kept."""

from __future__ import annotations

import json
import re
from html import unescape

from sqlmodel import select
from starlette.testclient import TestClient

from prize.models import RefusedPost
from tests.appkit import csrf_of, refused_page
from tests.applykit import complete_form, link_maker, post_form, start_application
from tests.staffkit import STAFF_PASSWORD, login, make_staff


def _stashes(database) -> list[RefusedPost]:
    with database.read() as session:
        return list(session.exec(select(RefusedPost)))


def _refused_start(client: TestClient):
    token = csrf_of(client, "/apply")
    return client.post("/apply", data={"email": "nobody", "title": "Friday", "csrf_token": token})


def test_a_refused_post_answers_303_to_a_page_with_the_errors_and_what_was_typed(
    client, open_call, sqlite_db
):
    response = _refused_start(client)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/apply?refused=")
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "data-error-summary" in page.text and 'href="#email"' in page.text
    assert 'id="email-error">Enter an e-mail address like name@example.org.' in page.text
    assert 'value="nobody"' in page.text and 'value="Friday"' in page.text
    assert client.get(response.headers["location"]).text == page.text  # a reload shows it again
    fresh = client.get("/apply")  # the page itself, without the refusal's address
    assert "There is a problem" not in fresh.text and 'value="Friday"' not in fresh.text


def test_switching_language_on_a_refused_page_keeps_the_typing_and_translates_the_errors(
    client, open_call
):
    page = client.get(_refused_start(client).headers["location"])
    here = re.search(r'name="next" value="([^"]+)"', page.text)
    assert here is not None and "refused=" in here.group(1)  # the language form comes back here
    token = csrf_of(client, "/apply")
    switched = client.post(
        "/language", data={"csrf_token": token, "lang": "fr", "next": unescape(here.group(1))}
    )
    page = client.get(switched.headers["location"])
    assert 'lang="fr"' in page.text
    assert 'value="nobody"' in page.text and 'value="Friday"' in page.text
    assert 'id="email-error">Saisissez une adresse électronique' in page.text


def test_a_refused_application_form_redirects_to_the_form_with_the_answers_kept(applicant):
    client, application = applicant
    response = post_form(client, application, **complete_form(adults="12.5"))
    assert response.headers["location"].startswith(f"/apply/{application.id}?refused=")
    page = refused_page(client, response)
    assert "Number of adults taking part must be a whole number" in page.text
    assert 'value="12.5"' in page.text


def test_another_browser_cannot_read_the_refusal_with_its_address(
    app, client, open_call, sqlite_db
):
    location = _refused_start(client).headers["location"]
    with TestClient(app, follow_redirects=False) as stranger:
        page = stranger.get(location)
    assert page.status_code == 200
    assert 'value="Friday"' not in page.text and "There is a problem" not in page.text


def test_another_applicant_cannot_read_an_applicants_refusal(app, applicant, sqlite_db, clock):
    client, mine = applicant
    location = post_form(client, mine, **complete_form(organisation="Secret Org", adults="x"))
    key = location.headers["location"].split("refused=")[1]
    theirs = start_application(sqlite_db, clock(), email="other@example.org", title="Theirs")
    with TestClient(app, follow_redirects=False) as other:
        assert other.get(f"/apply/link/{link_maker(clock=clock).token(theirs)}").status_code == 303
        assert other.get(f"/apply/{mine.id}?refused={key}").status_code == 403  # not their form
        page = other.get(f"/apply/{theirs.id}?refused={key}")  # the key on their own form
    assert page.status_code == 200
    assert "Secret Org" not in page.text and "must be a whole number" not in page.text
    # The same browser, on another application's page, does not see it either.
    client.get(f"/apply/link/{link_maker(clock=clock).token(theirs)}")
    assert "Secret Org" not in client.get(f"/apply/{theirs.id}?refused={key}").text


def test_an_expired_refusal_is_gone_and_swept(client, open_call, sqlite_db, clock):
    location = _refused_start(client).headers["location"]
    assert len(_stashes(sqlite_db)) == 1
    clock.advance(minutes=61)
    page = client.get(location)
    assert 'value="Friday"' not in page.text and "There is a problem" not in page.text
    _refused_start(client)  # keeping the next one sweeps what has expired
    assert [json.loads(s.content)["values"]["title"] for s in _stashes(sqlite_db)] == ["Friday"]
    assert len(_stashes(sqlite_db)) == 1


def test_a_second_refusal_of_the_same_form_replaces_the_first(client, open_call, sqlite_db):
    first = _refused_start(client).headers["location"]
    second = _refused_start(client).headers["location"]
    assert len(_stashes(sqlite_db)) == 1
    assert "There is a problem" not in client.get(first).text
    assert "There is a problem" in client.get(second).text


def test_a_password_is_never_kept(client, officer, sqlite_db):
    token = csrf_of(client, "/secretariat/login")
    typed = "correct horse battery wrong"
    response = client.post(
        "/secretariat/login",
        data={"email": "officer@example.org", "password": typed, "csrf_token": token},
    )
    page = refused_page(client, response)
    assert "The e-mail address or the password is not right." in page.text
    assert 'value="officer@example.org"' in page.text and typed not in page.text
    client.post(  # and the change-password form, where every field is one
        "/secretariat/login",
        data={"email": "officer@example.org", "password": STAFF_PASSWORD, "csrf_token": token},
    )
    token = csrf_of(client, "/secretariat/account/password")
    form = {"current": typed, "new": "short", "again": "short", "csrf_token": token}
    page = refused_page(client, client.post("/secretariat/account/password", data=form))
    assert "Your current password is not right." in page.text
    stored = [s.content for s in _stashes(sqlite_db)]
    assert len(stored) == 2
    assert all(typed not in s and "short" not in s and token not in s for s in stored)
    assert all("password" not in json.loads(s)["values"] for s in stored)


def test_another_staff_account_cannot_read_an_officers_refusal(app, staff_client, sqlite_db, clock):
    token = csrf_of(staff_client, "/secretariat/editions/new")
    response = staff_client.post(
        "/secretariat/editions/new",
        data={"year": "x", "title_en": "Kept for the officer", "csrf_token": token},
    )
    location = response.headers["location"]
    assert "Kept for the officer" in refused_page(staff_client, response).text
    make_staff(sqlite_db, clock(), email="second@example.org")
    with TestClient(app, follow_redirects=False) as other:
        login(other, "second@example.org")
        page = other.get(location)
    assert page.status_code == 200 and "Kept for the officer" not in page.text
