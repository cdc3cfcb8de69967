"""A rehearsal from creation to deletion in a real browser at a desktop's size: created from the
form, its fake winners published, never seen by the public, then deleted by typing its title,
leaving no trace on the public pages or on disk."""

from __future__ import annotations

import pytest
from sqlmodel import select

from prize.models import ApplicationStatus, Edition, EditionState
from tests import factories
from tests.browserkit import assert_accessible
from tests.staffkit import STAFF_PASSWORD, make_staff

pytestmark = pytest.mark.browser

TITLE = "Rehearsal of the 2028 prize"


def _sign_in(page, base: str) -> None:
    page.goto(base + "/secretariat")
    page.get_by_label("E-mail address").fill("officer@example.org")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _publish_fake_winners(database, storage) -> None:
    """What a rehearsal goes through, in short: an application with a file, a juror, winners."""
    with database.write() as session:
        edition = session.exec(select(Edition)).one()
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


def test_a_rehearsal_from_creation_to_deletion_leaves_no_trace(live_server, desktop, settings):
    make_staff(live_server.database, live_server.clock())
    page, base = desktop, live_server.url
    _sign_in(page, base)

    page.goto(base + "/secretariat/editions/new")
    page.get_by_label("Year").fill("2028")
    page.get_by_label("Title in English").fill(TITLE)
    page.get_by_label("This edition is a rehearsal").check()
    page.get_by_label("Addresses a rehearsal's e-mails may reach").fill("tester@example.org")
    page.get_by_label("Applications open").fill("2028-01-15T09:00")
    page.get_by_label("Deadline for applications").fill("2028-03-31T23:59")
    page.get_by_role("button", name="Create the edition").click()
    assert "the edition 2028 shown here is a rehearsal" in page.content()
    assert_accessible(page)

    storage = settings.storage_dir
    _publish_fake_winners(live_server.database, storage)
    assert len(list(storage.iterdir())) == 1

    for path in ("/", "/editions"):
        page.goto(base + path)
        assert "Fake winners" not in page.content() and TITLE not in page.content()
    response = page.goto(base + "/editions/2028/results")
    assert response is not None and response.status == 404
    assert "Fake winners" not in page.content()

    page.goto(base + "/secretariat/editions/2028")
    page.get_by_role("link", name="Delete this edition").click()
    assert_accessible(page)
    page.get_by_label("Type the edition's title to confirm").fill("Rehearsal")
    page.get_by_role("button", name="Delete the edition and all its data").click()
    assert "Type the edition's title exactly as shown, to confirm." in page.content()
    assert page.get_by_label("Type the edition's title to confirm").input_value() == "Rehearsal"
    page.get_by_label("Type the edition's title to confirm").fill(TITLE)
    page.get_by_role("button", name="Delete the edition and all its data").click()
    assert "The edition 2028 is deleted, with all its data." in page.content()
    assert "There is no edition yet." in page.content()
    assert_accessible(page)

    assert list(storage.iterdir()) == []
    with live_server.database.read() as session:
        assert session.exec(select(Edition)).all() == []
    for path in ("/", "/editions"):
        page.goto(base + path)
        assert "Fake winners" not in page.content() and TITLE not in page.content()
    response = page.goto(base + "/editions/2028/results")
    assert response is not None and response.status == 404
