"""An applicant on a phone goes section by section from the task list: the draft opens at once
after the start page, says to confirm the address, refuses to submit until the e-mailed link is
opened (nothing typed lost), then submits. axe-core on every new page.

With PRIZE_SCREENSHOTS set to a folder, the test also saves the phone screenshots the README
links to (the task list, a section, check your answers):
``PRIZE_SCREENSHOTS=docs/screenshots pytest tests/browser/test_apply_sections.py -n 0``.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from prize.models import OutboxMessage
from tests.applykit import make_call
from tests.browserkit import assert_accessible, html

pytestmark = pytest.mark.browser

TASKS = re.compile(r".*/apply/\d+/tasks$")


def shot(page, name: str) -> None:
    folder = os.environ.get("PRIZE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def the_link_in_the_outbox(database) -> str:
    with database.read() as session:
        message = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "application_link")
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert message is not None
    match = re.search(r"(/apply/link/\S+)", message.body)
    assert match
    return match.group(1)


def state_of(page, task: str) -> str:
    return page.locator(".task-list li", has_text=task).locator(".tag").inner_text()


def save_and_continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(TASKS)


def test_an_applicant_goes_section_by_section_on_a_phone(live_server, phone):
    page = phone
    make_call(live_server.database, live_server.clock())
    page.goto(live_server.url + "/apply")
    page.get_by_label("Your e-mail address").fill("amra@example.org")
    page.get_by_label("Project title").fill("Street theatre against drugs")
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(TASKS)
    notice = page.locator("#confirm-email")
    assert "Open the link we sent to amra@example.org to be able to submit" in notice.inner_text()
    assert state_of(page, "A. The project") == "In progress"
    assert state_of(page, "C. Description") == "Not started"
    assert_accessible(page)

    page.get_by_role("link", name="A. The project").click()
    page.wait_for_url("**/section/project")
    assert page.get_by_label("Project title").input_value() == "Street theatre against drugs"
    page.get_by_label("Organisation running the project").fill("Youth Theatre Sarajevo")
    page.get_by_label("Country where the project mainly runs").select_option("BA")
    page.get_by_label("Number of young people under 25 taking part").fill("many")
    page.get_by_label("Number of adults taking part").fill("8")
    page.get_by_label("Start date").fill("2024-09-01")
    page.get_by_role("group", name="Is the project still running?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    assert summary.locator("li").count() == 1  # this section's one refusal, nothing else
    assert page.get_by_label("Number of young people under 25 taking part").input_value() == "many"
    assert_accessible(page)
    page.get_by_label("Number of young people under 25 taking part").fill("120")
    shot(page, "apply-section")
    save_and_continue(page)
    assert "A. The project: saved." in html(page)
    assert state_of(page, "A. The project") == "Complete"

    page.get_by_role("link", name="B. Contacts").click()
    page.get_by_label("Applicant's name").fill("Amra Hodžić")
    page.get_by_label("Postal address").fill("Ulica 1\n71000 Sarajevo")
    page.get_by_label("Telephone").fill("+387 33 123 456")
    page.get_by_label("Person who can discuss the project").fill("Amra Hodžić")
    page.get_by_label("That person's e-mail address").fill("amra@example.org")
    assert_accessible(page)
    # At once, before the autosave's pause: following a link saves this section first.
    page.get_by_role("link", name="Back to your application").click()
    page.wait_for_url(TASKS)
    assert state_of(page, "B. Contacts") == "Complete"
    assert state_of(page, "A. The project") == "Complete"  # the other sections untouched

    page.get_by_role("link", name="C. Description").click()
    page.get_by_label("Prevention goals").fill("Young people choose healthy lives.")
    page.get_by_label("Summary of the project").fill("Young people perform street plays.")
    page.get_by_label("How young people participate").fill("They write and perform the plays.")
    for question in ("the project's strategy", "its structures", "its activities"):
        group = page.get_by_role("group", name=f"Are young people involved in {question}")
        group.get_by_label("No").check()
    page.get_by_role("group", name="Are young people involved in its evaluation?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("How are they involved in the evaluation?").fill("They run the survey.")
    assert_accessible(page)
    save_and_continue(page)

    page.get_by_role("link", name="Consents").click()
    page.get_by_label("I agree that the Council of Europe processes").check()
    assert_accessible(page)
    save_and_continue(page)
    assert state_of(page, "Consents") == "Complete"
    assert "4 of 5 sections complete." in html(page)
    shot(page, "apply-tasks")

    page.get_by_role("link", name="Continue to check your answers").click()
    page.wait_for_url("**/check")
    expect(page.locator("#confirm-email")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_load_state()
    assert "Not submitted: confirm your e-mail address first." in html(page)
    assert page.get_by_label("Summary of the project").input_value() == (
        "Young people perform street plays."
    )

    page.goto(live_server.url + the_link_in_the_outbox(live_server.database))
    page.wait_for_url(TASKS)
    assert page.locator("#confirm-email").count() == 0
    page.get_by_role("link", name="Continue to check your answers").click()
    page.wait_for_url("**/check")
    shot(page, "apply-check")
    page.get_by_role("link", name="Change Summary of the project").click()  # its section, then back
    page.wait_for_url("**/section/description?then=check#summary")
    page.get_by_label("Summary of the project").fill("Young people write and perform plays.")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/check")
    expect(page.get_by_text("Young people write and perform plays.")).to_be_visible()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url("**/submitted")
    assert page.locator(".reference").inner_text() == "EDPP-2027-0001"
    assert page.console_errors == []  # the refusals above were pages after a redirect, not errors


def test_a_rule_an_answer_breaks_stays_by_its_field_until_put_right(live_server, phone):
    """A start date to come is saved, and said beside its field whenever the section opens; the
    autosave takes the message away once the date is put right, and brings it back if not."""
    page = phone
    must_have_started = "The start date cannot be to come: the prize rewards work already done."
    make_call(live_server.database, live_server.clock())
    page.goto(live_server.url + "/apply")
    page.get_by_label("Your e-mail address").fill("amra@example.org")
    page.get_by_label("Project title").fill("Street theatre against drugs")
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(TASKS)
    page.get_by_role("link", name="A. The project").click()
    page.get_by_label("Start date").fill("2030-01-01")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    expect(page.locator("#start_date-error")).to_have_text(must_have_started)
    assert "Your draft is saved, but the answers marked below" in html(page)

    page.get_by_role("link", name="Back to your application").click()
    page.wait_for_url(TASKS)
    assert state_of(page, "A. The project") == "Has errors"
    page.get_by_role("link", name="A. The project").click()
    page.wait_for_url("**/section/project")
    expect(page.locator("#start_date-error")).to_have_text(must_have_started)
    assert_accessible(page)

    page.get_by_label("Start date").fill("2024-09-01")
    expect(page.locator("#start_date-error")).to_have_count(0)  # the autosave found it right
    page.get_by_label("Start date").fill("2031-01-01")
    expect(page.locator("#start_date-error")).to_have_text(must_have_started)
    assert page.console_errors == []
