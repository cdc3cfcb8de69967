"""A refused form in Chromium: the post is answered with a redirect, so the page with the errors
is a GET; Back goes to the page before without offering to send the form again, and Forward
shows the errors and what was typed again, without a post."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.applykit import make_call
from tests.browserkit import assert_accessible

pytestmark = pytest.mark.browser

REFUSED = re.compile(r".*/apply\?refused=[\w-]+$")


def test_back_and_forward_after_a_refused_form_send_nothing_again(live_server, phone):
    page = phone
    make_call(live_server.database, live_server.clock())
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.goto(f"{live_server.url}/apply")
    page.get_by_label("Your e-mail address").fill("not an address")
    page.get_by_label("Project title").fill("Friday coffee")
    page.get_by_role("button", name="Start my application").click()
    page.wait_for_url(REFUSED)
    refused_at = page.url
    assert page.locator("#email-error").inner_text() == (
        "Enter an e-mail address like name@example.org."
    )
    assert page.get_by_label("Project title").input_value() == "Friday coffee"
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('[data-error-summary]')"
    )
    assert_accessible(page)
    assert posts == [f"{live_server.url}/apply"]

    response = page.go_back()  # to the page before the form was sent: no "resend?" question
    assert response is not None and response.request.method == "GET"
    assert page.url == f"{live_server.url}/apply"
    expect(page.get_by_role("heading", name="Start an application")).to_be_visible()
    assert page.locator("[data-error-summary]").count() == 0

    page.go_forward()  # the refused page again, from its address: still no post
    page.wait_for_url(REFUSED)
    assert page.url == refused_at
    assert page.locator("#email-error").inner_text() == (
        "Enter an e-mail address like name@example.org."
    )
    assert page.get_by_label("Project title").input_value() == "Friday coffee"
    page.reload()
    expect(page.locator("#email-error")).to_be_visible()
    assert posts == [f"{live_server.url}/apply"]
    assert phone.console_errors == []
