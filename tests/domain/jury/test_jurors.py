"""Jurors: adding, importing (all rows or none), guardians' consent and the publication of
names, on SQLite and PostgreSQL. Links, replacement and conflicts: test_jury_links."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from prize.domain.applicants import attachments
from prize.domain.errors import DomainError, NotAllowed
from prize.domain.jury import jurors
from prize.domain.shared import audit
from prize.forms import jury as jury_forms
from prize.models import (
    AuditEvent,
    EditionState,
    Juror,
)
from prize.storage import FolderStore
from tests import factories, jury_factories
from tests.jury_factories import NOW, add_juror, invite, juror_data, outbox_of

# --------------------------------------------------------------------------- adding


def test_add_juror_stores_the_details_and_audits_by_id(db):
    made = jury_factories.make(db)
    juror = add_juror(db, made, juror_data())
    assert (juror.email, juror.country, juror.invited_at) == ("lena.novak@example.org", "SI", None)
    with db.read() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "juror.added")).one()
    assert (event.subject_kind, event.subject_id) == ("juror", juror.id)
    assert "Lena" not in str(event.data)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": " "}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"email": "not-an-address"}, "email"),
        ({"country": "XX"}, "country"),
        ({"birth_date": date(2027, 3, 2)}, "birth_date"),
        ({"language": "de"}, "language"),
        ({"guardian_name": "Mum"}, "guardian_consent_on"),
        ({"guardian_consent_on": date(2027, 2, 1)}, "guardian_name"),
        ({"birth_date": date(2010, 1, 1), "publish_name_consent": True}, "publish_name_consent"),
    ],
)
def test_add_juror_refuses_wrong_details(db, changes, field):
    made = jury_factories.make(db)
    with pytest.raises(DomainError) as refused:
        add_juror(db, made, juror_data(**changes))
    assert refused.value.field == field
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Juror)).one() == 0


def test_add_juror_refuses_an_address_already_on_the_jury(db):
    made = jury_factories.make(db)
    add_juror(db, made, juror_data())
    with pytest.raises(DomainError) as refused:
        add_juror(db, made, juror_data(email="lena.novak@example.ORG", first_name="Other"))
    assert refused.value.field == "email"


def test_jury_of_a_decided_edition_cannot_change(db):
    made = jury_factories.make(db, state=EditionState.decided)
    with pytest.raises(NotAllowed):
        add_juror(db, made, juror_data())


# --------------------------------------------------------------------------- importing


CSV_OK = """first_name,last_name,email,country,birth_date,language
Lena,Novak,lena@example.org,SI,2005-05-04,en
Zoé,Martin,zoe@example.org,France,2006-01-02,fr
"""


def test_import_adds_every_row(db):
    made = jury_factories.make(db)
    rows, errors = jury_forms.parse_csv(CSV_OK)
    assert errors == []
    with db.write() as session:
        added = jurors.import_jurors(
            session=session, actor=audit.SYSTEM, now=NOW, edition=made.edition, rows=rows
        )
    assert [(j.first_name, j.country, j.language) for j in added] == [
        ("Lena", "SI", "en"),
        ("Zoé", "FR", "fr"),
    ]


def test_import_with_one_wrong_row_imports_nothing_and_names_each_problem(db):
    made = jury_factories.make(db)
    text = (
        "first_name;last_name;email;country;birth_date\n"
        "Lena;Novak;lena@example.org;SI;2005-05-04\n"
        "Omar;Haddad;omar@example;JO;2004-13-01\n"
        "Ana;Kovač;lena@example.org;SI;2006-02-02\n"
    )
    rows, errors = jury_forms.parse_csv(text)
    with pytest.raises(jurors.ImportRefused) as refused, db.write() as session:
        jurors.import_jurors(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            edition=made.edition,
            rows=rows,
            parse_errors=errors,
        )
    problems = [(e.line, e.field, e.message.msgid) for e in refused.value.rows]
    assert problems == [
        (3, "birth_date", "Give the date of birth as YYYY-MM-DD."),
        (4, "email", "A juror of this edition has this address already."),
    ]
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(Juror)).one() == 0


def test_import_refuses_a_file_without_the_columns(db):
    rows, errors = jury_forms.parse_csv("name,mail\nLena,lena@example.org\n")
    assert rows == []
    assert [(e.line, e.message.params) for e in errors] == [
        (1, {"columns": "first_name, last_name, email, country, birth_date"})
    ]


def test_import_of_an_empty_file_is_refused(db):
    made = jury_factories.make(db)
    with pytest.raises(DomainError, match="no juror"), db.write() as session:
        jurors.import_jurors(
            session=session, actor=audit.SYSTEM, now=NOW, edition=made.edition, rows=[]
        )


def test_csv_reader_takes_a_byte_order_mark_tabs_and_optional_columns():
    text = "\ufefffirst name\tlast name\temail\tcountry\tbirth date\tguardian_name\tguardian_consent_date\tpublish_name_consent\n"
    text += "Ana\tKovač\tana@example.org\tsi\t2011-02-02\tMarta Kovač\t2027-01-10\tyes\n"
    rows, errors = jury_forms.parse_csv(text)
    assert errors == []
    ((line, data),) = rows
    assert (line, data.country, data.guardian_consent_on, data.publish_name_consent) == (
        2,
        "SI",
        date(2027, 1, 10),
        True,
    )
    assert jury_forms.read_upload(b"\xff\xfe") is None


# --------------------------------------------------------------------------- consent and invitations


def test_minor_cannot_be_invited_until_a_guardian_consents(db, tmp_path):
    made = jury_factories.make(db)
    minor = add_juror(db, made, juror_data(birth_date=date(2010, 6, 1)))
    with pytest.raises(NotAllowed, match="under 18"):
        invite(db, minor)
    assert outbox_of(db, "juror_invitation") == []
    with db.write() as session:
        jurors.record_consent(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, minor.id),
            guardian_name="Marta Novak",
            consent_on=date(2027, 2, 20),
            publish_name_consent=True,
        )
    with pytest.raises(NotAllowed, match="upload the signed form"):
        invite(db, minor)  # the consent needs its signed form too
    with db.write() as session:
        jurors.attach_guardian_form(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, minor.id),
            stored=attachments.store_upload(
                source=io.BytesIO(factories.PDF), store=FolderStore(tmp_path), max_bytes=10_000
            ),
            filename="consent.pdf",
            store=FolderStore(tmp_path),
        )
    invited = invite(db, minor)
    assert invited.invited_at == NOW
    assert invited.publish_name_consent is True


def test_age_is_counted_on_the_day_of_the_invitation(db):
    made = jury_factories.make(db)
    turning_18 = add_juror(db, made, juror_data(birth_date=date(2009, 3, 1)))
    with pytest.raises(NotAllowed):
        invite(db, turning_18, datetime(2027, 2, 28, 22, 59, tzinfo=UTC))  # 23:59 in Paris
    assert invite(db, turning_18, datetime(2027, 2, 28, 23, 1, tzinfo=UTC)).invited_at


@pytest.mark.parametrize(
    ("guardian", "consent_on", "publish", "field"),
    [
        ("", None, False, "consent_on"),
        ("Marta", None, False, "consent_on"),
        ("", date(2027, 2, 1), False, "guardian_name"),
        ("Marta", date(2027, 3, 2), False, "consent_on"),
        ("Marta", date(2009, 1, 1), False, "consent_on"),
    ],
)
def test_recording_consent_refuses_incomplete_answers(db, guardian, consent_on, publish, field):
    made = jury_factories.make(db)
    minor = add_juror(db, made, juror_data(birth_date=date(2010, 6, 1)))
    with pytest.raises(DomainError) as refused, db.write() as session:
        jurors.record_consent(
            session=session,
            actor=audit.SYSTEM,
            now=NOW,
            juror=session.get_one(Juror, minor.id),
            guardian_name=guardian,
            consent_on=consent_on,
            publish_name_consent=publish,
        )
    assert refused.value.field == field
