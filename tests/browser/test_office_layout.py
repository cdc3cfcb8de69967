"""The back office on a desktop: the whole width, a left navigation, the header on one row, dense
tables that never push the page sideways; at 1366 and 1024 px, axe-core clean."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from prize.models import ApplicationStatus as A
from tests import factories
from tests.browserkit import assert_accessible
from tests.jurykit import cast_ballot, make_scored_edition
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("PRIZE_TEST_SCREENSHOTS", "")  # a folder: save each page there


def _world(live_server):
    database, clock = live_server.database, live_server.clock
    make_staff(database, clock())
    with database.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=4)
        for juror in range(3):
            marks = {i: (i + juror) % 5 + 1 for i in range(len(scored.apps))}
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
        other = factories.edition(session=session, year=2028)
        for i, status in enumerate(
            [A.submitted, A.returned, A.ineligible, A.withdrawn, A.draft] * 6
        ):
            factories.application(
                session=session,
                edition=other,
                status=status,
                title=f"A rather long project title number {i} about prevention in schools",
            )
    return scored


def _sign_in(page, base):
    page.goto(base + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def _check_layout(page, name: str, width: int) -> None:
    page.wait_for_load_state("load")  # the stylesheets applied, not only the heading in the DOM
    geometry = page.evaluate(
        """() => {
        const box = (s) => { const e = document.querySelector(s); if (!e) return null;
          const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
        return {
          scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
          header: box("header.site"), brand: box("header.site .brand"),
          signout: box("header.site form.inline-form button"),
          nav: box("nav.office-nav"), main: box("main#main"),
          tables: [...document.querySelectorAll(".table-scroll")].map(
            (e) => e.scrollWidth - e.clientWidth),
        };
    }"""
    )
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    assert geometry["scroll"] <= geometry["client"], f"{name} scrolls sideways at {width} px"
    assert all(over <= 1 for over in geometry["tables"]), f"a table of {name} hides columns"
    assert geometry["nav"]["x"] < geometry["main"]["x"], (name, geometry)  # nav on the left
    assert geometry["nav"]["y"] == geometry["main"]["y"]  # beside the page, not above it
    assert geometry["main"]["w"] > width * 0.7  # the whole width, no 860 px column
    assert abs(geometry["brand"]["y"] - geometry["signout"]["y"]) < 20  # the header: one row
    assert geometry["header"]["h"] < 60
    assert_accessible(page)


@pytest.mark.parametrize("width", [1366, 1024])
def test_back_office_pages_use_the_desktop(live_server, browser, width):
    scored = _world(live_server)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    base = live_server.url
    _sign_in(page, base)
    _check_layout(page, "dashboard", width)
    pipeline = page.get_by_role("img", name="Applications of 2028 by status")
    expect(pipeline).to_be_visible()
    assert pipeline.locator("desc").text_content() == (
        "30 applications in all. drafts: 6, submitted, to screen: 6, eligible: 0, "
        "ineligible: 6, returned for information: 6, withdrawn: 6."
    )
    jury = page.get_by_role("img", name="Applications scored by each juror in this round")
    assert "Lena Novak: 9 of 9 scored (submitted)" in jury.locator("desc").text_content()
    nav = page.get_by_role("navigation", name="Back office")
    expect(nav).to_be_visible()
    expect(nav.get_by_text("Edition 2028")).to_be_visible()  # the newest edition, chosen for now

    nav.get_by_role("link", name="Applications", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications 2028")
    assert (
        nav.get_by_role("link", name="Applications", exact=True).get_attribute("aria-current")
        == "page"
    )
    chips = page.locator("ul.chips")
    expect(chips.get_by_role("link", name="Returned for information (6)")).to_be_visible()
    first = page.locator("tbody tr").first
    reference = first.locator("td").first
    assert reference.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    header = page.locator("thead th").first
    assert header.evaluate("e => getComputedStyle(e).position") == "sticky"
    expect(page.locator("tbody .pill").first).to_be_visible()
    _check_layout(page, "applications", width)
    cell = first.locator("td").nth(2).bounding_box()  # anywhere on the row opens it
    page.mouse.click(cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2)
    expect(page.get_by_role("heading", level=1)).to_contain_text("EDPP-2028-")
    _check_layout(page, "application", width)

    nav.locator("summary").click()
    nav.get_by_role("link", name="2027").click()
    expect(nav.get_by_text("Edition 2027")).to_be_visible()  # chosen once, kept from here on
    nav.get_by_role("link", name="First-round tally").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tally of the first round")
    _check_layout(page, "tally", width)
    nav.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(nav.get_by_text("Edition 2027")).to_be_visible()
    _check_layout(page, "audit", width)
    log = page.locator("table.log")
    expect(log).to_contain_text("Prize added the staff account of officer@example.org.")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("table.log")).to_contain_text(
        "Prize a créé le compte de officer@example.org."
    )
    expect(page.locator("table.log details").first).not_to_have_attribute("open", "")
    page.locator("table.log summary").first.click()  # the raw entry, on demand
    expect(page.locator("table.log pre").first).to_contain_text('"kind": "staff.created"')
    _check_layout(page, "audit-fr", width)
    for name, path in (
        ("applications-fr", "editions/2028/applications"),
        ("jury-fr", "editions/2027/jury"),
        ("editions-fr", "editions"),
    ):
        page.goto(f"{base}/secretariat/{path}")  # French labels and pills are longer
        _check_layout(page, name, width)
    page.goto(f"{base}/secretariat/audit")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    nav.get_by_role("link", name="Jury", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jury")
    _check_layout(page, "jury", width)
    juror = page.locator("tbody tr.rowlink").first
    expect(juror.locator(".pill").first).to_be_visible()
    cell = juror.locator("td").nth(2).bounding_box()  # the whole row opens the juror
    page.mouse.click(cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2)
    page.wait_for_url("**/secretariat/jurors/*")
    context.close()
    assert scored.edition.year == 2027


def test_back_office_is_usable_at_200_percent_zoom(live_server, browser):
    """A 1366 px screen at 200 % zoom is 683 CSS pixels wide: the navigation moves above the
    page, wide tables scroll inside their region, and nothing pushes the page sideways."""
    _world(live_server)
    context = browser.new_context(viewport={"width": 683, "height": 384}, locale="en-GB")
    page = context.new_page()
    _sign_in(page, live_server.url)
    nav = page.get_by_role("navigation", name="Back office")
    for link in ("Applications", "Audit log", "First-round tally"):
        nav.get_by_role("link", name=link, exact=True).click()
        expect(nav.get_by_role("link", name=link, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), link
        assert_accessible(page)
    context.close()
