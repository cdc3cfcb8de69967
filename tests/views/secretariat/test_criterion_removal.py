"""Removing a criterion asks first, on a page of its own that says what it removes in numbers;
nothing is removed until it is confirmed, and a second confirmation does nothing more."""

from __future__ import annotations

from html import unescape

from sqlmodel import col, select

from prize.models import AuditEvent, Criterion, EditionState
from tests import factories
from tests.appkit import csrf_of, refused_page, text_of
from tests.staffkit import confirm_fields, confirm_page, staff_post

REMOVE = "/secretariat/editions/2027/criteria/{id}/remove"


def _edition_with_two_criteria(db):
    with db.write() as session:
        edition = factories.edition(session=session, state=EditionState.draft)
        second = Criterion(edition_id=edition.id, position=2, name_en="Efficiency", name_fr="E")
        session.add(second)
        session.flush()
        return second.id


def _names(db) -> list[str]:
    with db.read() as session:
        return [
            c.name_en for c in session.exec(select(Criterion).order_by(col(Criterion.position)))
        ]


def _removals(db) -> int:
    with db.read() as session:
        return len(
            session.exec(select(AuditEvent).where(AuditEvent.kind == "criterion.removed")).all()
        )


def test_the_edition_page_offers_removal_as_a_plain_form(staff_client, sqlite_db) -> None:
    criterion_id = _edition_with_two_criteria(sqlite_db)
    page = staff_client.get("/secretariat/editions/2027")
    # A form that posts (no script needed) to the route that answers with the confirmation page.
    assert f'<form method="post" action="{REMOVE.format(id=criterion_id)}"' in page.text


def test_removing_a_criterion_says_what_it_removes_and_removes_nothing_yet(
    staff_client, sqlite_db
) -> None:
    criterion_id = _edition_with_two_criteria(sqlite_db)
    page = confirm_page(staff_client, staff_post(staff_client, REMOVE.format(id=criterion_id)))
    shown = text_of(page.text)
    assert "<h1>Remove the criterion “Efficiency”</h1>" in unescape(page.text)
    assert (
        "The criterion “Efficiency” (position 2 of edition 2027) is removed, with its "
        "descriptions and its bands." in shown
    )
    assert "No juror's score refers to it: no score or ballot is removed." in shown
    assert "1 criterion remains, numbered in its order." in shown
    assert "This sends no e-mail." in shown
    assert "Cancel and go back: nothing is done" in shown
    assert _names(sqlite_db) == ["Innovation", "Efficiency"]  # nothing removed yet
    assert _removals(sqlite_db) == 0
    # A GET (a link followed, a page reloaded) shows the same page and removes nothing either.
    again = staff_client.get(REMOVE.format(id=criterion_id))
    assert "Remove the criterion" in again.text and "confirm_token" in again.text
    assert _names(sqlite_db) == ["Innovation", "Efficiency"]


def test_confirming_twice_removes_once(staff_client, sqlite_db) -> None:
    criterion_id = _edition_with_two_criteria(sqlite_db)
    page = confirm_page(staff_client, staff_post(staff_client, REMOVE.format(id=criterion_id)))
    fields = confirm_fields(page.text)
    done = staff_client.post(REMOVE.format(id=criterion_id), data=dict(fields))
    assert done.status_code == 303
    assert done.headers["location"] == "/secretariat/editions/2027"
    assert _names(sqlite_db) == ["Innovation"]
    assert "The criteria are saved." in staff_client.get("/secretariat/editions/2027").text
    # The same page confirmed again (a double click, a retry): nothing more happens.
    twice = staff_client.post(REMOVE.format(id=criterion_id), data=dict(fields))
    assert twice.status_code == 303
    assert "This was done already: it is not done twice." in text_of(
        staff_client.get(twice.headers["location"]).text
    )
    assert _names(sqlite_db) == ["Innovation"]
    assert _removals(sqlite_db) == 1


def test_the_page_counts_french_readers_in_french(staff_client, sqlite_db) -> None:
    criterion_id = _edition_with_two_criteria(sqlite_db)
    token = csrf_of(staff_client, "/secretariat/login")
    staff_client.post("/language", data={"csrf_token": token, "lang": "fr", "next": "/"})
    page = confirm_page(staff_client, staff_post(staff_client, REMOVE.format(id=criterion_id)))
    shown = text_of(page.text)
    assert "Supprimer le critère « Efficiency »" in shown
    assert (
        "Aucune note de juré ne s’y rapporte : aucune note ni aucun bulletin n’est supprimé."
        in shown
    )
    assert "1 critère reste, numéroté dans son ordre." in shown


def test_an_unknown_criterion_or_another_editions_removes_nothing(staff_client, sqlite_db) -> None:
    _edition_with_two_criteria(sqlite_db)
    with sqlite_db.write() as session:
        other = factories.edition(session=session, year=2028, state=EditionState.draft)
        other_id = session.exec(select(Criterion.id).where(Criterion.edition_id == other.id)).one()
    assert staff_client.get(REMOVE.format(id=999)).status_code == 404
    page = refused_page(  # 2028's, asked through 2027
        staff_client, staff_post(staff_client, REMOVE.format(id=other_id))
    )
    assert "There is no such criterion." in text_of(page.text)
    with sqlite_db.read() as session:
        assert len(session.exec(select(Criterion)).all()) == 3
