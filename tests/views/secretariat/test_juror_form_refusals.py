"""The secretariat's juror forms refuse what they cannot do, and say why where it belongs: next
to the field it concerns, or above the form when it concerns none; what was typed is kept."""

from __future__ import annotations

from sqlmodel import func, select

from prize.models import Conflict, Edition, EditionState, Juror
from tests.appkit import csrf_of, refused_page

ADD = "/secretariat/editions/2027/jury/add"
NEW_JUROR = {
    "first_name": "Omar",
    "last_name": "Haddad",
    "email": "omar@example.org",
    "country": "JO",
    "birth_date": "2004-02-03",
    "language": "en",
}


def _post(client, path: str, page: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client, page), **data})


def _count(db, model) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _decide(db, jury) -> None:
    with db.write() as session:
        edition = session.get_one(Edition, jury.edition.id)
        edition.state = EditionState.decided
        session.add(edition)


def test_adding_a_juror_once_results_are_decided_says_why_above_the_form(
    staff_client, sqlite_db, jury
):
    token = csrf_of(staff_client, ADD)
    _decide(sqlite_db, jury)
    page = staff_client.post(ADD, data={"csrf_token": token, **NEW_JUROR})
    page = refused_page(staff_client, page)
    assert (
        '<p class="error" role="alert">The jury of a decided edition can no longer change.</p>'
        in page.text
    )
    assert 'id="email-error"' not in page.text
    assert 'value="Omar"' in page.text and 'value="omar@example.org"' in page.text
    assert _count(sqlite_db, Juror) == 1


def test_replacing_a_juror_once_results_are_decided_keeps_the_reason_typed(
    staff_client, sqlite_db, jury
):
    path = f"/secretariat/jurors/{jury.jurors[0].id}/replace"
    token = csrf_of(staff_client, path)
    _decide(sqlite_db, jury)
    page = staff_client.post(
        path, data={"csrf_token": token, **NEW_JUROR, "reason": "Moved abroad"}
    )
    page = refused_page(staff_client, page)
    assert (
        '<p class="error" role="alert">The jury of a decided edition can no longer change.</p>'
        in page.text
    )
    assert 'value="Moved abroad"' in page.text and 'value="Haddad"' in page.text
    assert _count(sqlite_db, Juror) == 1


def test_recording_a_conflict_without_a_project_asks_for_one(staff_client, sqlite_db, jury):
    page_path = f"/secretariat/jurors/{jury.jurors[0].id}"
    for chosen in ("", "999999"):
        page = _post(
            staff_client,
            f"{page_path}/conflicts",
            page_path,
            application=chosen,
            reason="Her cousin runs it",
        )
        page = refused_page(staff_client, page)
        assert 'id="application-error">Choose a project.' in page.text
        assert 'value="Her cousin runs it"' in page.text
    assert _count(sqlite_db, Conflict) == 0


def test_reopening_a_ballot_that_is_not_the_jurors_is_refused(staff_client, jury):
    page_path = f"/secretariat/jurors/{jury.jurors[0].id}"
    page = _post(
        staff_client, f"{page_path}/reopen", page_path, ballot="999999", reopen_reason="Typo"
    )
    page = refused_page(staff_client, page)
    assert '<p class="error" role="alert">There is no such ballot.</p>' in page.text


def test_importing_a_file_that_is_not_utf8_csv_is_refused_and_keeps_the_pasted_text(
    staff_client, sqlite_db, jury
):
    path = "/secretariat/editions/2027/jury/import"
    page = staff_client.post(
        path,
        data={"csrf_token": csrf_of(staff_client, path), "pasted": "first_name,last_name"},
        files={"file": ("jury.csv", "Zoë,Ström\n".encode("latin-1"), "text/csv")},
    )
    page = refused_page(staff_client, page)
    assert "Save the file as CSV in UTF-8, at most 256 KB." in page.text
    assert "first_name,last_name" in page.text
    assert _count(sqlite_db, Juror) == 1
