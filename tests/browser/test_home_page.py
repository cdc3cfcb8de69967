"""The home page in a real browser at a phone's size: readable, accessible, no CSP errors."""

from __future__ import annotations

import pytest

from tests.browserkit import assert_accessible

pytestmark = pytest.mark.browser


def test_home_on_a_phone_is_accessible_and_switches_to_french(live_server, phone):
    phone.goto(live_server.url + "/")
    assert phone.get_by_role("heading", level=1).inner_text() == "European Drug Prevention Prize"
    assert_accessible(phone)
    phone.get_by_role("button", name="Français").click()
    assert phone.locator("html").get_attribute("lang") == "fr"
    assert phone.console_errors == []


@pytest.mark.parametrize(
    ("zone", "lang", "beside"),
    [
        ("Africa/Tunis", "en", ["(your time: 20:59 in Tunis)"]),  # the deadline; not the opening
        ("Africa/Tunis", "fr", ["(votre heure\u00a0: 20\u00a0h\u00a059 à Tunis)"]),
        ("Asia/Tokyo", "en", None),  # both instants, the deadline on the next day in Tokyo
        ("Europe/Lisbon", "fr", None),  # named in French
        ("Europe/Berlin", "en", []),  # the same clock as Paris: nothing added
        ("UTC", "en", []),  # a browser that does not say its zone: nothing, never "(UTC)"
    ],
)
def test_the_readers_own_time_is_beside_paris_time_only_where_it_differs(
    live_server, browser, open_call, zone, lang, beside
):
    from prize import formats
    from tests.applykit import CALL_DEADLINE

    context = browser.new_context(timezone_id=zone, locale="en-GB")
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        deadline = page.locator(f'time[datetime="{formats.iso_deadline(CALL_DEADLINE)}"]')
        assert deadline.inner_text() == formats.deadline(CALL_DEADLINE, lang)
        added = [a.strip() for a in page.locator(".local-time").all_inner_texts()]
        text = page.locator("main").inner_text()
    finally:
        context.close()
    assert "UTC" not in text and "Europe/" not in text and "Africa/" not in text
    if zone == "Asia/Tokyo":
        assert added[-1] == "(your time: Thursday 1 July, 04:59 in Tokyo)"
        assert len(added) == 2
    elif zone == "Europe/Lisbon":
        assert [a.endswith("à Lisbonne)") for a in added] == [True, True]
    else:
        assert added == beside
