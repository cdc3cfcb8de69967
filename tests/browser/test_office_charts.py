"""Each chart says in words what it draws, at 1366 and 1024 px, with axe-core: the dashboard's
submissions per day, the tally's ballot scores, and the public results' final-round scores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from prize.domain import transitions
from prize.domain.results import published
from prize.domain.shared import audit
from prize.models import ActorKind, ApplicationStatus, EditionState
from tests import factories
from tests.browserkit import assert_accessible
from tests.jurykit import make_decided_edition
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def _world(live_server) -> list[tuple[str, float]]:
    """2027 published from both rounds' ballots; 2028 in screening (its call closed two days
    ago), three submissions over two days. The published projects and scores, highest first."""
    database, clock = live_server.database, live_server.clock
    make_staff(database, clock())
    with database.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(
            session=session,
            edition=scored.edition,
            actor=audit.Actor(ActorKind.staff, None),
            now=clock(),
        )
        data = published.get_results(session=session, year=2027)
        later = factories.edition(
            session=session,
            year=2028,
            state=EditionState.screening,
            opens_at=datetime(2026, 12, 1, tzinfo=UTC),  # its call closed just before now
            deadline=datetime(2027, 2, 27, 20, tzinfo=UTC),
        )
        for day, title in ((25, "First"), (26, "Second"), (26, "Third")):
            factories.application(
                session=session,
                edition=later,
                status=ApplicationStatus.submitted,
                title=f"{title} project",
                submitted_at=datetime(2027, 2, day, 10, tzinfo=UTC),
            )
    return sorted(
        ((i.title, i.score) for i in data.winners + data.nominated if i.score is not None),
        key=lambda pair: -pair[1],
    )


def _description(page, name: str) -> str:
    chart = page.get_by_role("img", name=name)
    expect(chart).to_be_visible()
    described = chart.get_attribute("aria-describedby")
    return page.locator(f"#{described}").text_content() or ""


@pytest.mark.parametrize("width", [1366, 1024])
def test_every_chart_has_its_text_alternative(live_server, browser, width):
    shown = _world(live_server)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    base = live_server.url
    page.goto(base + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    per_day = _description(
        page, "Applications submitted per day, 31 January 2027 to 27 February 2027"
    )
    assert per_day == "3 applications submitted over these days. Most in one day: 2."
    assert_accessible(page)

    page.goto(base + "/secretariat/editions/2027/tally/shortlist")
    tally = _description(page, "Ballot scores of each application")
    assert tally.startswith("One row per application in ranking order")
    assert "1. EDPP-2027-" in tally and "ballot scores (lowest" in tally
    assert_accessible(page)

    page.goto(base + "/editions/2027/results")
    results = _description(page, "Final-round score of each shortlisted project, from 0 to 10")
    assert results == "; ".join(f"{title}: {score:.2f}" for title, score in shown) + "."
    assert_accessible(page)
    context.close()
