"""Autosave refuses a link that stopped working and a project that is not on the ballot, and says
so in the JSON the page shows to the juror."""

from __future__ import annotations

from sqlmodel import select

from prize.models import Juror, Score
from tests import jury_factories
from tests.appkit import csrf_of


def _onboard(client) -> None:
    client.post(
        "/ballot/welcome",
        data={
            "first_name": "Lena",
            "pledge": "yes",
            "csrf_token": csrf_of(client, "/ballot/welcome"),
        },
    )
    client.post(
        "/ballot/conflicts",
        data={"none": "yes", "csrf_token": csrf_of(client, "/ballot/conflicts")},
    )


def _scores(db) -> list[Score]:
    with db.read() as session:
        return list(session.exec(select(Score)))


def test_autosave_after_the_link_was_revoked_says_nothing_was_saved(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    reference = jury.applications[0].reference
    token = csrf_of(juror_client, f"/ballot/applications/{reference}")
    with sqlite_db.write() as session:
        juror = session.get_one(Juror, jury.jurors[0].id)
        juror.link_version += 1
        session.add(juror)
    response = juror_client.post(
        f"/ballot/applications/{reference}/save",
        data={"csrf_token": token, f"score-{jury.criteria[0].id}": "6"},
    )
    assert response.status_code == 410
    assert response.json() == {
        "message": "This link no longer works: nothing was saved.",
        "saved": False,
    }
    assert _scores(sqlite_db) == []


def test_autosave_of_a_project_not_on_the_ballot_is_refused(juror_client, sqlite_db, jury):
    _onboard(juror_client)
    response = juror_client.post(
        "/ballot/applications/NOT-A-REFERENCE/save",
        data={
            "csrf_token": csrf_of(juror_client, "/ballot"),
            f"score-{jury.criteria[0].id}": "6",
        },
    )
    assert response.status_code == 404
    assert response.json() == {"message": "This project is not on your ballot.", "saved": False}
    assert _scores(sqlite_db) == []


def test_autosave_after_the_ballot_was_submitted_answers_what_the_ballot_holds(
    juror_client, sqlite_db, clock, jury
):
    """Submitted in another tab: the change is refused, and the answer says what is stored, so
    that the page puts the refused choice back."""
    _onboard(juror_client)
    reference = jury.applications[0].reference
    token = csrf_of(juror_client, f"/ballot/applications/{reference}")
    jury_factories.submit_ballot(sqlite_db, clock(), jury, value=7)
    c1, c2 = (c.id for c in jury.criteria)
    response = juror_client.post(
        f"/ballot/applications/{reference}/save", data={"csrf_token": token, f"score-{c1}": "2"}
    )
    assert response.status_code == 409
    assert response.json()["saved"] is False
    assert response.json()["stored"] == {
        f"score-{c1}": "7",
        f"score-{c2}": "7",
        "comment": "",
        "abstain": "no",
        "abstain_reason": "",
    }
    assert {s.value for s in _scores(sqlite_db)} == {7}
