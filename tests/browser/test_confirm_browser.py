"""In a real browser at a phone's size: deciding asks first, on a page of its own that counts the
e-mails and shows them; going back does nothing; confirming decides. axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from prize.domain.results import decisions
from prize.domain.shared import audit
from prize.models import ActorKind, EditionState, OutboxMessage
from tests import htmlpages
from tests.browserkit import assert_accessible, html
from tests.jurykit import ROUND1, ROUND2, cast_ballot, make_scored_edition
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser
OFFICER = audit.Actor(ActorKind.staff, None)


def test_deciding_asks_first_and_says_what_it_will_send(live_server, phone) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, phone
    make_staff(database, clock())
    with database.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
        decisions.confirm_shortlist(
            session=session,
            edition=scored.edition,
            application_ids=scored.ids[:3],
            reasons={},
            actor=OFFICER,
            now=clock(),
        )
        scored.edition.state = EditionState.final
        session.add(scored.edition)
        for juror, marks in ROUND2.items():
            cast_ballot(session, scored, juror, "final", {i: marks[i] for i in range(3)})
        decisions.confirm_final(
            session=session,
            edition=scored.edition,
            awards={i: "winner" for i in scored.ids[:3]},
            special_mention=None,
            actor=OFFICER,
            now=clock(),
        )

    page.goto(base + "/secretariat/editions/2027/decisions")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Decide").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Decide the results of 2027"
    expect(page.get_by_text("3 winners are recorded.")).to_be_visible()
    expect(page.get_by_text("This e-mails 3 people.")).to_be_visible()
    assert page.get_by_text("In French", exact=False).count() == 1
    assert_accessible(page)
    htmlpages.save("secretariat_confirm_decide", html(page))

    page.get_by_role("link", name="Cancel and go back: nothing is done").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Decisions and publication")
    with database.read() as session:
        assert session.exec(select(OutboxMessage)).all() == []

    page.get_by_role("button", name="Decide").click()
    page.get_by_role("button", name="Decide and e-mail the applicants").click()
    assert "winners and nominated applicants are told privately" in html(page)
    assert "decided" in page.locator(".state-line").inner_text()
    with database.read() as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 3
    assert_accessible(page)
    assert page.console_errors == []
