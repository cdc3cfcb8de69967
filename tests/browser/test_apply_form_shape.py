"""The application form's shape in Chromium at a phone's size: follow-up questions appear when
their answer is yes, and the word counter speaks only at its thresholds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_apply_form_keeps_typing import open_draft
from tests.browserkit import assert_accessible

pytestmark = pytest.mark.browser


def test_a_follow_up_question_appears_when_its_answer_is_yes(live_server, phone):
    page = phone
    open_draft(live_server, page)
    how = page.get_by_label("How are they involved in the strategy? (if yes)")
    expect(how).to_be_hidden()
    group = page.get_by_role("group", name="Are young people involved in the project's strategy?")
    group.get_by_label("Yes").check()
    expect(how).to_be_visible()
    group.get_by_label("No").check()
    expect(how).to_be_hidden()
    assert_accessible(page)


def test_the_word_counter_speaks_only_at_ninety_percent_and_over(live_server, phone):
    page = phone
    open_draft(live_server, page)
    goals = page.get_by_label("Prevention goals")
    alert = page.locator('[data-word-alert="goals"]')
    goals.fill("word " * 50)
    assert page.locator('.word-count[data-for="goals"]').inner_text() == "50 of 100 words"
    assert alert.inner_text() == ""
    goals.fill("word " * 91)
    assert alert.inner_text() == "91 of 100 words: close to the limit."
    goals.fill("word " * 95)
    assert alert.inner_text() == "91 of 100 words: close to the limit."  # no news: silent
    goals.fill("word " * 101)
    assert alert.inner_text() == "101 of 100 words: over the limit."
    assert page.locator('.word-count[data-for="goals"]').get_attribute("aria-live") is None
