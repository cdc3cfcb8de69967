"""Screening as list and detail: beside the application, its decision forms, a link to the next
application waiting, and a refused decision's errors listed at the top of the panel."""

from __future__ import annotations

from html import unescape

from tests import htmlpages
from tests.appkit import refused_page
from tests.staffkit import staff_post


def _side(page: str) -> str:
    return page[page.index('<section class="split-side"') : page.index("</section>")]


def test_application_page_leads_to_the_next_one_to_screen(staff_client, screening_applications):
    first, second = screening_applications["first"], screening_applications["second"]
    page = staff_client.get(f"/secretariat/applications/{first.id}").text
    assert '<div class="split">' in page
    side = _side(page)
    assert (
        f'href="/secretariat/applications/{second.id}">Next to screen: {second.reference}' in side
    )
    assert "Mark as eligible" in side
    page = staff_client.get(f"/secretariat/applications/{second.id}").text
    assert f"Next to screen: {first.reference}" in _side(page)  # round to the first


def test_once_all_are_screened_no_next_application_is_offered(staff_client, screening_applications):
    first, second = screening_applications["first"], screening_applications["second"]
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{second.id}/screening",
        {"outcome": "eligible"},
    )
    assert response.status_code == 303  # back to the application
    side = _side(staff_client.get(f"/secretariat/applications/{second.id}").text)
    assert f"Next to screen: {first.reference}" in side
    staff_post(
        staff_client, f"/secretariat/applications/{first.id}/screening", {"outcome": "eligible"}
    )
    side = _side(staff_client.get(f"/secretariat/applications/{first.id}").text)
    assert "No other application is waiting for screening." in side


def test_refused_decision_lists_its_errors_at_the_top_of_the_panel(
    staff_client, screening_applications
):
    first = screening_applications["first"]
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{first.id}/screening",
        {"outcome": "ineligible", "ineligible-note": "Kept as typed"},
    )
    response = refused_page(staff_client, response)
    htmlpages.save("secretariat_screening_refused", response.text)
    side = unescape(_side(response.text))
    summary = side[: side.index('<h2 id="screening-h">')]
    assert 'class="error-summary" role="alert" tabindex="-1" data-focus' in summary
    assert "The decision was not recorded" in summary
    assert (
        '<a href="#ineligible-reason">Choose the rule the application does not meet.</a>' in summary
    )
    assert "Kept as typed" in side


def test_save_and_next_records_the_decision_and_opens_the_next_one(
    staff_client, screening_applications, sqlite_db
):
    from prize.models import Application, ApplicationStatus

    first, second = screening_applications["first"], screening_applications["second"]
    page = staff_client.get(f"/secretariat/applications/{first.id}").text
    side = _side(page)
    assert side.count('name="then" value="next"') == 3  # one for each outcome's form
    assert "Save and go to the next application to screen" in side
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{first.id}/screening",
        {"outcome": "eligible", "then": "next"},
    )
    assert response.headers["location"] == f"/secretariat/applications/{second.id}"
    page = unescape(staff_client.get(response.headers["location"]).text)
    assert f"{first.reference}: decision recorded." in page
    assert f"<h1>{second.reference}" in page
    with sqlite_db.read() as session:
        assert session.get_one(Application, first.id).status is ApplicationStatus.eligible


def test_save_and_next_on_the_last_one_says_none_are_left(
    staff_client, screening_applications, sqlite_db
):
    from prize.models import Application, ApplicationStatus

    first, second = screening_applications["first"], screening_applications["second"]
    staff_post(
        staff_client, f"/secretariat/applications/{first.id}/screening", {"outcome": "eligible"}
    )
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{second.id}/screening",
        {
            "outcome": "returned",
            "returned-info_message": "Please add the budget.",
            "returned-info_due": "2027-07-20",
            "then": "next",
        },
    )
    assert response.headers["location"] == "/secretariat/editions/2027/applications"
    page = unescape(staff_client.get(response.headers["location"]).text)
    assert "No application is left to screen." in page
    with sqlite_db.read() as session:
        assert session.get_one(Application, second.id).status is ApplicationStatus.returned


def test_save_and_next_refused_stays_with_the_errors_at_the_top(
    staff_client, screening_applications
):
    first = screening_applications["first"]
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{first.id}/screening",
        {"outcome": "ineligible", "ineligible-note": "Kept as typed", "then": "next"},
    )
    response = refused_page(staff_client, response)
    side = unescape(_side(response.text))
    summary = side[: side.index('<h2 id="screening-h">')]
    assert 'class="error-summary" role="alert" tabindex="-1" data-focus' in summary
    assert '<a href="#ineligible-reason">Choose the rule the application does not meet.</a>' in (
        summary
    )
    assert "Kept as typed" in side
