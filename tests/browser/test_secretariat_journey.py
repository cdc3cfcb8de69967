"""The officer's main path in a real browser at a phone's size, with axe-core on every page."""

from __future__ import annotations

import pytest

from prize.tokens import Purpose
from tests.appkit import make_signer
from tests.browserkit import assert_accessible, html
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_officer_sets_up_and_opens_an_edition_then_reads_the_audit_log(live_server, phone):
    make_staff(live_server.database, live_server.clock())
    page = phone
    base = live_server.url

    page.goto(base + "/secretariat")  # sent to sign in
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    assert "No edition is in progress." in html(page)
    assert_accessible(page)

    page.get_by_role("link", name="Editions").click()
    assert_accessible(page)
    page.get_by_role("link", name="Create an edition").click()
    assert_accessible(page)
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Title in English").fill("European Drug Prevention Prize 2027")
    page.get_by_label("Title in French").fill("Prix européen de prévention des drogues 2027")
    page.get_by_label("The call, in English").fill("Young people, prevention, apply.")
    page.get_by_label("Applications open").fill("2027-03-01T09:00")
    page.get_by_label("Deadline for applications").fill("2027-06-30T23:59")
    page.get_by_label("Add a country").select_option("CA")
    page.get_by_role("checkbox", name="France").uncheck()
    page.get_by_role("button", name="Create the edition").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("2027")
    assert "Add at least one criterion before opening the call." in html(page)
    assert page.get_by_role("button", name="Open the call").is_disabled()
    assert_accessible(page)

    for name, weight in (("Innovation", "1"), ("Active youth participation", "2")):
        page.get_by_role("link", name="Add a criterion").click()
        assert_accessible(page)
        page.get_by_label("Name in English").fill(name)
        page.get_by_label("Weight").fill(weight)
        page.get_by_role("button", name="Save the criterion").click()
    page.get_by_role("button", name="Move Active youth participation up").click()
    rows = page.locator("#criteria-h ~ .table-scroll tbody tr")
    assert rows.nth(0).inner_text().startswith("1\tActive youth participation")

    page.get_by_role("button", name="Open the call").click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Move edition 2027 to “open for applications”"
    )
    assert "The call becomes public at once" in html(page)
    assert_accessible(page)
    page.get_by_role("button", name="Make the move").click()
    assert "The call is open." in html(page)
    assert "open for applications" in page.get_by_text("State:").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Edit the settings and dates").click()
    assert page.get_by_label("Deadline for applications").input_value() == "2027-06-30T23:59"
    assert page.get_by_role("checkbox", name="Canada").is_checked()
    assert not page.get_by_role("checkbox", name="France").is_checked()
    assert_accessible(page)

    page.get_by_role("link", name="Audit log").click()
    assert_accessible(page)
    log = page.locator("table").inner_text()
    assert "officer@example.org moved the edition 2027 from draft to open for applications." in log
    assert "officer@example.org added the criterion “Innovation” to 2027." in log

    for link in ("Outbox", "Staff", "Password", "Dashboard"):
        page.get_by_role("link", name=link, exact=True).click()
        assert_accessible(page)
    assert "Ready for the next step:" not in html(page)  # the call is open until June
    assert page.console_errors == []


def test_password_pages_are_accessible(live_server, phone):
    phone.goto(live_server.url + "/secretariat/password/forgot")
    assert_accessible(phone)
    phone.get_by_label("E-mail address").fill("nobody@example.org")
    phone.get_by_role("button", name="Send the link").click()
    assert "Check your e-mail" in html(phone)
    assert_accessible(phone)
    phone.goto(live_server.url + "/secretariat/reset/broken")
    assert "This link does not work" in html(phone)
    assert_accessible(phone)

    officer = make_staff(live_server.database, live_server.clock())
    token = make_signer(live_server.clock).dumps(
        Purpose.password_reset, officer.id, officer.session_version, officer.link_secret
    )
    phone.goto(f"{live_server.url}/secretariat/reset/{token}")
    assert phone.url == live_server.url + "/secretariat/password/new"  # the token left the URL
    assert_accessible(phone)
    phone.locator("#password").fill("short")
    phone.locator("#again").fill("short")
    phone.get_by_role("button", name="Save the password").click()
    assert "Use at least 8 characters." in html(phone)
    assert_accessible(phone)


def test_outbox_and_staff_pages_with_rows_are_accessible(live_server, desktop):
    from prize.models import OutboxMessage, OutboxStatus

    make_staff(live_server.database, live_server.clock())
    make_staff(
        live_server.database, live_server.clock(), email="adviser@example.org", role="adviser"
    )
    with live_server.database.write() as session:
        session.add(
            OutboxMessage(
                kind="x",
                recipient="a@example.org",
                subject="Your link",
                body="B",
                message_id="<1@x>",
                status=OutboxStatus.failed,
                last_error="SMTPServerDisconnected: gone",
            )
        )
    desktop.goto(live_server.url + "/secretariat/login")
    desktop.get_by_label("E-mail address").fill("officer@example.org")
    desktop.get_by_label("Password").fill(STAFF_PASSWORD)
    desktop.get_by_role("button", name="Sign in").click()
    desktop.goto(live_server.url + "/secretariat/outbox")
    assert_accessible(desktop)
    desktop.get_by_role("button", name="Send again: Your link to a@example.org").click()
    assert "The message will be sent again at once." in html(desktop)
    desktop.goto(live_server.url + "/secretariat/staff")
    assert_accessible(desktop)
    assert desktop.console_errors == []
