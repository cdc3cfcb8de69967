"""The application form in Chromium at a phone's size: what is typed survives the files page, a
reload and the deadline passing mid-edit; a refused submission lists every error at once, in the
page's order."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.applykit import CALL_DEADLINE, link_maker, make_call, start_application
from tests.browserkit import assert_accessible, html

pytestmark = pytest.mark.browser

FORM = re.compile(r".*/apply/\d+$")


def open_draft(live_server, page):
    """A started draft, opened in ``page`` through its resume link; its id."""
    make_call(live_server.database, live_server.clock())
    application = start_application(live_server.database, live_server.clock())
    token = link_maker(clock=live_server.clock).token(application)
    page.goto(f"{live_server.url}/apply/link/{token}")
    page.wait_for_url(re.compile(r".*/apply/\d+/tasks$"))  # its task list
    page.get_by_role("link", name="Show the whole form on one page").click()
    page.wait_for_url(FORM)
    return application.id


def saved(page):
    status = page.locator("#autosave-status")
    page.wait_for_function(
        "() => document.getElementById('autosave-status').dataset.state === 'saved'"
    )
    return status.inner_text()


def test_typed_text_survives_the_files_page_link(live_server, phone):
    page = phone
    open_draft(live_server, page)
    page.get_by_label("Organisation running the project").fill("Youth Theatre Sarajevo")
    page.get_by_label("Summary of the project").fill("Young people perform street plays.")
    # At once, before the autosave's pause: following a link saves first.
    page.get_by_role("link", name=re.compile(r"^Files \(0 of 5\)")).click()
    page.wait_for_url("**/files?then=form")
    page.get_by_role("link", name="Back to the form").click()
    page.wait_for_url(FORM)
    assert page.get_by_label("Organisation running the project").input_value() == (
        "Youth Theatre Sarajevo"
    )
    assert page.get_by_label("Summary of the project").input_value() == (
        "Young people perform street plays."
    )
    page.get_by_label("Prevention goals").fill("Healthy lives.")
    page.get_by_role("button", name=re.compile(r"^Save and go to the files page")).click()
    page.wait_for_url("**/files?then=form")
    page.go_back()
    page.wait_for_url(FORM)
    page.reload()
    assert page.get_by_label("Prevention goals").input_value() == "Healthy lives."
    assert phone.console_errors == []


def test_typed_text_is_saved_as_it_is_typed_and_survives_a_reload(live_server, phone):
    page = phone
    open_draft(live_server, page)
    page.get_by_label("How young people participate").fill("They write the plays.")
    assert saved(page).startswith("Saved at ")
    assert_accessible(page)
    page.reload()
    page.wait_for_url(FORM)
    assert page.get_by_label("How young people participate").input_value() == (
        "They write the plays."
    )
    page.get_by_label("Number of adults taking part").fill("12.5")
    page.wait_for_function("() => document.getElementById('adults-error') !== null")
    assert page.locator("#adults-error").inner_text() == (
        "Number of adults taking part must be a whole number, like 120: “12.5” is not one."
    )
    assert phone.console_errors == []


def test_the_deadline_passing_mid_edit_keeps_the_text_on_the_page(live_server, phone):
    page = phone
    live_server.clock.set(CALL_DEADLINE - timedelta(minutes=30))
    open_draft(live_server, page)
    assert re.search(
        r"Time left: (30 min 00|29 min \d\d) s", page.locator(".deadline-banner").inner_text()
    )
    page.get_by_label("Summary of the project").fill("Written before the deadline.")
    saved(page)
    live_server.clock.set(CALL_DEADLINE + timedelta(seconds=20))
    page.get_by_label("Summary of the project").fill("Written after the deadline, kept anyway.")
    page.wait_for_function(
        "() => document.getElementById('autosave-status').dataset.state === 'failed'"
    )
    assert (
        page.locator("#autosave-status")
        .inner_text()
        .startswith("Not saved: the deadline passed at 22:00 (Paris time) on 30 June 2027.")
    )
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "the deadline passed at 22:00 (Paris time)" in html(page)
    assert "write to secretariat@example.org" in html(page)
    assert page.get_by_label("Summary of the project").input_value() == (
        "Written after the deadline, kept anyway."
    )
    assert page.get_by_role("button", name="Save draft").count() == 0
    assert_accessible(page)


def test_a_refused_submission_lists_every_error_at_once_in_page_order(live_server, phone):
    page = phone
    open_draft(live_server, page)
    page.get_by_label("Number of adults taking part").fill("12.5")
    page.get_by_label("Prevention goals").fill("word " * 120)
    page.get_by_label("Website").fill("theatre dot org")
    page.get_by_role("button", name="Continue to check your answers").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert summary.evaluate("el => el === document.activeElement")
    items = summary.get_by_role("link").all_inner_texts()
    assert items[:4] == [
        "Name the organisation that runs the project.",
        "Choose the country where the project mainly runs.",
        "Say how many young people under 25 take part.",
        "Number of adults taking part must be a whole number, like 120: “12.5” is not one.",
    ]
    assert "Website: enter a web address starting with https:// or http://." in items
    assert "Prevention goals must be 100 words or fewer; yours has 120." in items
    assert items.index("Website: enter a web address starting with https:// or http://.") < (
        items.index("Prevention goals must be 100 words or fewer; yours has 120.")
    )
    assert len(items) == len(set(items))
    summary.get_by_role("link", name=re.compile("^Number of adults")).click()
    assert page.evaluate("document.activeElement.id") == "adults"
    assert_accessible(page)
