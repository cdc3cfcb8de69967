"""Screening on a desktop: the decision forms stay in view beside the application, the next
application is one click away (or one button: save and go to the next), and a refused
decision's errors take the focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browserkit import assert_accessible
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 1024])
def test_screening_side_by_side_with_errors_focused(
    live_server, browser, screening_applications, width
):
    first, second = screening_applications["first"], screening_applications["second"]
    make_staff(live_server.database, live_server.clock())
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    page.goto(f"{live_server.url}/secretariat/applications/{first.id}")
    side = page.locator(".split-side")
    main = page.locator(".split-main")
    assert side.bounding_box()["x"] > main.bounding_box()["x"] + 200  # beside, not below
    page.mouse.wheel(0, 1500)  # read down the application: the forms stay in view
    expect(side.get_by_role("button", name="Mark as eligible")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_accessible(page)

    side.get_by_role("button", name="Mark as ineligible").click()  # no rule chosen
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the rule the application does not meet.")
    assert_accessible(page)

    page.locator(".split-side").get_by_role(
        "link", name=f"Next to screen: {second.reference}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(second.reference)

    # save and go to the next: the decision is recorded and the next one opens
    eligible = page.get_by_role("form", name="Eligible", exact=True)
    eligible.get_by_role("button", name="Save and go to the next application to screen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.reference)
    expect(page.locator("main")).to_contain_text(f"{second.reference}: decision recorded.")
    assert_accessible(page)
    # the last one: the list says none are left
    eligible = page.get_by_role("form", name="Eligible", exact=True)
    eligible.get_by_role("button", name="Save and go to the next application to screen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications 2027")
    expect(page.locator("main")).to_contain_text("No application is left to screen.")
    assert_accessible(page)
    context.close()
