"""A juror on a phone, in a real browser: open the link from the e-mail, confirm the name, accept
the pledge, declare a conflict, score (autosaved), reload and find every score, submit, and read
the receipt; every page accessible (axe-core) and free of console errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.models import Juror
from tests import jury_factories
from tests.browserkit import assert_accessible
from tests.mailkit import body_of

pytestmark = pytest.mark.browser

SAVED_AT = re.compile(r"^Saved at \d\d:\d\d$")


def scale(page, criterion: str):
    """The criterion's 0-10 control: a group of radio buttons named by the criterion."""
    return page.get_by_role("group", name=criterion, exact=True)


def score(page, criterion: str, value: str) -> None:
    scale(page, criterion).get_by_role("radio", name=value, exact=True).check()


def test_juror_scores_and_submits_on_a_phone(live_server, phone, smtp):
    database, clock = live_server.database, live_server.clock
    links = juror_links.BallotLinks(jury_factories.signer(), live_server.url, "example.org")
    with database.write() as session:
        made = jury_factories.jury_edition(session=session, applications=3)
        juror = jury_factories.juror(
            session=session,
            edition=made.edition,
            invited=False,
            email="lena@example.org",
            first_name="Lena",
        )
        juror_links.invite(
            session=session, actor=audit.SYSTEM, now=clock(), juror=juror, links=links
        )
    smtp.deliver(database, clock())
    (invitation,) = smtp.inbox.to("lena@example.org")
    (link,) = jury_factories.links_in(body_of(invitation))

    # The link from the e-mail opens the ballot and leaves the address bar without the token.
    phone.goto(link)
    assert phone.url == f"{live_server.url}/ballot/welcome"
    assert_accessible(phone)
    phone.get_by_label("Your first name").fill("Léna")
    phone.get_by_label("I accept the confidentiality pledge.").check()
    phone.get_by_role("button", name="Continue").click()

    # Conflicts: one project is declared, with its reason.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Conflicts of interest")
    assert_accessible(phone)
    conflicted = made.applications[1]
    group = phone.get_by_role("group", name="Friday Coffee Project")
    group.get_by_label("I have a conflict of interest with this project.").check()
    group.get_by_label("What connects you to it?").fill("My cousin volunteers there")
    phone.get_by_role("button", name="Send my declaration").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your ballot")
    expect(phone.locator("#progress-text")).to_have_text("0 of 2 scored")
    expect(phone.get_by_role("listitem").filter(has_text=conflicted.reference)).to_contain_text(
        "Conflict of interest: not on your ballot"
    )
    expect(phone.get_by_role("link", name="Friday Coffee Project")).to_have_count(0)
    assert_accessible(phone)

    # Score both projects; each field saves itself as it is typed.
    values = {
        made.applications[0].reference: ("7", "9"),
        made.applications[2].reference: ("4", "6"),
    }
    for reference, (first, second) in values.items():
        phone.goto(f"{live_server.url}/ballot/applications/{reference}")
        assert_accessible(phone)
        score(phone, "Innovation", first)
        expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT)
        score(phone, "Efficiency", second)
        phone.get_by_label("Your comment").fill(f"Notes on {reference}")
        expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT)
        expect(phone.locator("#autosave-status")).to_have_attribute("data-state", "saved")

    # Reload every page: every score is there.
    for reference, (first, second) in values.items():
        phone.goto(f"{live_server.url}/ballot/applications/{reference}")
        expect(scale(phone, "Innovation").get_by_role("radio", name=first)).to_be_checked()
        expect(scale(phone, "Efficiency").get_by_role("radio", name=second)).to_be_checked()
        assert phone.get_by_label("Your comment").input_value() == f"Notes on {reference}"

    # Submit and read the receipt.
    phone.goto(f"{live_server.url}/ballot")
    expect(phone.locator("#progress-text")).to_have_text("2 of 2 scored")
    phone.get_by_role("link", name="Review and submit").click()
    assert_accessible(phone)
    phone.get_by_role("button", name="Submit my ballot").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your ballot is submitted")
    code = phone.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{10}", code)
    assert_accessible(phone)
    smtp.deliver(database, clock())
    assert any(code in body_of(m) for m in smtp.inbox.to("lena@example.org"))
    with database.read() as session:
        assert session.get_one(Juror, juror.id).first_name == "Léna"
    assert phone.console_errors == []


def test_autosave_retries_until_the_server_answers(live_server, phone):
    database = live_server.database
    with database.write() as session:
        made = jury_factories.jury_edition(session=session, applications=1)
        juror = jury_factories.juror(session=session, edition=made.edition, onboarded=True)
    phone.goto(live_server.url + jury_factories.link_path(juror))
    phone.goto(f"{live_server.url}/ballot/applications/{made.applications[0].reference}")
    failures = {"left": 2}

    def flaky(route):
        if failures["left"] > 0:
            failures["left"] -= 1
            route.abort()
        else:
            route.continue_()

    phone.route("**/save", flaky)
    score(phone, "Innovation", "8")
    expect(phone.locator("#autosave-status")).to_have_text(
        "Not saved: the server did not answer. Retrying…"
    )
    expect(phone.locator("#autosave-status")).to_have_text(SAVED_AT, timeout=15_000)
    phone.reload()
    expect(scale(phone, "Innovation").get_by_role("radio", name="8")).to_be_checked()
    assert [e for e in phone.console_errors if "net::ERR_FAILED" not in e] == []
