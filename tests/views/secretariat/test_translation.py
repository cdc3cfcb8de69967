"""The translation page covers every free-text answer a juror reads, each box with its own
label, and an application is marked translated only once all of them are done."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from prize.models import Application, ApplicationStatus, AuditEvent, EditionState
from tests import factories
from tests.staffkit import staff_post

ALL = {
    "title": "Friday Coffee",
    "goals": "Reach young people over coffee.",
    "summary": "A weekly coffee where pupils talk about drugs.",
    "participation": "Pupils run it.",
    "involvement_strategy": "They set the year's plan.",
    "involvement_structures": "Two pupils sit on the board.",
    "involvement_activities": "They host every coffee.",
    "involvement_evaluation": "They survey the guests.",
}


@pytest.fixture
def french_application(sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.screening)
        app = factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            language="fr",
            title="Café du vendredi",
            involvement={
                "strategy": {"involved": True, "how": "Ils fixent le plan de l'année."},
                "structures": {"involved": True, "how": "Deux élèves siègent au conseil."},
                "activities": {"involved": True, "how": "Ils animent chaque café."},
                "evaluation": {"involved": True, "how": "Ils interrogent les invités."},
            },
        )
        return app.id


def _labels(page: str) -> list[str]:
    return re.findall(r'<label for="[a-z_]+">([^<]+)</label>', page)


def test_every_text_the_jury_reads_has_its_own_labelled_box(staff_client, french_application):
    page = staff_client.get(f"/secretariat/applications/{french_application}/translation").text
    labels = [label.strip() for label in _labels(page)]
    assert labels == [
        "Title, in English",
        "Prevention goals, in English",
        "Summary, in English",
        "How young people take part, in English",
        "Youth involvement — Strategy, in English",
        "Youth involvement — Structures and decision-making, in English",
        "Youth involvement — Activities, in English",
        "Youth involvement — Evaluation, in English",
    ]
    assert "Deux élèves siègent au conseil." in page
    assert "8 texts still need a translation" in page


def _tag(staff_client) -> str:
    listing = staff_client.get("/secretariat/editions/2027/applications").text
    return (
        "partly"
        if "partly translated" in listing
        else ("done" if ">translated<" in listing else "none")
    )


def test_an_application_is_translated_only_when_every_text_is(
    staff_client, sqlite_db, french_application
):
    path = f"/secretariat/applications/{french_application}/translation"
    partial = {**ALL, "involvement_evaluation": ""}
    assert staff_post(staff_client, path, partial).status_code == 303
    assert _tag(staff_client) == "partly"
    page = staff_client.get(path).text
    assert "1 text still needs a translation" in page
    assert staff_post(staff_client, path, ALL).status_code == 303
    assert _tag(staff_client) == "done"
    assert "Every text the jury reads has an English translation." in staff_client.get(path).text
    with sqlite_db.read() as session:
        assert session.get_one(Application, french_application).translation == ALL
        events = session.exec(
            select(AuditEvent.data)
            .where(AuditEvent.kind == "application.translated")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [e["complete"] for e in events] == [False, True]
    assert events[1]["fields"] == ["involvement_evaluation"]


def test_the_jury_reads_the_translated_involvement_answers(
    staff_client, sqlite_db, french_application
):
    staff_post(staff_client, f"/secretariat/applications/{french_application}/translation", ALL)
    page = staff_client.get(f"/secretariat/applications/{french_application}").text
    assert "Two pupils sit on the board." in page
