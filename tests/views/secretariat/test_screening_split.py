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
