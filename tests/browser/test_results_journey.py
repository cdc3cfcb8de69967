"""In a real browser at a phone's size: the secretariat confirms the shortlist and the winners
and publishes; then a juror checks their receipt on the public page. axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from prize.models import Ballot, Round
from tests import htmlpages
from tests.browserkit import assert_accessible, html
from tests.jurykit import ROUND1, ROUND2, cast_ballot, make_scored_edition
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_secretariat_publishes_and_a_juror_checks_a_receipt(live_server, phone) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, phone
    make_staff(database, clock())
    with database.write() as session:
        scored = make_scored_edition(session, now=clock())
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())

    page.goto(base + "/secretariat/results")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tally and results"
    assert_accessible(page)

    page.get_by_role("link", name="First-round tally").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tally of the first round")
    page.get_by_text("How EDPP-2027-0005 got this score").click()  # open one explanation
    expect(page.get_by_text("Omar Novak (conflict of interest)")).to_be_visible()
    assert_accessible(page)
    htmlpages.save("results_tally_shortlist", html(page))

    page.get_by_role("link", name="Decisions and publication").first.click()
    assert page.get_by_role("checkbox", name="EDPP-2027-0001 · Project A", exact=False).is_checked()
    assert_accessible(page)
    # Take D instead of C: refused without a reason, then accepted with reasons.
    page.get_by_role("checkbox", name="EDPP-2027-0003 · Project C", exact=False).uncheck()
    page.get_by_role("checkbox", name="EDPP-2027-0004 · Project D", exact=False).check()
    page.get_by_role("button", name="Confirm the shortlist").click()
    assert "Give a reason for each application you moved away" in html(page)
    assert_accessible(page)
    page.get_by_label("Reason, if you change the proposal for EDPP-2027-0003").fill("Twice funded")
    page.get_by_label("Reason, if you change the proposal for EDPP-2027-0004").fill("Youth-led")
    page.get_by_role("button", name="Confirm the shortlist").click()
    assert "3 applications are shortlisted for the final round." in html(page)
    page.get_by_role("button", name="Confirm the shortlist").click()  # on its confirmation page
    assert "The shortlist is confirmed (3 applications)." in html(page)
    page.get_by_role("button", name="Start the final round").click()
    page.get_by_role("button", name="Start the final round").click()  # confirmed
    assert "The final round has started." in html(page)

    with database.write() as session:
        for juror, marks in ROUND2.items():
            cast_ballot(session, scored, juror, "final", marks, now=clock())
        receipt = session.exec(
            select(Ballot.receipt_code).where(
                Ballot.juror_id == scored.jurors[2].id, Ballot.round == Round.final
            )
        ).one()

    page.reload()
    assert_accessible(page)
    page.get_by_role("combobox", name="Special mention", exact=False).select_option(
        label="EDPP-2027-0006 · Project F"
    )
    page.get_by_role("button", name="Record the winners").click()
    assert "The winners and nominated projects are recorded." in html(page)
    page.get_by_role("button", name="Decide").click()
    page.get_by_role("button", name="Decide and e-mail the applicants").click()
    assert "winners and nominated applicants are told privately" in html(page)
    page.get_by_role("button", name="Publish the results now").click()
    page.get_by_label("Type the edition's year, 2027", exact=False).fill("2027")
    page.get_by_role("button", name="Publish the results now, for good").click()
    assert "The results are published." in html(page)
    assert_accessible(page)
    htmlpages.save("results_decisions_published", html(page))

    page.get_by_role("link", name="Final-round tally").first.click()
    assert_accessible(page)

    # The public side: a juror on their phone, not signed in.
    page.context.clear_cookies()
    page.goto(base + "/editions")
    page.get_by_role("link", name="Results of 2027").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Results of the European Drug Prevention Prize 2027"
    )
    expect(page.get_by_role("heading", name="Project B")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Receipt code").fill(receipt.lower())
    page.get_by_role("button", name="Check my receipt").click()
    assert page.get_by_role("status").inner_text().startswith("Counted.")
    assert_accessible(page)
    htmlpages.save("results_public", html(page))
    page.get_by_label("Receipt code").fill("NOT-A-CODE")
    page.get_by_role("button", name="Check my receipt").click()
    assert "Not found." in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Certificate of Project B").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Winner"
    assert_accessible(page)
    htmlpages.save("results_certificate", html(page))
    # The only console error is the refused shortlist's 400 page; nothing broke the CSP.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_archived_edition_entered_by_hand_then_read_by_the_public(live_server, phone) -> None:
    database, clock, base, page = live_server.database, live_server.clock, live_server.url, phone
    make_staff(database, clock())
    page.goto(base + "/secretariat/results")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Year").fill("2014")
    page.get_by_role("button", name="Add the edition").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Results entered by hand · 2014"
    assert_accessible(page)
    page.get_by_role("button", name="Add the result").click()  # nothing typed: refused
    expect(page.get_by_text("Give the project's title.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Project title").fill("Peer Street Work")
    page.get_by_label("Country").select_option("IT")
    page.get_by_label("Summary (optional)").fill("Young people meet their peers in the street.")
    page.get_by_role("button", name="Add the result").click()
    assert "The entry is added." in html(page)
    htmlpages.save("results_archive_secretariat", html(page))

    page.context.clear_cookies()
    page.goto(base + "/editions")
    assert_accessible(page)
    page.get_by_role("link", name="Results of 2014").click()
    expect(page.get_by_text("results recorded without ballots").first).to_be_visible()
    expect(page.get_by_role("heading", name="Peer Street Work")).to_be_visible()
    assert_accessible(page)
    htmlpages.save("results_archive_public", html(page))
