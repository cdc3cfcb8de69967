"""Nothing typed is lost: the autosave endpoint, the files button that saves first, a request
after the deadline, the deadline's banner, and a revision's differences."""

from __future__ import annotations

import re
from datetime import timedelta

from prize import formats
from prize.models import ContentKind
from tests.appkit import csrf_of, refused_page
from tests.applykit import CALL_DEADLINE, complete_form, post_form, stored


def autosave(client, application, **fields):
    token = csrf_of(client, f"/apply/{application.id}")
    return client.post(
        f"/apply/{application.id}/save",
        data={**fields, "csrf_token": token},
        headers={"Accept": "application/json"},
    )


def test_the_form_page_carries_the_autosave_and_its_status(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}")
    assert f'data-autosave="/apply/{application.id}/save"' in page.text
    assert 'id="autosave-status" role="status" aria-live="polite"' in page.text
    assert "/static/js/apply.js" in page.text


def test_autosave_stores_what_is_typed_and_says_when(applicant, sqlite_db, clock):
    client, application = applicant
    answer = autosave(client, application, **complete_form(summary="Typed a minute ago"))
    assert answer.json() == {
        "message": f"Saved at {formats.clock(clock(), 'en')}",
        "saved": True,
        "errors": {},
    }
    assert stored(sqlite_db, application.id).summary == "Typed a minute ago"


def test_autosave_keeps_a_malformed_number_out_and_names_its_field(applicant, sqlite_db):
    client, application = applicant
    answer = autosave(client, application, **complete_form(adults="12.5", goals="Kept"))
    assert answer.json()["errors"] == {
        "adults": "Number of adults taking part must be a whole number, like 120: "
        "“12.5” is not one."
    }
    draft = stored(sqlite_db, application.id)
    assert (draft.adults, draft.goals) == (None, "Kept")


def test_autosave_after_the_deadline_saves_nothing_and_says_when_it_passed(
    applicant, sqlite_db, clock
):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}")
    clock.set(CALL_DEADLINE + timedelta(seconds=20))
    answer = client.post(
        f"/apply/{application.id}/save",
        data={**complete_form(summary="Too late"), "csrf_token": token},
    )
    assert answer.status_code == 409
    assert answer.json()["message"].startswith(
        "Not saved: the deadline passed at 22:00 (Paris time) on 30 June 2027."
    )
    assert "write to secretariat@example.org" in answer.json()["message"]
    assert stored(sqlite_db, application.id).summary == ""


def test_autosave_from_a_browser_without_the_link_is_refused(applicant):
    client, application = applicant
    client.cookies.clear()
    token = csrf_of(client, "/apply")
    answer = client.post(
        f"/apply/{application.id}/save", data={**complete_form(), "csrf_token": token}
    )
    assert answer.status_code == 401
    assert answer.json()["message"] == "You are signed out: open your link again."


def test_the_files_button_saves_the_draft_then_opens_the_files_page(applicant, sqlite_db):
    client, application = applicant
    page = client.get(f"/apply/{application.id}")
    assert "Save and go to the files page (0 of 5 attached)" in page.text
    assert f'href="/apply/{application.id}/files?then=form">Files (0 of 5)' in page.text
    response = post_form(
        client, application, organisation="Youth Theatre", summary="Typed", action="files"
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/apply/{application.id}/files?then=form"
    draft = stored(sqlite_db, application.id)
    assert (draft.organisation, draft.summary) == ("Youth Theatre", "Typed")
    files = client.get(response.headers["location"])
    assert f'<a href="/apply/{application.id}">Back to the form</a>' in files.text


def test_the_files_button_with_a_malformed_answer_stays_on_the_form(applicant, sqlite_db):
    client, application = applicant
    page = post_form(client, application, summary="Typed", adults="2,5", action="files")
    page = refused_page(client, page)
    assert "correct them, then go on to the files page" in page.text
    assert 'value="2,5"' in page.text
    assert stored(sqlite_db, application.id).summary == "Typed"


def test_no_deadline_banner_more_than_a_day_before(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE - timedelta(hours=25))
    page = client.get(f"/apply/{application.id}")
    assert "deadline-banner" not in page.text


def test_the_last_day_shows_a_banner_with_the_time_left(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE - timedelta(hours=5))
    page = client.get(f"/apply/{application.id}")
    assert 'class="notice warn deadline-banner"' in page.text
    assert "Time left: 5 hours" in page.text
    assert "Submit before the deadline" not in page.text


def test_the_last_hour_counts_down_with_a_fallback_text(applicant, clock):
    client, application = applicant
    clock.set(CALL_DEADLINE - timedelta(minutes=40))
    page = client.get(f"/apply/{application.id}")
    assert 'role="timer" data-deadline="2027-06-30T20:00Z"' in page.text
    assert "Time left: 40 minutes" in page.text
    assert "Submit before the deadline: after it, nothing can be saved or submitted." in page.text


def test_a_revision_not_resubmitted_shows_what_differs(applicant, sqlite_db):
    client, application = applicant
    assert post_form(client, application, **complete_form(), action="submit").status_code == 303
    post_form(client, application, **complete_form(summary="A new paragraph.", adults="9"))
    page = client.get(f"/apply/{application.id}")
    assert "Not resubmitted yet" in page.text
    changes = page.text.split("Changed since you submitted:")[1].split("</ul>")[0]
    assert "<li>Number of adults taking part</li>" in changes
    assert "<li>Summary of the project</li>" in changes
    assert "Project title" not in changes
    assert stored(sqlite_db, application.id, ContentKind.submitted).summary != "A new paragraph."


def test_a_decimal_number_is_refused_and_kept_as_typed(applicant, sqlite_db):
    client, application = applicant
    page = post_form(client, application, **complete_form(adults="12.5"))
    page = refused_page(client, page)
    assert (
        "Number of adults taking part must be a whole number, like 120: “12.5” is not one."
        in page.text
    )
    assert 'value="12.5"' in page.text
    assert stored(sqlite_db, application.id).adults is None


def test_thousands_separators_of_the_readers_language_are_accepted(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(young_people="1,200"))
    assert stored(sqlite_db, application.id).young_people == 1200
    client.cookies.set("lang", "fr")
    token = csrf_of(client, f"/apply/{application.id}?lang=fr")
    client.post(
        f"/apply/{application.id}",
        data={**complete_form(young_people="1 300", adults="2,5"), "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )
    draft = stored(sqlite_db, application.id)
    assert (draft.young_people, draft.adults) == (1300, 8)


def test_submitting_lists_format_errors_and_missing_parts_together_in_page_order(applicant):
    client, application = applicant
    page = post_form(
        client,
        application,
        **complete_form(organisation="", adults="12.5", website="nope", goals="w " * 120),
        action="submit",
    )
    page = refused_page(client, page)
    summary = page.text.split('id="error-summary-title"')[1].split("</ul>")[0]
    links = [line for line in summary.split("<li>")[1:]]
    assert [link.split('"')[1] for link in links] == [
        "#organisation",
        "#adults",
        "#website",
        "#goals",
    ]
    assert "Name the organisation that runs the project." in links[0]
    assert "Prevention goals must be 100 words or fewer; yours has 120." in links[3]
    assert (
        page.text.count("Number of adults taking part must be a whole number") == 2
    )  # summary, field


def test_a_revision_can_be_discarded_after_a_confirmation(applicant, sqlite_db):
    client, application = applicant
    assert post_form(client, application, **complete_form(), action="submit").status_code == 303
    post_form(client, application, **complete_form(summary="A change I regret."))
    page = client.get(f"/apply/{application.id}/discard")
    assert "Your submitted application stands as it was. This cannot be undone." in page.text
    token = csrf_of(client, f"/apply/{application.id}/discard")
    response = client.post(f"/apply/{application.id}/discard", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Your changes are discarded: your submitted application stands as it was." in page.text
    assert "Not resubmitted yet" not in page.text
    assert stored(sqlite_db, application.id) is None
    submitted = stored(sqlite_db, application.id, ContentKind.submitted)
    assert submitted.summary == complete_form()["summary"]


def test_discarding_without_a_revision_is_refused(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}/discard")
    assert "There are no changes to discard." in page.text
    assert "Discard the changes" not in page.text
    token = csrf_of(client, f"/apply/{application.id}/discard")
    page = client.post(f"/apply/{application.id}/discard", data={"csrf_token": token})
    page = refused_page(client, page)
    assert "There are no changes to discard." in page.text


def test_other_countries_are_checkboxes_and_keep_what_was_ticked(applicant, sqlite_db):
    client, application = applicant
    post_form(client, application, **complete_form(countries_other=["HR", "RS"]))
    page = client.get(f"/apply/{application.id}")
    assert '<select id="countries_other"' not in page.text and "Ctrl" not in page.text
    assert 'id="countries_other-HR" name="countries_other" value="HR" checked' in page.text
    assert 'id="countries_other-RS" name="countries_other" value="RS" checked' in page.text
    assert 'id="countries_other-FR" name="countries_other" value="FR">' in page.text
    assert '<label for="countries_other-filter">Filter the list</label>' in page.text
    assert stored(sqlite_db, application.id).countries == ["BA", "HR", "RS"]


def test_without_javascript_every_follow_up_question_shows_with_if_yes(applicant):
    client, application = applicant
    page = client.get(f"/apply/{application.id}")
    assert "How are they involved in the strategy? (if yes)" in page.text
    assert page.text.count('<div class="conditional" data-shown-when=') == 4
    assert 'data-shown-when="inv_strategy" hidden' not in page.text


def test_line_breaks_are_stored_as_newlines_however_the_browser_sends_them(applicant, sqlite_db):
    """A form posts a textarea's line breaks as "\r\n", the autosave's script as "\n": both are
    stored "\n", so the revision of a submitted application lists only what was changed."""
    client, application = applicant
    crlf = complete_form(
        address="Ulica 1\r\n71000 Sarajevo",
        summary="Young people write plays.\r\n\r\nThey perform them.",
        inv_strategy_how="They set\r\nthe yearly plan.",
        social_links="https://a.example.org\rhttps://b.example.org",
    )
    assert post_form(client, application, **crlf, action="submit").status_code == 303
    submitted = stored(sqlite_db, application.id, ContentKind.submitted)
    assert submitted.address == "Ulica 1\n71000 Sarajevo"
    assert submitted.summary == "Young people write plays.\n\nThey perform them."
    assert submitted.involvement["strategy"]["how"] == "They set\nthe yearly plan."
    assert submitted.social_links == "https://a.example.org\nhttps://b.example.org"

    lf = {name: v.replace("\r\n", "\n") if isinstance(v, str) else v for name, v in crlf.items()}
    lf["social_links"] = "https://a.example.org\nhttps://b.example.org"
    assert autosave(client, application, **lf).json()["saved"] is True
    assert stored(sqlite_db, application.id) is None  # the same answers: no revision
    autosave(client, application, **{**lf, "adults": "9"})
    page = client.get(f"/apply/{application.id}")
    changes = page.text.split("Changed since you submitted:")[1].split("</ul>")[0]
    assert re.findall(r"<li>([^<]+)</li>", changes) == ["Number of adults taking part"]
