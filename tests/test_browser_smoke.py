"""The home page in a real browser at a phone's size: readable, accessible, no CSP errors."""

from __future__ import annotations

import pytest

from tests.browserkit import assert_accessible

pytestmark = pytest.mark.browser


def test_home_on_a_phone_is_accessible_and_switches_to_french(live_server, phone):  # type: ignore[no-untyped-def]
    phone.goto(live_server.url + "/")
    assert phone.get_by_role("heading", level=1).inner_text() == "European Drug Prevention Prize"
    assert_accessible(phone)
    phone.get_by_role("button", name="Français").click()
    assert phone.locator("html").get_attribute("lang") == "fr"
    assert phone.console_errors == []
