"""Screening in a real browser at a desktop's size, with axe-core on every page visited: sign
in, screen two applications, ask one applicant for information, translate, find a person."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from prize.models import Application, ApplicationStatus
from tests.browserkit import assert_accessible
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser
A = ApplicationStatus


def test_officer_screens_two_applications_and_asks_for_information(
    live_server, desktop, screening_applications
):
    make_staff(live_server.database, live_server.clock())
    page = desktop
    page.goto(live_server.url + "/secretariat/applications")  # sent to sign in first
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications 2027")
    expect(page.get_by_text("3 applications match.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Search").fill("intercity")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 application matches.")).to_be_visible()
    assert_accessible(page)

    # The first: ineligible, with the rule and a word for the applicant.
    page.get_by_role("link", name="EDPP-2027-0001").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("EDPP-2027-0001: Intercity Theatre")
    expect(page.get_by_text("The applicant is editing a new version")).to_be_visible()
    assert_accessible(page)
    ineligible = page.locator("form", has=page.get_by_role("heading", name="Ineligible"))
    ineligible.get_by_role("button", name="Mark as ineligible").click()  # no rule chosen
    expect(page.locator("#ineligible-reason-error")).to_have_text(  # beside its field
        "Choose the rule the application does not meet."
    )
    expect(page.locator(".error-summary")).to_be_focused()  # and listed at the panel's top
    assert_accessible(page)
    ineligible = page.locator("form", has=page.get_by_role("heading", name="Ineligible"))
    ineligible.get_by_label("The rule it does not meet").select_option("structure")
    ineligible.get_by_label("Explanation for the applicant").fill("One teacher runs it alone.")
    ineligible.get_by_label("E-mail the applicant now", exact=False).check()
    ineligible.get_by_role("button", name="Mark as ineligible").click()
    expect(
        page.get_by_text("EDPP-2027-0001: decision recorded and the applicant told.")
    ).to_be_visible()
    expect(page.locator("table").last).to_contain_text("Screening decision: Ineligible")
    assert_accessible(page)

    # The second: eligible, then the officer asks for information instead, with a reason.
    page.get_by_role("link", name="All applications 2027").click()
    page.get_by_role("link", name="EDPP-2027-0002").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("EDPP-2027-0002")
    assert_accessible(page)
    page.get_by_role("checkbox", name="E-mail the applicant now", exact=False).first.check()
    page.get_by_role("button", name="Mark as eligible").click()
    expect(page.get_by_text("EDPP-2027-0002: decision recorded")).to_be_visible()
    request = page.locator("form", has=page.get_by_role("heading", name="Ask the applicant"))
    request.get_by_label("What is missing").fill("Merci d'envoyer le budget du projet.")
    request.get_by_label("Reply by (end of the day, Paris time)").fill("2027-07-20")
    request.get_by_label("Why the decision changes").fill("The budget is missing after all.")
    request.get_by_role("button", name="Send the request").click()
    expect(page.locator(".status")).to_have_text("Returned for information")
    assert_accessible(page)

    page.get_by_role("link", name="Add or edit the English translation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("English translation for the jury")
    assert_accessible(page)
    page.get_by_label("Title, in English").fill("Friday Coffee")
    page.get_by_role("button", name="Save the translation").click()
    expect(page.get_by_text("The translation for the jury is saved.")).to_be_visible()

    page.get_by_role("link", name="Applications", exact=True).click()
    page.get_by_role("link", name="Returned for information (1)").click()
    expect(page.get_by_text("1 application matches.")).to_be_visible()
    expect(page.get_by_text("Café du vendredi")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Personal data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data")
    page.get_by_label("E-mail address").fill("claire@example.org")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_text("Held about claire@example.org")).to_be_visible()
    assert_accessible(page)
    # A refused form redirects to the page that shows why: no error status, nothing went wrong.
    assert page.console_errors == []

    with live_server.database.read() as session:
        first = session.get_one(Application, screening_applications["first"].id)
        second = session.get_one(Application, screening_applications["second"].id)
    assert (first.status, first.screening_reason) == (A.ineligible, "structure")
    assert (second.status, second.info_message) == (
        A.returned,
        "Merci d'envoyer le budget du projet.",
    )
    assert second.translation == {"title": "Friday Coffee"}
