"""One person's data: exported as JSON, erased after publication with results and audit intact."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from prize.domain.errors import DomainError, NotAllowed
from prize.domain.privacy import personal_data
from prize.domain.shared import audit
from prize.models import (
    ActorKind,
    Application,
    ApplicationContent,
    Attachment,
    AuditEvent,
    EditionState,
    Juror,
    OutboxMessage,
)
from prize.storage import FolderStore
from tests import factories, htmlpages
from tests.appkit import csrf_of, refused_page
from tests.staffkit import login, make_staff

OFFICER = audit.Actor(ActorKind.staff, 1)
NOW = datetime(2029, 3, 1, 10, tzinfo=UTC)


def _mail(session, to, edition_id, body="Hello Amra"):
    message = OutboxMessage(
        kind="test",
        edition_id=edition_id,
        recipient=to,
        subject=f"About {body}",
        body=body,
        message_id=f"<{to}-{edition_id}-{body}@test>",
        created_at=NOW,
        next_attempt_at=NOW,
    )
    session.add(message)
    session.flush()
    return message


def _seed(db, storage_dir):
    """Amra applied in 2016 (published) and 2027 (open); she is a contact on a 2016 application
    of someone else; Lena was a 2016 juror without consent to publish her name."""
    with db.write() as session:
        old = factories.edition(session=session, year=2016, state=EditionState.published)
        new = factories.edition(session=session, year=2027, state=EditionState.open)
        mine = factories.application(
            session=session,
            edition=old,
            email="Amra@Example.org",
            title="Intercity Theatre",
            organisation="Youth Stage Association",
            countries=["BA"],
            attachments=[("photo.pdf", factories.PDF)],
            storage_dir=storage_dir,
        )
        factories.winner(session=session, application=mine)
        audit.record(
            session=session,
            actor=audit.Actor(ActorKind.applicant, mine.id),
            kind="application.submitted",
            now=NOW,
            edition_id=old.id,
            subject_kind="application",
            subject_id=mine.id,
        )
        theirs = factories.application(
            session=session,
            edition=old,
            email="boss@example.org",
            contact_person_email="amra@example.org",
        )
        current = factories.application(session=session, edition=new, email="amra@example.org")
        juror = factories.juror(
            session=session,
            edition=old,
            email="lena@example.org",
            first_name="Lena",
            last_name="Novak",
            publish_name_consent=False,
            guardian_name="Ana Novak",
        )
        consenting = factories.juror(
            session=session, edition=old, email="marko@example.org", first_name="Marko"
        )
        _mail(session, "amra@example.org", old.id)
        _mail(session, "amra@example.org", new.id, body="Your 2027 draft")
        _mail(session, "lena@example.org", old.id, body="Your ballot")
    return {
        "old": old,
        "new": new,
        "mine": mine,
        "theirs": theirs,
        "current": current,
        "juror": juror,
        "consenting": consenting,
    }


def test_export_holds_everything_about_the_address(db, tmp_path):
    seeded = _seed(db, tmp_path)
    with db.write() as session:
        document = personal_data.export_person(
            session=session, email=" AMRA@example.org ", now=NOW, actor=OFFICER
        )
    text = json.dumps(document)  # it is plain JSON
    assert document["email"] == "amra@example.org"
    apps = {a["id"]: a for a in document["applications"]}
    assert set(apps) == {seeded["mine"].id, seeded["theirs"].id, seeded["current"].id}
    assert apps[seeded["theirs"].id]["role"] == "contact"
    mine = apps[seeded["mine"].id]
    assert (mine["edition"], mine["reference"], mine["role"]) == (
        2016,
        "EDPP-2016-0001",
        "applicant",
    )
    [content] = mine["contents"]
    assert content["title"] == "Intercity Theatre"
    assert content["phone"] == "+387 33 000 000"
    assert content["attachments"][0]["file_name"] == "photo.pdf"
    assert {m["body"] for m in document["messages"]} == {"Hello Amra", "Your 2027 draft"}
    assert "link_version" not in text
    [event] = _events(db, "personal_data.exported")
    assert sorted(event.data["applications"]) == sorted(apps)
    assert "amra" not in json.dumps(event.data)


def test_export_refuses_something_that_is_not_an_address(db):
    with db.read() as session, pytest.raises(DomainError) as error:
        personal_data.export_person(session=session, email="nobody", now=NOW)
    assert error.value.field == "email"


def _events(db, kind):
    with db.read() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.kind == kind)))


def test_erasing_an_applicant_keeps_what_was_published_and_the_audit_chain(db, tmp_path):
    seeded = _seed(db, tmp_path)
    with db.read() as session:
        [stored] = session.exec(select(Attachment.stored_name)).all()
    assert (tmp_path / stored).exists()
    with db.write() as session:
        report = personal_data.erase_person(
            session=session,
            email="amra@example.org",
            actor=OFFICER,
            now=NOW,
            store=FolderStore(tmp_path),
        )
    assert report.applications == [seeded["mine"].id]
    assert report.waiting == [2027]
    with db.read() as session:
        app = session.get_one(Application, seeded["mine"].id)
        content = session.exec(
            select(ApplicationContent).where(ApplicationContent.application_id == app.id)
        ).one()
        assert app.erased_at == NOW
        assert app.email == f"application-{app.id}@erased.invalid"
        assert (content.title, content.organisation, content.countries) == (
            "Intercity Theatre",
            "Youth Stage Association",
            ["BA"],
        )
        assert (content.applicant_name, content.phone, content.address, content.contact_email) == (
            "",
            "",
            "",
            "",
        )
        assert session.exec(select(Attachment)).all() == []
        messages = {m.body for m in session.exec(select(OutboxMessage))}
        assert "Hello Amra" not in messages
        assert "Your 2027 draft" in messages  # the live edition is left alone
        assert session.get_one(Application, seeded["current"].id).email == "amra@example.org"
        assert audit.verify(session=session).ok
    assert not (tmp_path / stored).exists()
    [event] = _events(db, "personal_data.erased")
    assert (event.subject_kind, event.subject_id, event.data) == (
        "application",
        app.id,
        {"files": 1},
    )


def test_erasure_before_publication_is_refused(db, tmp_path):
    seeded = _seed(db, tmp_path)
    with db.write() as session:
        app = session.get_one(Application, seeded["current"].id)
        with pytest.raises(NotAllowed) as error:
            personal_data.erase_application(
                session=session,
                application=app,
                actor=OFFICER,
                now=NOW,
                store=FolderStore(tmp_path),
            )
    assert "edition 2027 is open" in str(error.value)
    with db.write() as session, pytest.raises(NotAllowed) as refused:
        seeded_new = session.get_one(Application, seeded["current"].id)
        seeded_new.email = "only2027@example.org"
        session.add(seeded_new)
        session.flush()
        personal_data.erase_person(
            session=session,
            email="only2027@example.org",
            actor=OFFICER,
            now=NOW,
            store=FolderStore(tmp_path),
        )
    assert "(2027)" in str(refused.value)


def test_erasing_an_unknown_address_is_refused(db, tmp_path):
    with db.write() as session, pytest.raises(DomainError) as error:
        personal_data.erase_person(
            session=session,
            email="ghost@example.org",
            actor=OFFICER,
            now=NOW,
            store=FolderStore(tmp_path),
        )
    assert str(error.value) == "Nothing is held about this address."


def test_erasing_a_juror_keeps_a_consented_first_name_only(db, tmp_path):
    seeded = _seed(db, tmp_path)
    with db.write() as session:
        report = personal_data.erase_person(
            session=session,
            email="lena@example.org",
            actor=OFFICER,
            now=NOW,
            store=FolderStore(tmp_path),
        )
        consenting = session.get_one(Juror, seeded["consenting"].id)
        personal_data.erase_juror(session=session, juror=consenting, actor=OFFICER, now=NOW)
    assert report.jurors == [seeded["juror"].id]
    with db.read() as session:
        lena = session.get_one(Juror, seeded["juror"].id)
        marko = session.get_one(Juror, seeded["consenting"].id)
        assert (lena.first_name, lena.last_name, lena.birth_date, lena.guardian_name) == (
            "",
            "",
            None,
            "",
        )
        assert lena.email == f"juror-{lena.id}@erased.invalid"
        assert lena.erased_at == NOW
        assert lena.country == "SI"
        assert (marko.first_name, marko.last_name, marko.birth_date) == ("Marko", "", None)
        bodies = [
            m.body for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))
        ]
        assert "Your ballot" not in bodies
        assert audit.verify(session=session).ok


def test_erasing_twice_changes_nothing_more(db, tmp_path):
    seeded = _seed(db, tmp_path)
    for _ in range(2):
        with db.write() as session:
            app = session.get_one(Application, seeded["mine"].id)
            personal_data.erase_application(
                session=session,
                application=app,
                actor=OFFICER,
                now=NOW,
                store=FolderStore(tmp_path),
            )
    assert len(_events(db, "personal_data.erased")) == 1


# --------------------------------------------------------------------------- the page


def test_personal_data_page_finds_exports_and_erases(staff_client, sqlite_db, settings):
    seeded = _seed(sqlite_db, settings.storage_dir)
    token = csrf_of(staff_client, "/secretariat/personal-data")
    found = staff_client.post(
        "/secretariat/personal-data", data={"email": "amra@example.org", "csrf_token": token}
    )
    assert found.headers["location"].startswith("/secretariat/personal-data?")  # no address
    found = refused_page(staff_client, found)
    htmlpages.save("staff-personal-data", found.text)
    assert "Held about amra@example.org" in found.text
    assert "EDPP-2016-0001" in found.text
    assert "2 e-mails were sent to this address." in found.text
    download = staff_client.post(
        "/secretariat/personal-data/export", data={"email": "amra@example.org", "csrf_token": token}
    )
    assert download.headers["content-disposition"] == 'attachment; filename="personal-data.json"'
    assert len(download.json()["applications"]) == 3
    unconfirmed = staff_client.post(
        "/secretariat/personal-data/erase", data={"email": "amra@example.org", "csrf_token": token}
    )
    unconfirmed = refused_page(staff_client, unconfirmed)
    assert 'id="confirm-error">Tick the box to confirm the erasure.' in unconfirmed.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, seeded["mine"].id).erased_at is None
    erased = staff_client.post(
        "/secretariat/personal-data/erase",
        data={"email": "amra@example.org", "confirm": "yes", "csrf_token": token},
    )
    assert erased.status_code == 303
    page = staff_client.get(erased.headers["location"])
    assert "Personal data erased from 1 applications and 0 juror records." in page.text
    assert "Records in editions not published yet were kept: 2027." in page.text
    with sqlite_db.read() as session:
        assert session.get_one(Application, seeded["mine"].id).erased_at is not None


def test_personal_data_page_is_for_the_secretariat_only(client, sqlite_db, clock):
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, email="adviser@example.org")
    page = client.get("/secretariat/personal-data")
    assert page.status_code == 403
    assert "Not allowed" in page.text


def test_erasure_refused_before_publication_on_the_page(staff_client, sqlite_db, settings):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, state=EditionState.screening)
        factories.application(session=session, edition=edition, email="new@example.org")
    token = csrf_of(staff_client, "/secretariat/personal-data")
    response = staff_client.post(
        "/secretariat/personal-data/erase",
        data={"email": "new@example.org", "confirm": "yes", "csrf_token": token},
    )
    response = refused_page(staff_client, response)
    assert "only in editions not published yet (2027)" in response.text
    with sqlite_db.read() as session:
        kept = session.exec(select(Application).where(Application.email == "new@example.org"))
        assert [a.erased_at for a in kept] == [None]


def test_export_leaves_out_the_tokens_of_personal_links(db, tmp_path):
    _seed(db, tmp_path)
    with db.write() as session:
        session.add(
            OutboxMessage(
                kind="test",
                recipient="amra@example.org",
                subject="Your link",
                body="Open http://testserver/ballot/link/WzEsMV0.abc.def to vote.\n",
                message_id="<link@test>",
                created_at=NOW,
                next_attempt_at=NOW,
            )
        )
    with db.write() as session:
        document = personal_data.export_person(
            session=session, email="amra@example.org", now=NOW, actor=OFFICER
        )
    bodies = [m["body"] for m in document["messages"] if m["subject"] == "Your link"]
    assert bodies == ["Open http://testserver/ballot/link/[redacted] to vote.\n"]
