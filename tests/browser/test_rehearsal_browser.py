"""A rehearsal from creation to deletion in a real browser at 1366 and 1024 px: created from the
form beside the real edition of its year (whose pages it never hides), its application form
tried by the secretariat, its fake winners published, never seen by the public, then deleted by
typing its title, leaving no trace on the public pages or on disk, and the real edition intact."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from prize.models import (
    Application,
    ApplicationStatus,
    Edition,
    EditionState,
    OutboxMessage,
    OutboxStatus,
)
from tests import factories
from tests.browserkit import assert_accessible, html
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser

TITLE = "Rehearsal of the 2027 prize"


def _sign_in(page, base: str) -> None:
    page.goto(base + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _publish_fake_winners(database, storage) -> None:
    """What a rehearsal goes through, in short: an application with a file, a juror, winners."""
    with database.write() as session:
        edition = session.exec(select(Edition).where(Edition.rehearsal)).one()
        app = factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            title="Fake winners of the rehearsal",
            attachments=[("plan.pdf", factories.PDF)],
            storage_dir=storage,
        )
        factories.juror(session=session, edition=edition)
        factories.winner(session=session, application=app)
        edition.state = EditionState.published
        edition.published_at = edition.deadline
        session.add(edition)


@pytest.mark.parametrize("width", [1366, 1024])
def test_a_rehearsal_from_creation_to_deletion_leaves_no_trace(
    live_server, browser, settings, width
):
    make_staff(live_server.database, live_server.clock())
    with live_server.database.write() as session:  # the real call of the same year, open
        real_id = factories.edition(session=session, state=EditionState.open).id
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page, base = context.new_page(), live_server.url
    _sign_in(page, base)

    page.goto(base + "/secretariat/editions/new")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Title in English").fill(TITLE)
    page.get_by_label("This edition is a rehearsal").check()
    page.get_by_label("Addresses a rehearsal's e-mails may reach").fill("tester@example.org")
    page.get_by_label("Applications open").fill("2027-02-01T09:00")
    page.get_by_label("Deadline for applications").fill("2027-03-31T23:59")
    page.get_by_role("button", name="Create the edition").click()
    assert "the edition 2027 shown here is a rehearsal" in html(page)
    assert page.url.endswith("/secretariat/editions/2027-rehearsal")
    assert_accessible(page)
    with live_server.database.write() as session:  # its call opened, as the secretariat would
        rehearsal = session.exec(select(Edition).where(Edition.rehearsal)).one()
        rehearsal.state = EditionState.open
        session.add(rehearsal)

    # the real edition of its year does not hide it: its own page, its own tools
    page.goto(base + "/secretariat/editions")
    assert_accessible(page)
    cell = page.locator("tbody tr", has_text=TITLE).locator("td").nth(1).bounding_box()
    page.mouse.click(cell["x"] + cell["width"] / 2, cell["y"] + cell["height"] / 2)  # the row
    expect(page.locator(".rehearsal-banner")).to_be_visible()
    assert page.url.endswith("/secretariat/editions/2027-rehearsal")
    page.get_by_role("link", name="Try the application form").click()
    assert_accessible(page)
    page.get_by_label("The applicant's e-mail address").fill("tester@example.org")
    page.get_by_label("Project title").fill("Rehearsed project")
    page.get_by_role("button", name="Start the application and open it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    assert "/apply/" in page.url and "Rehearsed project" in html(page)
    with live_server.database.read() as session:
        tried = session.exec(select(Application)).one()
        mail = session.exec(select(OutboxMessage)).one()
        assert tried.edition_id != real_id
        assert (mail.recipient, mail.status) == ("tester@example.org", OutboxStatus.queued)

    storage = settings.storage_dir
    _publish_fake_winners(live_server.database, storage)
    assert len(list(storage.iterdir())) == 1

    for path in ("/", "/editions", "/apply"):
        page.goto(base + path)
        assert "Fake winners" not in html(page) and TITLE not in html(page)
    response = page.goto(base + "/editions/2027/results")
    assert response is not None and response.status == 404
    assert "Fake winners" not in html(page)

    page.goto(base + "/secretariat/editions/2027-rehearsal")
    page.get_by_role("link", name="Delete this edition").click()
    assert_accessible(page)
    page.get_by_label("Type the edition's title to confirm").fill("Rehearsal")
    page.get_by_role("button", name="Delete the edition and all its data").click()
    assert "Type the edition's title exactly as shown, to confirm." in html(page)
    assert page.get_by_label("Type the edition's title to confirm").input_value() == "Rehearsal"
    page.get_by_label("Type the edition's title to confirm").fill(TITLE)
    page.get_by_role("button", name="Delete the edition and all its data").click()
    assert "The edition 2027 is deleted, with all its data." in html(page)
    assert TITLE not in html(page)
    assert page.locator('a[href="/secretariat/editions/2027"]').count() >= 1  # the real one
    assert_accessible(page)

    assert list(storage.iterdir()) == []
    with live_server.database.read() as session:
        assert [e.id for e in session.exec(select(Edition))] == [real_id]
        assert session.exec(select(Application)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []
    for path in ("/", "/editions"):
        page.goto(base + path)
        assert "Fake winners" not in html(page) and TITLE not in html(page)
    response = page.goto(base + "/editions/2027/results")
    assert response is not None and response.status == 404
    context.close()
