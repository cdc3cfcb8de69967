"""Once results are decided, the jury that made them no longer changes; erased jurors stay
readable in the back office."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from prize.domain.errors import NotAllowed
from prize.domain.jury import conflicts, jurors
from prize.domain.shared import audit
from prize.models import Conflict, EditionState, Juror
from tests import jury_factories as jf
from tests.staffkit import login, make_staff


@pytest.mark.parametrize("state", [EditionState.decided, EditionState.published])
def test_no_conflict_can_be_recorded_once_results_are_decided(db, state):
    with db.write() as session:
        made = jf.jury_edition(session=session, state=state)
        person = jf.juror(session=session, edition=made.edition, invited=False)
    with db.write() as session, pytest.raises(NotAllowed) as refused:
        conflicts.record_conflict(
            session=session,
            actor=audit.SYSTEM,
            now=jf.NOW,
            juror=session.get_one(Juror, person.id),
            application=made.applications[0],
            reason="Her cousin runs it.",
        )
    assert str(refused.value) == "The results are decided: conflicts can no longer be recorded."
    with db.read() as session:
        assert session.exec(select(Conflict)).all() == []


def test_publication_consent_cannot_change_after_publication(db):
    with db.write() as session:
        made = jf.jury_edition(session=session, state=EditionState.published)
        person = jf.juror(
            session=session, edition=made.edition, invited=False, publish_name_consent=True
        )
    with db.write() as session, pytest.raises(NotAllowed) as refused:
        jurors.record_consent(
            session=session,
            actor=audit.SYSTEM,
            now=jf.NOW,
            juror=session.get_one(Juror, person.id),
            guardian_name="",
            consent_on=None,
            publish_name_consent=False,
        )
    assert "The results are published" in str(refused.value)
    with db.read() as session:
        assert session.get_one(Juror, person.id).publish_name_consent is True


def test_jury_page_lists_a_juror_whose_personal_data_was_erased(client, sqlite_db, clock):
    with sqlite_db.write() as session:
        made = jf.jury_edition(session=session, state=EditionState.published)
        jf.juror(
            session=session,
            edition=made.edition,
            first_name="Zoe",
            invited=False,
            birth_date=date(2010, 1, 1),
        )
        erased = jf.juror(
            session=session,
            edition=made.edition,
            first_name="Ana",
            invited=False,
            email="ana@example.org",
        )
        erased.birth_date = None
        erased.last_name = ""
        erased.erased_at = jf.NOW
        session.add(erased)
    make_staff(sqlite_db, clock())
    login(client)

    page = client.get(f"/secretariat/editions/{made.year}/jury")

    assert page.status_code == 200
    assert "Zoe" in page.text and "Ana" in page.text
