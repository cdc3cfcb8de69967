"""Rehearsals in the back office: created from the form, marked on every page, invisible to the
public, and deleted on their own page once their title is typed."""

from __future__ import annotations

from sqlmodel import col, select

from prize.models import Application, ApplicationStatus, AuditEvent, Edition, EditionState
from tests import factories
from tests.appkit import refused_page
from tests.staffkit import staff_post
from tests.views.secretariat.test_editions import edition_form


def _rehearsal_form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "year": "2029",
        "title_en": "Rehearsal 2029",
        "rehearsal": "yes",
        "rehearsal_recipients": "tester@example.org\nsecond@example.org",
        **changes,
    }
    return edition_form(**values)


def test_a_rehearsal_is_created_from_the_form_and_marked(staff_client, sqlite_db):
    response = staff_post(staff_client, "/secretariat/editions/new", _rehearsal_form())
    assert response.status_code == 303
    page = staff_client.get("/secretariat/editions/2029").text
    assert "the edition 2029 shown here is a rehearsal" in page
    assert '<span class="tag">rehearsal</span>' in page
    with sqlite_db.read() as session:
        stored = session.exec(select(Edition)).one()
    assert (stored.rehearsal, stored.rehearsal_recipients) == (
        True,
        ["tester@example.org", "second@example.org"],
    )


def test_a_wrong_address_for_a_rehearsal_is_refused_next_to_its_field(staff_client):
    response = staff_post(
        staff_client,
        "/secretariat/editions/new",
        _rehearsal_form(rehearsal_recipients="tester@example.org\nnot an address"),
    )
    response = refused_page(staff_client, response)
    assert "This is not an e-mail address: not." in response.text
    assert "tester@example.org\nnot an address</textarea>" in response.text


def test_the_real_edition_can_be_created_beside_a_rehearsal(staff_client, sqlite_db):
    staff_post(staff_client, "/secretariat/editions/new", _rehearsal_form())
    response = staff_post(staff_client, "/secretariat/editions/new", edition_form(year="2029"))
    assert response.status_code == 303
    with sqlite_db.read() as session:
        rows = sorted((e.year, e.rehearsal) for e in session.exec(select(Edition)))
    assert rows == [(2029, False), (2029, True)]
    listing = staff_client.get("/secretariat/editions").text
    assert 'href="/secretariat/editions/2029"' in listing
    assert 'href="/secretariat/editions/2029-rehearsal"' in listing
    banner = "the edition 2029 shown here is a rehearsal"
    assert banner not in staff_client.get("/secretariat/editions/2029").text
    assert banner in staff_client.get("/secretariat/editions/2029-rehearsal").text


def _published_rehearsal(sqlite_db, storage):
    with sqlite_db.write() as session:
        edition = factories.edition(
            session=session,
            year=2026,
            state=EditionState.published,
            rehearsal=True,
            title_en="Rehearsal 2026",
        )
        app = factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            title="Fake winners",
            attachments=[("plan.pdf", factories.PDF)],
            storage_dir=storage,
        )
        factories.winner(session=session, application=app)
        return edition.id, app.reference


def test_the_public_never_sees_a_rehearsal(client, sqlite_db, settings):
    _edition_id, reference = _published_rehearsal(sqlite_db, settings.storage_dir)
    assert "Fake winners" not in client.get("/editions").text
    assert "2026" not in client.get("/editions").text
    assert "Fake winners" not in client.get("/").text
    for path in (
        "/editions/2026/results",
        "/editions/2026/results.json",
        "/editions/2026/results.csv",
        f"/editions/2026/results/certificates/{reference}",
    ):
        response = client.get(path)
        assert (response.status_code, "Fake winners" in response.text) == (404, False), path


def test_deleting_a_rehearsal_needs_its_title_and_leaves_nothing(staff_client, sqlite_db, settings):
    edition_id, _ = _published_rehearsal(sqlite_db, settings.storage_dir)
    path = f"/secretariat/editions/id/{edition_id}/delete"
    page = staff_client.get(path).text
    assert "Type the edition's title to confirm" in page
    assert '<dd><strong lang="en">Rehearsal 2026</strong></dd>' in page
    assert "Exactly as shown above." in page
    wrong = staff_post(staff_client, path, {"typed_name": "Rehearsal"})
    wrong = refused_page(staff_client, wrong)
    assert "Type the edition&#39;s title exactly as shown, to confirm." in wrong.text
    assert 'value="Rehearsal"' in wrong.text
    assert len(list(settings.storage_dir.iterdir())) == 1

    done = staff_post(staff_client, path, {"typed_name": "Rehearsal 2026"})
    assert done.status_code == 303
    assert (
        "The edition 2026 is deleted, with all its data."
        in staff_client.get(done.headers["location"]).text
    )
    with sqlite_db.read() as session:
        assert session.exec(select(Edition)).all() == []
        assert session.exec(select(Application)).all() == []
        kinds = list(session.exec(select(AuditEvent.kind).order_by(col(AuditEvent.id))))
    assert kinds[-1] == "edition.deleted"
    assert list(settings.storage_dir.iterdir()) == []
    assert staff_client.get(path).status_code == 404


def test_an_edition_with_submitted_applications_cannot_be_deleted(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.screening)
        factories.application(session=session, edition=edition)
        edition_id = edition.id
    page = staff_client.get(f"/secretariat/editions/id/{edition_id}/delete").text
    assert "This edition holds submitted applications" in page
    refused = staff_post(
        staff_client,
        f"/secretariat/editions/id/{edition_id}/delete",
        {"typed_name": "European Drug Prevention Prize 2027"},
    )
    refused = refused_page(staff_client, refused)
    with sqlite_db.read() as session:
        assert session.get(Edition, edition_id) is not None


def test_an_adviser_cannot_delete(adviser_client, sqlite_db):
    with sqlite_db.write() as session:
        edition_id = factories.edition(session=session, year=2027, rehearsal=True).id
    assert adviser_client.get(f"/secretariat/editions/id/{edition_id}/delete").status_code == 403


def test_a_rehearsals_results_and_exports_say_rehearsal(staff_client, sqlite_db, settings):
    _published_rehearsal(sqlite_db, settings.storage_dir)
    banner = "the edition 2026 shown here is a rehearsal"
    for path in (
        "/secretariat/editions/2026/decisions",
        "/secretariat/editions/2026/tally/final",
        "/secretariat/editions/2026/applications",
    ):
        page = staff_client.get(path)
        assert (page.status_code, banner in page.text) == (200, True), path
    assert "REHEARSAL-2026-0001" in staff_client.get("/secretariat/editions/2026/applications").text
    export = staff_client.get("/secretariat/editions/2026/applications.csv")
    assert 'filename="rehearsal-applications-2026.csv"' in export.headers["content-disposition"]
    assert '"REHEARSAL-2026-0001"' in export.text
    document = staff_client.get("/secretariat/editions/2026/applications.json").json()
    assert document["rehearsal"] is True


def test_a_rehearsal_beside_the_real_edition_keeps_its_own_pages(staff_client, sqlite_db):
    """The real edition of its year does not hide the rehearsal: each has its own addresses,
    and every link on the rehearsal's pages stays on the rehearsal."""
    staff_post(staff_client, "/secretariat/editions/new", _rehearsal_form())
    staff_post(staff_client, "/secretariat/editions/new", edition_form(year="2029"))
    with sqlite_db.read() as session:
        rehearsal_id = session.exec(select(Edition.id).where(col(Edition.rehearsal))).one()
    page = staff_client.get("/secretariat/editions/2029-rehearsal").text
    assert "<strong>Rehearsal</strong>" in page
    assert 'href="/secretariat/editions/2029-rehearsal/applications"' in page
    assert 'href="/secretariat/editions/2029-rehearsal/edit"' in page
    assert 'href="/secretariat/editions/2029/applications"' not in page
    assert "Edition 2029 (rehearsal)" in page  # the navigation names the chosen one
    copy_page = staff_client.get("/secretariat/editions/2029-rehearsal/copy").text
    assert 'action="/secretariat/editions/2029-rehearsal/copy"' in copy_page
    for tool in ("applications", "jury", "decisions", "tally/shortlist", "edit"):
        response = staff_client.get(f"/secretariat/editions/2029-rehearsal/{tool}")
        assert (response.status_code, "shown here is a rehearsal" in response.text) == (
            200,
            True,
        ), tool
    moved = staff_post(
        staff_client,
        "/secretariat/editions/2029-rehearsal/edit",
        edition_form(year="2029", title_en="Rehearsal 2029, renamed", rehearsal="yes"),
    )
    assert moved.headers["location"] == "/secretariat/editions/2029-rehearsal"
    with sqlite_db.read() as session:
        titles = {e.rehearsal: e.title_en for e in session.exec(select(Edition))}
    assert titles == {True: "Rehearsal 2029, renamed", False: edition_form()["title_en"]}
    path = f"/secretariat/editions/id/{rehearsal_id}/delete"
    page = staff_client.get(path).text
    assert 'class="button" href="/secretariat/editions/2029-rehearsal"' in page
    assert (
        staff_post(staff_client, path, {"typed_name": "Rehearsal 2029, renamed"}).status_code == 303
    )
    with sqlite_db.read() as session:
        assert [(e.year, e.rehearsal) for e in session.exec(select(Edition))] == [(2029, False)]
