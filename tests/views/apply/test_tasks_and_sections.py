"""The application's home is a task list (GOV.UK pattern): sections A, B, C, the files and the
consents, each with its state and its own page, saved as the whole form is (autosave, "Save and
continue"), its refusals in its own error summary; the whole form on one page stays one link
away."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from prize.domain import transitions
from prize.domain.shared import audit
from prize.models import ApplicationStatus, Edition, EditionState
from tests.appkit import csrf_of, refused_page, text_of
from tests.applykit import CALL_DEADLINE, SECTION_FIELDS, complete_form, post_form, stored


def states(page) -> dict[str, str]:
    """Each task's state as the list shows it, by the section's address."""
    return dict(
        re.findall(
            r'<strong class="tag state-\w+" id="task-(\w+)-state">([^<]+)</strong>', page.text
        )
    )


def post_section(client, application, key, **fields):
    path = f"/apply/{application.id}/section/{key}"
    values = {name: value for name, value in fields.items()}
    return client.post(path, data={**values, "section": key, "csrf_token": csrf_of(client, path)})


def section_values(key, **changes):
    form = complete_form(**changes)
    return {name: form[name] for name in SECTION_FIELDS[key] if name in form}


def test_the_task_list_shows_each_section_with_its_state(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}/tasks")
    assert page.status_code == 200
    assert '<p class="lead">Street theatre against drugs</p>' in page.text
    assert states(page) == {
        "project": "In progress",
        "contacts": "Not started",  # its e-mail address comes from the start page
        "description": "Not started",
        "files": "Not started",
        "consents": "Not started",
    }
    assert "0 of 5 sections complete." in page.text
    assert f'href="/apply/{application.id}/section/project"' in page.text
    assert f'href="/apply/{application.id}/files"' in page.text
    assert f'<a href="/apply/{application.id}">Show the whole form on one page</a>' in page.text
    assert f'href="/apply/{application.id}/check"' not in page.text  # not complete yet
    assert "Confirm your e-mail address" not in page.text  # opened from its e-mailed link


def test_a_section_page_shows_its_own_fields_only(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}/section/contacts")
    assert "<h1>B. Contacts</h1>" in page.text
    for name in SECTION_FIELDS["contacts"]:
        assert f'id="{name}"' in page.text
    for name in ("title", "goals", "consent_processing"):
        assert f'id="{name}"' not in page.text
    assert 'name="section" value="contacts"' in page.text
    assert f'data-autosave="/apply/{application.id}/save"' in page.text


def test_saving_a_section_keeps_the_others_and_goes_back_to_the_list(applicant, sqlite_db):
    client, application = applicant
    response = post_section(client, application, "contacts", **section_values("contacts"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}/tasks"
    page = client.get(response.headers["location"])
    assert "B. Contacts: saved." in page.text
    assert states(page)["contacts"] == "Complete"
    assert "1 of 5 sections complete." in page.text
    draft = stored(sqlite_db, application.id)
    assert draft.phone == "+387 33 123 456"
    assert draft.title == "Street theatre against drugs"  # section A untouched
    assert draft.consent_processing is False and draft.goals == ""


def test_a_refused_answer_is_explained_in_the_section_and_the_rest_is_saved(applicant, sqlite_db):
    client, application = applicant
    values = section_values("contacts", phone="call me", website="theatre")
    page = refused_page(client, post_section(client, application, "contacts", **values))
    text = html.unescape(page.text)
    assert "Your draft is saved, except the answers marked below" in text
    start = text.index('class="error-summary"')
    summary = text[start : text.index("</ul>", start)]
    assert summary.count("<li>") == 2
    assert 'href="#phone"' in summary and 'href="#website"' in summary
    assert 'value="call me"' in page.text and 'value="theatre"' in page.text
    draft = stored(sqlite_db, application.id)
    assert draft.applicant_name == "Amra Hodžić" and draft.phone == ""


def test_autosave_of_a_section_stores_that_section_only(applicant, sqlite_db):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}/section/description")
    response = client.post(
        f"/apply/{application.id}/save",
        data={**section_values("description"), "section": "description", "csrf_token": token},
    )
    assert response.status_code == 200 and response.json()["saved"] is True
    draft = stored(sqlite_db, application.id)
    assert draft.goals.startswith("Young people choose")
    assert draft.title == "Street theatre against drugs" and draft.contact_email
    assert draft.consent_processing is False


def test_unticked_consents_are_saved_as_not_given(applicant, sqlite_db):
    client, application = applicant
    post_section(client, application, "consents", consent_processing="yes")
    assert stored(sqlite_db, application.id).consent_processing is True
    post_section(client, application, "consents")
    draft = stored(sqlite_db, application.id)
    assert draft.consent_processing is False
    assert draft.title == "Street theatre against drugs"


def test_section_by_section_to_check_and_submit(applicant, sqlite_db):
    client, application = applicant
    for key in ("project", "contacts", "description", "consents"):
        assert post_section(client, application, key, **section_values(key)).status_code == 303
    page = client.get(f"/apply/{application.id}/tasks")
    assert states(page) == {
        "project": "Complete",
        "contacts": "Complete",
        "description": "Complete",
        "files": "Not started",
        "consents": "Complete",
    }
    assert "4 of 5 sections complete." in page.text
    assert f'href="/apply/{application.id}/check">Continue to check your answers' in page.text
    check = client.get(f"/apply/{application.id}/check")
    assert "Young people write and perform street plays" in check.text
    done = client.post(
        f"/apply/{application.id}/check",
        data={"csrf_token": csrf_of(client, f"/apply/{application.id}/check")},
    )
    assert done.headers["location"] == f"/apply/{application.id}/submitted"
    with sqlite_db.read() as session:
        from prize.models import Application

        assert session.get_one(Application, application.id).status is ApplicationStatus.submitted


def test_the_whole_form_links_back_to_the_sections(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}")
    assert f'href="/apply/{application.id}/tasks">Show the form section by section' in page.text
    assert 'id="title"' in page.text and 'id="consent_summary"' in page.text


def test_an_unknown_section_is_not_found(applicant):
    client, application = applicant
    assert client.get(f"/apply/{application.id}/section/other").status_code == 404


def test_after_the_deadline_the_sections_give_way_to_the_read_only_page(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE + timedelta(minutes=1))
    for path in ("tasks", "section/project"):
        response = client.get(f"/apply/{application.id}/{path}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/apply/{application.id}"


def test_a_stranger_gets_no_section(client, open_call, sqlite_db, clock):
    from tests.applykit import start_application

    application = start_application(sqlite_db, clock())
    assert client.get(f"/apply/{application.id}/tasks").status_code == 403
    response = client.post(
        f"/apply/{application.id}/section/project",
        data={"title": "Taken", "csrf_token": csrf_of(client, "/apply")},
    )
    assert response.status_code in (400, 403)
    assert stored(sqlite_db, application.id).title == "Street theatre against drugs"


def test_the_task_list_and_a_section_in_french(applicant):
    client, application = applicant
    client.cookies.set("lang", "fr")
    post_section(client, application, "consents", consent_processing="yes")
    page = html.unescape(client.get(f"/apply/{application.id}/tasks").text)
    assert "Le formulaire, partie par partie" in page
    assert "Parties terminées\u00a0: 1 sur 5." in page
    assert states(client.get(f"/apply/{application.id}/tasks"))["consents"] == "Terminé"
    assert "Afficher tout le formulaire sur une seule page" in page
    section = client.get(f"/apply/{application.id}/section/contacts").text
    assert "Enregistrer et continuer" in section


def test_a_section_sent_after_the_deadline_is_shown_back_with_why(applicant, sqlite_db, clock):
    client, application = applicant
    path = f"/apply/{application.id}/section/contacts"
    token = csrf_of(client, path)
    clock.set(CALL_DEADLINE + timedelta(minutes=1))
    page = refused_page(
        client,
        client.post(
            path, data={**section_values("contacts"), "section": "contacts", "csrf_token": token}
        ),
    )
    assert "Not saved: the deadline passed at" in html.unescape(page.text)
    assert 'value="+387 33 123 456"' in page.text  # what was typed, to copy
    assert stored(sqlite_db, application.id).phone == ""


def test_a_section_sent_just_after_the_call_closed_early_is_shown_back_with_why(
    applicant, sqlite_db, clock
):
    """Closed early, the call's deadline is the next minute: within it, the refusal still says
    the deadline has passed (not a bare "cannot be changed")."""
    client, application = applicant
    path = f"/apply/{application.id}/section/contacts"
    token = csrf_of(client, path)
    clock.set(datetime(2027, 5, 2, 9, 30, 17, tzinfo=UTC))
    with sqlite_db.write() as session:
        edition = session.exec(select(Edition)).one()
        transitions.move(
            session=session,
            edition=edition,
            to=EditionState.screening,
            actor=audit.SYSTEM,
            now=clock(),
            reason="The budget was cut",
        )
        assert edition.deadline > clock()
    page = refused_page(
        client,
        client.post(
            path, data={**section_values("contacts"), "section": "contacts", "csrf_token": token}
        ),
    )
    assert "Not saved: the deadline passed at 11:31 (Paris time)" in html.unescape(page.text)
    assert 'value="+387 33 123 456"' in page.text  # what was typed, to copy
    assert stored(sqlite_db, application.id).phone == ""


def error_by(page, name) -> str | None:
    """The message shown beside a field, as read (None without one)."""
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page.text)
    return html.unescape(found.group(1)) if found else None


def summary_of(page) -> str:
    """The error summary's items, as read ("" without a summary)."""
    if 'class="error-summary"' not in page.text:
        return ""
    start = page.text.index('class="error-summary"')
    return text_of(page.text[start : page.text.index("</ul>", start)])


MUST_HAVE_STARTED = "The start date cannot be to come: the prize rewards work already done."


def test_a_start_date_to_come_is_saved_and_shown_by_its_field_on_the_section_page(
    applicant, sqlite_db
):
    client, application = applicant
    values = section_values("project", start_date="2030-01-01")
    response = post_section(client, application, "project", **values)
    page = refused_page(client, response)  # stays on the section, not a bare "saved"
    assert response.headers["location"].startswith(f"/apply/{application.id}/section/project?")
    assert "Your draft is saved, but the answers marked below keep your application from " in (
        text_of(page.text)
    )
    assert error_by(page, "start_date") == MUST_HAVE_STARTED
    assert MUST_HAVE_STARTED in summary_of(page)
    assert stored(sqlite_db, application.id).start_date.isoformat() == "2030-01-01"

    again = client.get(f"/apply/{application.id}/section/project")  # opened again, later
    assert error_by(again, "start_date") == MUST_HAVE_STARTED
    assert MUST_HAVE_STARTED in summary_of(again)
    assert error_by(again, "end_date") is None
    assert states(client.get(f"/apply/{application.id}/tasks"))["project"] == "Has errors"
    whole = client.get(f"/apply/{application.id}")
    assert error_by(whole, "start_date") == MUST_HAVE_STARTED
    assert error_by(whole, "goals") is None  # not answered yet: no message while filling in


def test_a_summary_over_its_word_limit_is_saved_and_shown_by_its_field(applicant, sqlite_db):
    client, application = applicant
    long_summary = " ".join(["word"] * 1010)
    values = section_values("description", summary=long_summary)
    page = refused_page(client, post_section(client, application, "description", **values))
    limit = "Summary of the project must be 1,000 words or fewer; yours has 1,010."
    assert error_by(page, "summary") == limit
    assert "Your draft is saved, but the answers marked below" in text_of(page.text)
    assert stored(sqlite_db, application.id).summary == long_summary
    again = client.get(f"/apply/{application.id}/section/description")
    assert error_by(again, "summary") == limit
    assert states(client.get(f"/apply/{application.id}/tasks"))["description"] == "Has errors"


def test_a_section_being_filled_in_shows_no_message_for_answers_not_given_yet(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}/section/project")
    assert summary_of(page) == ""
    assert 'class="error"' not in page.text
    assert "data-save-rechecks" in page.text  # each autosave answers for the page's messages


def test_autosave_names_the_rule_an_answer_breaks_beside_its_field(applicant, sqlite_db):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}/section/project")
    data = {**section_values("project", start_date="2030-01-01"), "section": "project"}
    answer = client.post(f"/apply/{application.id}/save", data={**data, "csrf_token": token})
    assert answer.json()["saved"] is True
    assert answer.json()["errors"] == {"start_date": MUST_HAVE_STARTED}
    assert answer.json()["message"].endswith(
        "The answers marked keep your application from being submitted."
    )
    data["start_date"] = "2024-09-01"
    answer = client.post(f"/apply/{application.id}/save", data={**data, "csrf_token": token})
    assert answer.json()["errors"] == {} and answer.json()["message"].startswith("Saved at ")


def test_save_draft_on_the_whole_form_names_a_rule_an_answer_breaks(applicant, sqlite_db):
    client, application = applicant
    response = post_form(client, application, **complete_form(start_date="2030-01-01"))
    assert response.headers["location"] == f"/apply/{application.id}"
    page = client.get(response.headers["location"])
    assert "Your draft is saved, but the answers marked below keep your application from " in (
        text_of(page.text)
    )
    assert error_by(page, "start_date") == MUST_HAVE_STARTED
    assert MUST_HAVE_STARTED in summary_of(page)

    refused = post_form(client, application, **complete_form(start_date="2030-01-01", adults="x"))
    page = refused_page(client, refused)  # a refused answer, and the rule still broken
    assert error_by(page, "start_date") == MUST_HAVE_STARTED
    assert (error_by(page, "adults") or "").startswith("Number of adults taking part must be")
    assert stored(sqlite_db, application.id).start_date.isoformat() == "2030-01-01"
