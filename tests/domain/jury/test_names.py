"""A juror's first name: corrected by the juror only while confirming it (the welcome step),
audited when corrected; once confirmed, a change is refused with a message. On SQLite and
PostgreSQL, and on the page."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from prize.domain.errors import NotAllowed
from prize.domain.jury import panel
from prize.models import AuditEvent, Juror
from tests import jury_factories
from tests.appkit import csrf_of, refused_page
from tests.jury_factories import NOW

CONFIRMED_ALREADY = (
    "Your first name is confirmed already and can no longer be changed here: write to the "
    "secretariat if it needs correcting."
)


def _lena(db) -> int:
    with db.write() as session:
        made = jury_factories.jury_edition(session=session)
        juror = jury_factories.juror(session=session, edition=made.edition, first_name="Lena")
        return juror.id


def _welcome(db, juror_id: int, first_name: str) -> None:
    with db.write() as session:
        juror = session.get_one(Juror, juror_id)
        panel.welcome(session=session, juror=juror, now=NOW, first_name=first_name, pledge=True)


def _events(db, juror_id: int) -> list[tuple[str, dict | None]]:
    with db.read() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.subject_kind == "juror", AuditEvent.subject_id == juror_id)
            .order_by(col(AuditEvent.id))
        ).all()
        return [(e.kind, e.data) for e in rows]


def test_a_correction_while_confirming_the_name_is_stored_and_audited_without_names(db):
    juror_id = _lena(db)
    before = _events(db, juror_id)
    _welcome(db, juror_id, " Léna ")
    with db.read() as session:
        assert session.get_one(Juror, juror_id).first_name == "Léna"
    added = _events(db, juror_id)[len(before) :]
    assert [kind for kind, _ in added] == ["juror.name_corrected", "juror.pledge_accepted"]
    assert added[0][1] == {"field": "first_name"}
    assert "Lena" not in str(added) and "Léna" not in str(added)  # people by id only


def test_confirming_the_name_unchanged_records_no_correction(db):
    juror_id = _lena(db)
    _welcome(db, juror_id, "Lena")
    assert "juror.name_corrected" not in [kind for kind, _ in _events(db, juror_id)]


def test_once_confirmed_the_name_cannot_be_changed_by_the_juror(db):
    juror_id = _lena(db)
    _welcome(db, juror_id, "Lena")
    before = _events(db, juror_id)
    with pytest.raises(NotAllowed) as refused:
        _welcome(db, juror_id, "Someone Else")
    assert (refused.value.field, refused.value.message.msgid) == ("first_name", CONFIRMED_ALREADY)
    with db.read() as session:
        assert session.get_one(Juror, juror_id).first_name == "Lena"
    assert _events(db, juror_id) == before
    _welcome(db, juror_id, "Lena")  # confirming it again is no change, and is accepted


def test_the_welcome_page_refuses_a_change_after_onboarding_next_to_the_field(
    juror_client, sqlite_db, jury
):
    token = csrf_of(juror_client, "/ballot/welcome")
    data = {"first_name": "Lena M.", "pledge": "yes", "csrf_token": token}
    assert juror_client.post("/ballot/welcome", data=data).status_code == 303  # corrected
    page = juror_client.post("/ballot/welcome", data={**data, "first_name": "Mallory"})
    page = refused_page(juror_client, page)
    assert f'id="first_name-error">{CONFIRMED_ALREADY}' in page.text
    assert 'value="Mallory"' in page.text  # what was typed is kept
    with sqlite_db.read() as session:
        assert session.get_one(Juror, jury.jurors[0].id).first_name == "Lena M."
