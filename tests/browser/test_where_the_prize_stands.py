"""In a real browser: the home page in each state of the prize's life, an applicant's page for
each outcome after publication, and a juror's link after publication. axe-core on each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import col, select

from prize import formats
from prize.models import Application, ApplicationStatus, EditionState
from tests import factories
from tests.applykit import link_maker
from tests.browserkit import assert_accessible
from tests.jury_factories import link_path
from tests.jurykit import make_scored_edition, run_to_publication

pytestmark = pytest.mark.browser

ANNOUNCE = datetime(2027, 8, 4, 10, 0, tzinfo=UTC)


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_the_home_page_follows_the_prize_from_no_call_to_the_winners(live_server, desktop) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, desktop
    page.goto(base + "/")
    expect(page.get_by_text("There is no open call at the moment.")).to_be_visible()
    assert_accessible(page)

    with database.write() as session:
        factories.edition(
            session=session, year=2026, state=EditionState.final, announce_at=ANNOUNCE
        )
    page.goto(base + "/")
    when = formats.styled(ANNOUNCE, "date_time", "en")
    expected = f"The results of the 2026 edition will be announced on {when}."
    expect(page.get_by_text(expected)).to_be_visible()
    expect(page.get_by_role("link", name="Past editions")).to_be_visible()
    assert_accessible(page)

    with database.write() as session:
        scored = make_scored_edition(session, now=clock(), year=2027)
        for juror in scored.jurors:
            juror.invited_at = clock()
        run_to_publication(session, scored, clock)
    page.goto(base + "/")
    assert _heading(page) == "The winners of the European Drug Prevention Prize 2027"
    assert page.locator(".home-winners li").all_inner_texts()[0].startswith("Project B")
    page.get_by_role("link", name="Read the results").click()
    expect(page).to_have_url(base + "/editions/2027/results")
    assert_accessible(page)


@pytest.mark.parametrize(
    ("index", "status"),
    [
        (1, "Status: Winner"),
        (3, "Status: Nominated"),
        (5, "Status: Special mention"),
        (4, "Status: Eligible; not shortlisted"),
        (9, "Status: Not eligible"),
    ],
)
def test_an_applicant_reads_their_outcome_after_publication(
    live_server, phone, index, status
) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, phone
    with database.write() as session:
        scored = make_scored_edition(session, now=clock())
        factories.application(
            session=session,
            edition=scored.edition,
            status=ApplicationStatus.ineligible,
            screening_reason="country",
        )
        run_to_publication(session, scored, clock)
        application = session.exec(select(Application).order_by(col(Application.id))).all()[index]
        token = link_maker(clock=clock).token(application)
    page.goto(f"{base}/apply/link/{token}")
    expect(page.get_by_role("heading", name=status)).to_be_visible()
    expect(page.get_by_role("link", name="The results of the 2027 edition")).to_be_visible()
    assert page.get_by_role("link", name="Withdraw").count() == 0
    assert_accessible(page)


def test_a_juror_link_after_publication_opens_a_thank_you_page(live_server, phone) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, phone
    with database.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror in scored.jurors:
            juror.invited_at = clock()
        run_to_publication(session, scored, clock)
        path = link_path(scored.jurors[0], clock)
    page.goto(base + path)
    assert _heading(page) == "Thank you, Lena"
    expect(page.get_by_role("heading", name="Your receipt codes")).to_be_visible()
    page.get_by_role("link", name="Read the results").click()
    expect(page).to_have_url(base + "/editions/2027/results")
    assert_accessible(page)
