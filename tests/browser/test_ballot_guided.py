"""The guided ballot in Chromium at a phone's size (and a desktop's): the save status in each of
its states (saved, saving, offline, not saved with a retry button), scoring with the keyboard
alone, the same ballot without JavaScript, the sticky bar and the side-by-side desktop layout,
and axe-core clean on every new page and state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from prize.models import Criterion, Score
from tests import jury_factories
from tests.browserkit import PHONE, assert_accessible

pytestmark = pytest.mark.browser

SAVED_AT = re.compile(r"^Saved at \d\d:\d\d$")
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def made(live_server):
    with live_server.database.write() as session:
        made = jury_factories.jury_edition(session=session, applications=3)
        second = session.get_one(Criterion, made.criteria[1].id)
        second.name_en, second.weight = "Youth participation", 2.0
        session.add(second)
        made.jurors.append(
            jury_factories.juror(
                session=session, edition=made.edition, onboarded=True, first_name="Lena"
            )
        )
    return made


def _open(page, live_server, made, app=0) -> None:
    page.goto(live_server.url + jury_factories.link_path(made.jurors[0], live_server.clock))
    page.goto(f"{live_server.url}/ballot/applications/{made.applications[app].reference}")


def _scale(page, criterion: str):
    return page.get_by_role("group", name=re.compile(f"^{criterion}"))


def _scores(live_server) -> list[int]:
    with live_server.database.read() as session:
        return sorted(s.value for s in session.exec(select(Score)))


def _scores_settle(live_server, expected: list[int], seconds: float = 10) -> list[int]:
    """The stored scores once they are ``expected`` (or after ``seconds``): a slow machine may
    show "Saved at" for a value the keys had not yet reached, the last save still to come."""
    import time

    until = time.monotonic() + seconds
    while (found := _scores(live_server)) != expected and time.monotonic() < until:
        time.sleep(0.1)
    return found


def test_the_status_shows_saving_saved_offline_and_back_in_words_and_state(
    live_server, phone, made
):
    _open(phone, live_server, made)
    status, retry = phone.locator("#autosave-status"), phone.locator("#autosave-retry")
    announce = phone.locator("#autosave-announce")
    expect(status).to_have_text("Nothing saved yet")
    expect(status).to_be_in_viewport()  # the sticky bar, at the top of a long page

    held = []
    phone.route("**/save", lambda route: held.append(route))
    _scale(phone, "Innovation").get_by_role("radio", name="6", exact=True).check()
    expect(status).to_have_text("Saving…")
    expect(status).to_have_attribute("data-state", "saving")
    phone.wait_for_timeout(100)
    held[0].continue_()
    phone.unroute("**/save")
    expect(status).to_have_text(SAVED_AT)
    expect(status).to_have_attribute("data-state", "saved")
    expect(announce).to_have_text("")  # a routine save is not announced
    expect(retry).to_be_hidden()

    phone.context.set_offline(True)
    _scale(phone, "Youth participation").get_by_role("radio", name="8", exact=True).check()
    offline = "Not saved: you are offline. It will be saved when you are back online."
    expect(status).to_have_text(offline)
    expect(status).to_have_attribute("data-state", "offline")
    expect(retry).to_be_visible()
    expect(announce).to_have_text(offline)
    # Saved and not saved differ in colour as well as in words.
    saved_colour = "rgb(27, 110, 46)"
    assert status.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
    assert status.evaluate("e => getComputedStyle(e).color") != saved_colour
    assert_accessible(phone)

    phone.context.set_offline(False)
    expect(status).to_have_text(SAVED_AT, timeout=15_000)
    assert status.evaluate("e => getComputedStyle(e).color") == saved_colour
    expect(announce).to_contain_text("Saved again: nothing was lost.")
    expect(retry).to_be_hidden()
    assert _scores(live_server) == [6, 8]
    assert [e for e in phone.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_not_saved_offers_a_retry_that_saves_at_once(live_server, phone, made):
    _open(phone, live_server, made)
    server = {"up": False, "tries": 0}

    def flaky(route):
        server["tries"] += 1
        if server["up"]:
            route.continue_()
        else:
            route.fulfill(status=503, body="down")

    phone.route("**/save", flaky)
    _scale(phone, "Innovation").get_by_role("radio", name="3", exact=True).check()
    status = phone.locator("#autosave-status")
    expect(status).to_have_text("Not saved: the server did not answer. Retrying…")
    expect(status).to_have_attribute("data-state", "retrying")
    assert_accessible(phone)
    phone.wait_for_timeout(2_000)  # a few retries later, the back-off has grown (2 s and more)
    # Just after an automatic try, the next one is seconds away: a try within half a second of
    # the click is the click's. Clicked while the server is down, so the button surely shows.
    before = server["tries"]
    for _ in range(1_000):  # 20 s at most: the back-off never exceeds that here
        if server["tries"] > before:
            break
        phone.wait_for_timeout(20)
    phone.get_by_role("button", name="Retry now").click()
    phone.wait_for_timeout(500)
    assert server["tries"] == before + 2
    expect(status).to_have_attribute("data-state", "retrying")
    server["up"] = True  # the next try, by the back-off, saves
    expect(status).to_have_text(SAVED_AT, timeout=15_000)
    expect(phone.get_by_role("button", name="Retry now")).to_be_hidden()
    assert _scores(live_server) == [3]


def test_a_score_refused_after_submitting_in_another_tab_goes_back_to_the_saved_one(
    live_server, phone, made
):
    _open(phone, live_server, made)
    jury_factories.submit_ballot(live_server.database, live_server.clock(), made, value=7)
    innovation = _scale(phone, "Innovation")
    phone.get_by_label("Your comment", exact=False).fill("Too long, I think")
    innovation.get_by_role("radio", name="2", exact=True).click()  # one save with the comment
    status = phone.locator("#autosave-status")
    expect(status).to_have_attribute("data-state", "stopped")
    expect(status).to_contain_text("Your ballot is submitted")
    expect(innovation.get_by_role("radio", name="7", exact=True)).to_be_checked()
    assert _scores(live_server) == [7] * 6
    # Text typed in the same refused save stays, to be copied
    expect(phone.get_by_label("Your comment", exact=False)).to_have_value("Too long, I think")
    # The refusal on a line of its own, the bar's whole width; the bar still a small part of
    # the screen.
    bar, said = phone.locator(".score-bar").bounding_box(), status.bounding_box()
    assert bar and said
    assert said["width"] >= bar["width"] - 1
    assert bar["height"] <= PHONE["height"] / 4


def test_a_juror_scores_with_the_keyboard_alone(live_server, phone, made):
    _open(phone, live_server, made)
    first = _scale(phone, "Innovation").get_by_role("radio", name="0", exact=True)
    first.focus()
    phone.keyboard.press("Space")  # 0
    for _ in range(7):
        phone.keyboard.press("ArrowRight")  # 7: arrows move along the scale and choose
    expect(_scale(phone, "Innovation").get_by_role("radio", name="7")).to_be_checked()
    phone.keyboard.press("Tab")  # into the next criterion's scale
    phone.keyboard.press("Space")
    phone.keyboard.press("End")  # Chromium: End is not a radio key, so nothing changes
    for _ in range(9):
        phone.keyboard.press("ArrowRight")
    expect(_scale(phone, "Youth participation").get_by_role("radio", name="9")).to_be_checked()
    expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT)
    focused = phone.evaluate("document.activeElement.value")
    assert focused == "9"
    assert _scores_settle(live_server, [7, 9]) == [7, 9]
    # The focus ring shows which value the keyboard is on.
    outline = phone.evaluate(
        "getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid"


def test_without_javascript_the_ballot_scores_saves_and_signs_out(live_server, browser, made):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    try:
        _open(page, live_server, made)
        _scale(page, "Innovation").get_by_role("radio", name="5", exact=True).check()
        _scale(page, "Youth participation").get_by_role("radio", name="10", exact=True).check()
        page.get_by_label("Your comment").fill("Strong youth lead")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("Saved.", exact=True)).to_be_in_viewport()  # back at the scores
        expect(page.locator("#autosave-status")).to_have_text(SAVED_AT)
        expect(_scale(page, "Innovation").get_by_role("radio", name="5")).to_be_checked()
        assert _scores(live_server) == [5, 10]
        # Abstaining needs its reason, refused beside the field with what was typed kept.
        page.get_by_label("I abstain on this project").check()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#abstain_reason-error")).to_have_text(
            "Say why you abstain on this project."
        )
        expect(page.locator(".error-summary")).to_be_in_viewport()
        page.get_by_role("link", name="Sign out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign out of your ballot?")
        page.get_by_role("button", name="Yes, sign out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Signed out")
    finally:
        context.close()


def test_the_sticky_bar_takes_a_phone_to_the_scores_from_anywhere(live_server, phone, made):
    _open(phone, live_server, made)
    bar_link = phone.get_by_role("link", name="Score this project")
    phone.mouse.wheel(0, 600)
    expect(bar_link).to_be_in_viewport()
    expect(phone.get_by_role("heading", name="Your scores")).not_to_be_in_viewport()
    bar_link.click()
    expect(phone.get_by_role("heading", name="Your scores")).to_be_in_viewport()
    expect(phone.locator("#autosave-status")).to_be_in_viewport()  # visible while scoring


def test_on_a_desktop_reading_and_scoring_sit_side_by_side(live_server, desktop, made):
    _open(desktop, live_server, made)
    reading = desktop.locator("article.reading").bounding_box()
    panel = desktop.locator("#scores").bounding_box()
    assert reading and panel
    assert panel["x"] > reading["x"] + reading["width"] - 1  # the panel to the right
    expect(desktop.get_by_role("link", name="Score this project")).to_be_hidden()
    desktop.mouse.wheel(0, 600)  # reading on: the text scrolls, the scores stay
    expect(desktop.get_by_role("heading", name="Your scores")).to_be_in_viewport()
    expect(desktop.locator("#autosave-status")).to_be_in_viewport()
    assert_accessible(desktop)


def _font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_the_list_review_and_sign_out_pages_are_accessible(live_server, phone, made):
    _open(phone, live_server, made)
    assert _font_px(phone.locator(".weight")) >= 14  # "counts double", read on a phone
    _scale(phone, "Innovation").get_by_role("radio", name="6", exact=True).check()
    _scale(phone, "Youth participation").get_by_role("radio", name="4", exact=True).check()
    expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT)
    phone.get_by_role("link", name=re.compile("^Next project")).click()
    _scale(phone, "Innovation").get_by_role("radio", name="9", exact=True).check()
    expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT)
    phone.goto(f"{live_server.url}/ballot")
    expect(phone.locator(".ballot-list")).to_contain_text("Partly scored")
    assert _font_px(phone.locator(".tag").first) >= 14
    assert_accessible(phone)
    phone.get_by_role("link", name="Review and submit").click()
    expect(phone.locator(".card.incomplete")).to_have_count(2)
    expect(phone.locator(".card").first).to_contain_text("your place: 1 of 1")
    # Cards fit a phone: nothing scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(phone)
    phone.get_by_role("link", name="Sign out").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign out of your ballot?")
    assert_accessible(phone)


# The element just inside the window's bottom edge, where the sticky bar is (where a juror
# scrolling by touch may leave it): in the window, so the browser sees no need to scroll to it.
TO_THE_BOTTOM_EDGE = """e => {
  const below = () => e.getBoundingClientRect().bottom - (innerHeight - 2);
  window.scrollBy(0, below());
  const panel = e.closest(".score-panel");
  if (panel && Math.abs(below()) > 1) { panel.scrollTop += below(); }
}"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_control_the_keyboard_reaches_is_never_under_the_sticky_bar(
    live_server, browser, made, viewport
):
    phone = viewport is PHONE
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    try:
        _open(page, live_server, made)
        last = _scale(page, "Youth participation").get_by_role("radio", name="0", exact=True)
        _scale(page, "Innovation").get_by_role("radio", name="0", exact=True).focus()
        last.evaluate(TO_THE_BOTTOM_EDGE)
        page.keyboard.press("Tab")  # on to the last criterion's scale
        expect(last).to_be_focused()
        focused = last.bounding_box()
        bar = page.locator(".score-bar").bounding_box()
        assert focused and bar
        assert focused["y"] + focused["height"] <= bar["y"]
    finally:
        context.close()
