"""The edition's tools: a new edition from it, and the jury pack of supporting files."""

from __future__ import annotations

import html
import io
import zipfile

from sqlmodel import select

from prize.models import ApplicationStatus, Edition, EditionState
from tests import factories
from tests.appkit import refused_page
from tests.staffkit import staff_post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_a_new_edition_from_the_previous_one_opens_its_settings(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        factories.edition(session=session, year=2027, state=EditionState.published)
    page = staff_client.get("/secretariat/editions/2027/copy").text
    assert 'value="2028"' in page
    response = staff_post(staff_client, "/secretariat/editions/2027/copy", {"year": "2028"})
    assert response.status_code == 303
    assert response.headers["location"] == "/secretariat/editions/2028/edit"
    form = staff_client.get(response.headers["location"]).text
    assert "The edition 2028 is created as a draft from 2027" in form
    assert 'value="European Drug Prevention Prize 2028"' in form
    with sqlite_db.read() as session:
        assert sorted(e.year for e in session.exec(select(Edition))) == [2027, 2028]


def test_a_new_edition_into_a_year_taken_is_refused_next_to_the_year(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        factories.edition(session=session, year=2027)
    response = staff_post(staff_client, "/secretariat/editions/2027/copy", {"year": "2027"})
    response = refused_page(staff_client, response)
    assert "There is already an edition 2027." in response.text
    assert 'value="2027"' in response.text
    wrong = staff_post(staff_client, "/secretariat/editions/2027/copy", {"year": "next"})
    wrong = refused_page(staff_client, wrong)
    assert "Enter a whole number." in wrong.text
    assert 'value="next"' in wrong.text


def test_the_jury_pack_holds_the_eligible_applications_files_by_reference(
    staff_client, sqlite_db, settings
):
    storage = settings.storage_dir
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027)
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            attachments=[("plan.pdf", factories.PDF), ("plan.pdf", factories.PDF + b"2")],
            storage_dir=storage,
        )
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.ineligible,
            attachments=[("secret.pdf", factories.PDF)],
            storage_dir=storage,
        )
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            attachments=[("photo.png", PNG)],
            storage_dir=storage,
        )
    response = staff_client.get("/secretariat/editions/2027/files.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="edpp-2027-eligible-files.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == [
        "EDPP-2027-0001/plan.pdf",
        "EDPP-2027-0001/plan (2).pdf",
        "EDPP-2027-0003/photo.png",
    ]
    assert archive.read("EDPP-2027-0001/plan (2).pdf") == factories.PDF + b"2"
    assert archive.read("EDPP-2027-0003/photo.png") == PNG


def test_the_jury_pack_without_files_says_so(staff_client, sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027)
        factories.application(session=session, edition=edition, status=ApplicationStatus.eligible)
    response = staff_client.get("/secretariat/editions/2027/files.zip")
    assert response.status_code == 409
    assert "No eligible application of this edition has a supporting file." in html.unescape(
        response.text
    )


def test_a_rehearsals_pack_is_named_as_one(staff_client, sqlite_db, settings):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, rehearsal=True)
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            attachments=[("plan.pdf", factories.PDF)],
            storage_dir=settings.storage_dir,
        )
    response = staff_client.get("/secretariat/editions/2027/files.zip")
    assert (
        'filename="rehearsal-edpp-2027-eligible-files.zip"'
        in response.headers["content-disposition"]
    )
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == [
        "REHEARSAL-2027-0001/plan.pdf"
    ]
