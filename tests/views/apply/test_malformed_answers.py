"""Submitting the application form with a malformed answer: nothing is submitted, the draft keeps
the rest, and the page says so above the answers marked."""

from __future__ import annotations

import re

from prize.models import Application
from tests.appkit import csrf_of, refused_page
from tests.applykit import complete_form


def test_submitting_with_a_malformed_answer_is_refused_and_keeps_what_was_typed(
    applicant, sqlite_db
):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}")
    page = client.post(
        f"/apply/{application.id}",
        data={
            **complete_form(young_people="about forty"),
            "action": "submit",
            "csrf_token": token,
        },
    )
    page = refused_page(client, page)
    assert "Not submitted: correct these answers" in page.text
    assert re.search(
        r'<p class="error" id="young_people-error">Number of young people under 25 taking part '
        r"must be a whole number, like 120: “about forty” is not one.</p>",
        page.text,
    )
    assert 'value="about forty"' in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, application.id).reference is None


def test_my_applications_leaves_out_one_whose_links_were_revoked_elsewhere(applicant, sqlite_db):
    client, application = applicant
    with sqlite_db.write() as session:
        stored = session.get_one(Application, application.id)
        stored.link_version += 1
        session.add(stored)
    page = client.get("/apply/mine")
    assert "Street theatre against drugs" not in page.text
    assert "No application is open in this browser." in page.text


def test_a_negative_number_is_refused_as_below_zero_not_as_not_a_number(applicant):
    client, application = applicant
    token = csrf_of(client, f"/apply/{application.id}")
    page = client.post(
        f"/apply/{application.id}",
        data={**complete_form(adults="-5"), "csrf_token": token},
    )
    page = refused_page(client, page)
    assert (
        '<p class="error" id="adults-error">Number of adults taking part cannot be below 0.</p>'
        in page.text
    )
    assert "is not one" not in page.text and 'value="-5"' in page.text
