"""The audit log and the dashboard's latest changes read as sentences, in the reader's language,
with people named as they are called now; the raw entry stays one click away."""

from __future__ import annotations

from sqlalchemy import text

from prize.domain.shared import audit
from prize.models import ActorKind, ApplicationStatus, Staff
from tests import factories, htmlpages
from tests.appkit import csrf_of, text_of


def _screened(db, clock, officer_id: int) -> str:
    """EDPP-2027-0001 marked ineligible by the officer, as the screening function records it."""
    with db.write() as session:
        edition = factories.edition(session=session)
        app = factories.application(session=session, edition=edition)
        audit.record(
            session=session,
            actor=audit.Actor(ActorKind.staff, officer_id),
            kind="application.screened",
            now=clock(),
            edition_id=edition.id,
            subject_kind="application",
            subject_id=app.id,
            data={"from": "submitted", "to": "ineligible", "rule": "not_prevention"},
        )
        return str(app.reference)


def _rename(db, staff_id: int, name: str) -> None:
    with db.write() as session:
        person = session.get_one(Staff, staff_id)
        person.name = name
        session.add(person)


def _in_french(client) -> None:
    token = csrf_of(client, "/secretariat")
    client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/secretariat"})


def test_audit_log_reads_a_screening_decision_as_a_sentence(
    staff_client, officer, sqlite_db, clock
):
    _rename(sqlite_db, officer.id, "Anna Officer")
    reference = _screened(sqlite_db, clock, officer.id)
    page = staff_client.get("/secretariat/audit").text
    htmlpages.save("secretariat_audit_sentences", page)
    assert (
        f"Anna Officer marked {reference} ineligible. "
        "The project is not wholly or mainly drug prevention."
    ) in page
    assert "<summary>The entry as recorded</summary>" in page
    assert "&#34;rule&#34;: &#34;not_prevention&#34;" in page  # the raw event, on demand


def test_audit_log_reads_in_french(staff_client, officer, sqlite_db, clock):
    _rename(sqlite_db, officer.id, "Anna Officer")
    reference = _screened(sqlite_db, clock, officer.id)
    _in_french(staff_client)
    page = staff_client.get("/secretariat/audit").text
    assert (
        f"Anna Officer a déclaré {reference} non recevable. "
        "Le projet ne relève pas entièrement ou principalement de la prévention des drogues."
    ) in page
    assert "<summary>L’entrée telle qu’enregistrée</summary>" in page


def test_renamed_staff_member_appears_under_the_current_name(
    staff_client, officer, sqlite_db, clock
):
    _rename(sqlite_db, officer.id, "Anna Officer")
    reference = _screened(sqlite_db, clock, officer.id)
    _rename(sqlite_db, officer.id, "Anna Kowalska")
    page = staff_client.get("/secretariat/audit").text
    assert f"Anna Kowalska marked {reference} ineligible." in page
    assert "Anna Officer" not in page
    with sqlite_db.read() as session:  # the log itself still holds the id only
        stored = session.exec(
            text("SELECT actor_id, data FROM audit_event WHERE kind = 'application.screened'")
        ).one()
    assert stored[0] == officer.id and "Anna" not in stored[1]


def test_dashboard_lists_the_latest_changes_as_sentences(staff_client, officer, sqlite_db, clock):
    _rename(sqlite_db, officer.id, "Anna Officer")
    reference = _screened(sqlite_db, clock, officer.id)
    page = staff_client.get("/secretariat").text
    latest = page.split('id="latest-h"', 1)[1]
    assert f"Anna Officer marked {reference} ineligible." in latest
    assert "Prize added the staff account of Anna Officer." in latest
    _in_french(staff_client)
    latest = staff_client.get("/secretariat").text.split('id="latest-h"', 1)[1]
    assert f"Anna Officer a déclaré {reference} non recevable." in latest


def test_unknown_kinds_and_values_fall_back_to_a_generic_sentence(
    staff_client, officer, sqlite_db, clock
):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session)
        for kind, data in (
            ("robot.arrived", {"anything": 1}),
            ("edition.moved", {"from": "hibernating", "to": 42}),
            ("application.screened", {"to": "sideways"}),
            ("jury.reminded", {"jurors": "not a list"}),
        ):
            audit.record(
                session=session,
                actor=audit.Actor(ActorKind.staff, officer.id),
                kind=kind,
                now=clock(),
                edition_id=edition.id,
                subject_kind="application",
                subject_id=999,
                data=data,
            )
    with sqlite_db.engine.begin() as connection:  # a kind of actor this version does not know
        connection.execute(text("UPDATE audit_event SET actor_kind = 'robot' WHERE id = 1"))
    response = staff_client.get("/secretariat/audit")
    page = response.text
    assert response.status_code == 200
    assert "officer@example.org: robot.arrived (application #999)." in page
    assert "officer@example.org moved the edition 2027 from hibernating to 42." in page
    assert "officer@example.org set application #999 to sideways." in page
    assert "officer@example.org: jury.reminded (application #999)." in page
    assert "Someone (robot) added the staff account of officer@example.org." in page
    _in_french(staff_client)
    page = staff_client.get("/secretariat/audit").text
    assert "officer@example.org a fait passer l’édition 2027 de hibernating à 42." in page


def test_applicant_is_named_by_the_application_reference(staff_client, sqlite_db, clock):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session)
        app = factories.application(
            session=session, edition=edition, status=ApplicationStatus.submitted
        )
        audit.record(
            session=session,
            actor=audit.Actor(ActorKind.applicant, app.id),
            kind="application.submitted",
            now=clock(),
            edition_id=edition.id,
            subject_kind="application",
            subject_id=app.id,
        )
    page = staff_client.get("/secretariat/audit").text
    assert f"The applicant of {app.reference} submitted {app.reference}." in page


def test_the_editions_latest_changes_read_as_sentences_in_both_languages(
    staff_client, officer, sqlite_db, clock
):
    _rename(sqlite_db, officer.id, "Anna Officer")
    reference = _screened(sqlite_db, clock, officer.id)
    page = text_of(staff_client.get("/secretariat/editions/2027").text)
    latest = page[page.index("Latest changes") :]
    assert f"Anna Officer marked {reference} ineligible." in latest
    assert "screening.decided" not in page and "application.screened" not in page
    _in_french(staff_client)
    page = text_of(staff_client.get("/secretariat/editions/2027").text)
    assert f"Anna Officer a déclaré {reference} non recevable." in page
