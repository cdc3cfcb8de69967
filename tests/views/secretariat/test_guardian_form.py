"""A minor juror's guardian's signed consent form: uploaded on the juror's page with the checks
applicants' files get, shown there as a download, needed before the invitation, and erased
(file too) with the juror's personal data."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
from sqlmodel import select

from prize.domain.applicants import attachments
from prize.domain.jury import jurors
from prize.domain.privacy import personal_data
from prize.domain.shared import audit
from prize.models import AuditEvent, EditionState, Juror
from prize.storage import FolderStore
from tests import factories
from tests.appkit import csrf_of, refused_page


@pytest.fixture
def minor_id(sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.shortlisting)
        juror = factories.juror(
            session=session,
            edition=edition,
            birth_date=date(2011, 5, 4),  # 15 on the test clock's day
            guardian_name="Mira Novak",
            guardian_consent_at=factories.OPENS,
        )
        return juror.id


def _upload(client, juror_id, name, data):
    token = csrf_of(client, "/secretariat/login")
    return client.post(
        f"/secretariat/jurors/{juror_id}/guardian/files",
        data={"csrf_token": token},
        files={"guardian_form": (name, data, "application/octet-stream")},
    )


def test_a_minor_is_invited_only_once_the_signed_form_is_uploaded(
    staff_client, sqlite_db, settings, minor_id
):
    page = staff_client.get(f"/secretariat/jurors/{minor_id}").text
    assert "signed form needed before the invitation" in page
    assert 'aria-describedby="consent-first"' in page  # the invite button waits
    response = _upload(staff_client, minor_id, "consent scan.pdf", factories.PDF)
    assert response.status_code == 303
    page = staff_client.get(response.headers["location"]).text
    assert "The guardian's signed form is kept." in html.unescape(page)
    assert "Signed form: consent scan.pdf" in page
    assert 'aria-describedby="consent-first"' not in page
    with sqlite_db.read() as session:
        juror = session.get_one(Juror, minor_id)
        kinds = list(session.exec(select(AuditEvent.kind)))
    assert (settings.storage_dir / juror.guardian_form).read_bytes() == factories.PDF
    assert "juror.guardian_form_added" in kinds
    download = staff_client.get(f"/secretariat/jurors/{minor_id}/guardian/form")
    assert download.content == factories.PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_a_form_that_is_not_a_pdf_jpeg_or_png_is_refused_next_to_its_field(
    staff_client, sqlite_db, settings, minor_id
):
    response = _upload(staff_client, minor_id, "consent.pdf", b"MZ\x90\x00 not a pdf")
    response = refused_page(staff_client, response)
    assert 'id="guardian_form-error"' in response.text
    assert "This file is not a PDF, JPEG or PNG." in response.text
    with sqlite_db.read() as session:
        assert session.get_one(Juror, minor_id).guardian_form == ""
    assert list(settings.storage_dir.glob("*")) == []


def test_uploading_again_replaces_the_earlier_form_on_disk(
    staff_client, sqlite_db, settings, minor_id
):
    _upload(staff_client, minor_id, "first.pdf", factories.PDF)
    _upload(staff_client, minor_id, "second.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with sqlite_db.read() as session:
        juror = session.get_one(Juror, minor_id)
    assert (juror.guardian_form_name, juror.guardian_form_type) == ("second.png", "image/png")
    assert [p.name for p in settings.storage_dir.iterdir()] == [juror.guardian_form]


def test_an_adviser_cannot_upload(adviser_client, minor_id):
    assert _upload(adviser_client, minor_id, "consent.pdf", factories.PDF).status_code == 403


def test_the_form_is_erased_with_the_jurors_personal_data(sqlite_db, tmp_path):
    storage = tmp_path / "storage"
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.shortlisting)
        juror = factories.juror(session=session, edition=edition, birth_date=date(2011, 5, 4))
        stored = attachments.store_upload(
            source=io.BytesIO(factories.PDF), store=FolderStore(storage), max_bytes=10_000
        )
        jurors.attach_guardian_form(
            session=session,
            actor=audit.SYSTEM,
            now=edition.opens_at,
            juror=juror,
            stored=stored,
            filename="consent.pdf",
            store=FolderStore(storage),
        )
        juror_id = juror.id
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2026, state=EditionState.published)
        juror = session.get_one(Juror, juror_id)
        juror.edition_id = edition.id
        personal_data.erase_juror(
            session=session,
            juror=juror,
            actor=audit.SYSTEM,
            now=edition.deadline,
            store=FolderStore(storage),
        )
    with sqlite_db.read() as session:
        erased = session.get_one(Juror, juror_id)
    assert (erased.guardian_form, erased.guardian_form_name) == ("", "")
    assert list(storage.iterdir()) == []
