"""The application form in Chromium at a phone's size, when the connection drops and in the
deadline's last hour: what is typed offline stays on the page and is saved when the connection
returns; the countdown counts by the server's clock, and without JavaScript the page says the
time left as it was served."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.applykit import CALL_DEADLINE
from tests.browser.test_apply_form_keeps_typing import FORM, open_draft, saved
from tests.browserkit import PHONE

pytestmark = pytest.mark.browser

STATE = "() => document.getElementById('autosave-status').dataset.state === '{}'"
LEFT = re.compile(r"^Time left: (\d+) min (\d\d) s$")


def test_typing_offline_keeps_the_text_and_saves_it_when_the_connection_returns(
    live_server, phone
) -> None:
    page = phone
    open_draft(live_server, page)
    summary = page.get_by_label("Summary of the project")
    summary.fill("Young people perform street plays.")
    assert saved(page).startswith("Saved at ")
    page.context.set_offline(True)
    summary.fill("Young people perform street plays, written on a train without signal.")
    page.wait_for_function(STATE.format("offline"), timeout=10_000)
    status = page.locator("#autosave-status")
    assert status.inner_text() == (
        "Offline: not saved. Your changes are kept on this page and saved when the connection "
        "returns."
    )
    page.wait_for_timeout(2500)  # longer than the autosave's pause: still offline, still kept
    assert page.evaluate("document.getElementById('autosave-status').dataset.state") == "offline"
    assert summary.input_value() == (
        "Young people perform street plays, written on a train without signal."
    )
    page.context.set_offline(False)
    page.wait_for_function(STATE.format("saved"), timeout=15_000)
    assert status.inner_text().startswith("Saved at ")
    page.reload()
    page.wait_for_url(FORM)
    assert page.get_by_label("Summary of the project").input_value() == (
        "Young people perform street plays, written on a train without signal."
    )
    assert page.console_errors == []


def _left(text: str) -> int:
    found = LEFT.match(text.strip())
    assert found, text
    return int(found.group(1)) * 60 + int(found.group(2))


def test_in_the_last_hour_the_banner_counts_down_by_the_server_clock(live_server, phone) -> None:
    """The browser's own clock says another year: the countdown goes by the server's."""
    page = phone
    live_server.clock.set(CALL_DEADLINE - timedelta(minutes=30))
    open_draft(live_server, page)
    banner = page.locator("#deadline-banner")
    assert "Submit before the deadline: after it, nothing can be saved or submitted." in (
        banner.inner_text()
    )
    countdown = page.locator(".countdown")
    page.wait_for_function(
        "() => /^Time left: \\d+ min \\d\\d s$/.test("
        "document.querySelector('.countdown').textContent)"
    )
    first = _left(countdown.inner_text())
    assert 29 * 60 <= first <= 30 * 60
    page.wait_for_timeout(2200)
    later = _left(countdown.inner_text())
    assert 1 <= first - later <= 4  # it ticks with time
    assert page.console_errors == []


def test_the_countdown_says_when_the_deadline_has_passed(live_server, phone) -> None:
    page = phone
    live_server.clock.set(CALL_DEADLINE - timedelta(seconds=3))
    open_draft(live_server, page)
    page.wait_for_function(
        "() => document.querySelector('.countdown').textContent.startsWith('The deadline has')",
        timeout=10_000,
    )
    assert page.locator(".countdown").inner_text() == (
        "The deadline has passed: what you type now can no longer be saved."
    )


def test_without_javascript_the_banner_says_the_time_left_as_served(live_server, browser) -> None:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        live_server.clock.set(CALL_DEADLINE - timedelta(minutes=30))
        open_draft(live_server, page)
        banner = page.locator("#deadline-banner")
        assert "Time left: 30 minutes" in banner.inner_text()
        assert "Submit before the deadline" in banner.inner_text()
        page.wait_for_timeout(1500)
        assert "Time left: 30 minutes" in banner.inner_text()  # nothing counts without JS
        live_server.clock.set(CALL_DEADLINE - timedelta(minutes=5))
        page.reload()
        assert "Time left: 5 minutes" in page.locator("#deadline-banner").inner_text()
    finally:
        context.close()
