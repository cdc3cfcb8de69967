"""Internal notes on an application: staff only, dated and signed, audited, and erased with
the application's personal data."""

from __future__ import annotations

import pytest
from sqlmodel import select

from prize.domain.privacy import personal_data
from prize.domain.shared import audit
from prize.models import Application, ApplicationNote, AuditEvent, EditionState
from prize.storage import FolderStore
from tests import factories
from tests.appkit import refused_page
from tests.staffkit import staff_post


@pytest.fixture
def application_id(sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.screening)
        return factories.application(session=session, edition=edition).id


def test_a_note_is_shown_dated_and_signed_and_audited(
    staff_client, sqlite_db, application_id, officer
):
    response = staff_post(
        staff_client,
        f"/secretariat/applications/{application_id}/notes",
        {"note": "Phoned the applicant: the budget file follows."},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("#notes-h")
    page = staff_client.get(f"/secretariat/applications/{application_id}").text
    assert "The note is added." in page
    assert "Phoned the applicant: the budget file follows." in page
    assert f"· {officer.email}</p>" in page
    assert "Internal note added" in page  # the history names it
    with sqlite_db.read() as session:
        note = session.exec(select(ApplicationNote)).one()
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "application.note_added")
        ).one()
    assert (note.author_id, note.application_id) == (officer.id, application_id)
    assert event.data == {"note_id": note.id, "length": 46}
    assert "budget" not in str(event.data)


def test_an_empty_note_is_refused_next_to_its_box(staff_client, sqlite_db, application_id):
    response = staff_post(
        staff_client, f"/secretariat/applications/{application_id}/notes", {"note": "   "}
    )
    response = refused_page(staff_client, response)
    assert 'id="note-error"' in response.text and "Write the note." in response.text
    too_long = staff_post(
        staff_client, f"/secretariat/applications/{application_id}/notes", {"note": "x" * 5001}
    )
    too_long = refused_page(staff_client, too_long)
    assert "Use at most 5000 characters." in too_long.text or "Use at most 5,000" in too_long.text
    assert "x" * 5001 in too_long.text
    with sqlite_db.read() as session:
        assert session.exec(select(ApplicationNote)).all() == []


def test_an_adviser_reads_notes_but_cannot_add_one(
    staff_client, adviser_client, sqlite_db, application_id
):
    staff_post(staff_client, f"/secretariat/applications/{application_id}/notes", {"note": "Seen."})
    page = adviser_client.get(f"/secretariat/applications/{application_id}").text
    assert "Seen." in page
    assert "Add the note" not in page
    refused = staff_post(
        adviser_client, f"/secretariat/applications/{application_id}/notes", {"note": "Mine."}
    )
    assert refused.status_code == 403


def test_notes_are_erased_with_the_applications_personal_data(sqlite_db, tmp_path):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.published)
        app = factories.application(session=session, edition=edition)
        session.add(ApplicationNote(application_id=app.id, text="Her mobile is 0612."))
        session.flush()
        personal_data.erase_application(
            session=session,
            application=app,
            actor=audit.SYSTEM,
            now=edition.deadline,
            store=FolderStore(tmp_path),
        )
        erased = session.get_one(Application, app.id)
    with sqlite_db.read() as session:
        assert session.exec(select(ApplicationNote)).all() == []
        event = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "personal_data.erased")
        ).one()
    assert erased.erased_at is not None
    assert event.data["notes"] == 1
