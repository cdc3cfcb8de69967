"""Public pages kept rendered (prize/pagecache.py), as readers see them: each gets their own
CSRF token, a change made here shows at once, the call closes at its deadline, a notice or a
receipt check's answer is never swallowed, and another process's change shows within the
kept page's lifetime."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from starlette.responses import RedirectResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from prize.app import create_app
from prize.db import Database
from prize.domain.editions import editions
from prize.domain.shared import audit
from prize.models import Edition
from prize.settings import SettingsError, load
from prize.views.common import flash
from tests.applykit import CALL_DEADLINE
from tests.views.public.test_static_and_gzip import _csrf, _publish

LIFETIME = 10  # the default PRIZE_PAGE_CACHE_SECONDS


def _retitle(database: Database, clock, title: str) -> None:
    with database.write() as session:
        edition = session.exec(
            select(Edition).where(Edition.year == 2027, ~col(Edition.rehearsal))
        ).one()
        editions.update_edition(
            session=session, actor=audit.SYSTEM, now=clock(), edition=edition,
            values={"title_en": title},
        )  # fmt: skip


def test_each_reader_gets_the_kept_call_page_with_their_own_token(app, client, open_call) -> None:
    first = client.get("/").text
    with TestClient(app, follow_redirects=False) as other:
        second = other.get("/").text
        mine, theirs = _csrf(first), _csrf(second)
        assert mine and theirs and mine != theirs
        assert first.replace(mine, "") == second.replace(theirs, "")
        assert "European Drug Prevention Prize 2027" in second
        switched = other.post("/language", data={"csrf_token": theirs, "lang": "fr", "next": "/"})
        assert switched.status_code == 303 and switched.cookies.get("lang") == "fr"
        assert '<html lang="fr">' in other.get("/").text
    assert client.get("/").text == first  # the same reader: the same token


def test_a_change_made_by_this_process_shows_at_once(client, open_call, sqlite_db, clock) -> None:
    assert "European Drug Prevention Prize 2027" in client.get("/").text
    _retitle(sqlite_db, clock, "The 2027 call, retitled")
    assert "The 2027 call, retitled" in client.get("/").text


def test_another_process_change_shows_once_the_kept_page_has_expired(
    client, open_call, sqlite_db, clock
) -> None:
    assert "European Drug Prevention Prize 2027" in client.get("/").text
    elsewhere = Database(
        sqlite_db.url, audit_keys=sqlite_db.audit_keys
    )  # another worker process, with a database of its own
    try:
        _retitle(elsewhere, clock, "Retitled by another worker")
    finally:
        elsewhere.dispose()
    clock.advance(seconds=LIFETIME - 1)
    assert "Retitled by another worker" not in client.get("/").text
    clock.advance(seconds=1)
    assert "Retitled by another worker" in client.get("/").text


def test_the_kept_call_page_closes_at_the_deadline(client, open_call, clock) -> None:
    clock.set(CALL_DEADLINE - timedelta(seconds=3))
    assert "Apply now" in client.get("/").text
    clock.set(CALL_DEADLINE)  # no write: the deadline alone ends the kept page
    closed = client.get("/").text
    assert "Apply now" not in closed and "Time left" not in closed


def test_a_deleted_draft_notice_is_shown_on_the_kept_call_page(applicant) -> None:
    client, application = applicant
    client.get("/")  # kept
    token = _csrf(client.get(f"/apply/{application.id}/delete").text)
    deleted = client.post(f"/apply/{application.id}/delete", data={"csrf_token": token})
    assert deleted.headers["location"] == "/"
    assert "Your draft is deleted, with its files." in client.get("/").text


def test_a_notice_without_any_write_is_not_swallowed_by_a_kept_page(app, client, open_call) -> None:
    def note_only(request):
        flash(request, "You are signed out.")
        return RedirectResponse("/", status_code=303)

    app.router.routes.insert(0, Route("/_note", note_only))
    client.get("/")  # kept
    client.get("/_note")
    assert "You are signed out." in client.get("/").text
    assert "You are signed out." not in client.get("/").text  # shown once


def test_a_receipt_check_answer_is_shown_on_the_kept_results_page(client, sqlite_db, clock) -> None:
    _publish(sqlite_db, clock)
    page = client.get("/editions/2027/results")
    assert client.get("/editions/2027/results").text == page.text  # kept
    checked = client.post(
        "/editions/2027/results/receipt",
        data={"csrf_token": _csrf(page.text), "receipt": "NOT-A-RECEIPT"},
    )
    assert checked.status_code == 303
    answered = client.get("/editions/2027/results").text
    assert "No counted ballot has this receipt code." in answered
    assert "No counted ballot" not in client.get("/editions/2027/results").text  # shown once


def test_a_kept_results_page_answers_304_to_its_own_reader_only(
    app, client, sqlite_db, clock
) -> None:
    _publish(sqlite_db, clock)
    client.get("/editions/2027/results")
    kept = client.get("/editions/2027/results")
    again = client.get("/editions/2027/results", headers={"If-None-Match": kept.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    with TestClient(app) as other:  # another reader's page holds another token: a new ETag
        theirs = other.get(
            "/editions/2027/results", headers={"If-None-Match": kept.headers["etag"]}
        )
        assert theirs.status_code == 200 and theirs.headers["etag"] != kept.headers["etag"]
        assert _csrf(theirs.text) != _csrf(kept.text)


def test_no_page_is_kept_when_the_lifetime_is_zero(settings, sqlite_db, clock, open_call) -> None:
    app = create_app(settings.with_(page_cache_seconds=0), clock=clock, database=sqlite_db)
    with TestClient(app) as client:
        assert "European Drug Prevention Prize 2027" in client.get("/").text
        elsewhere = Database(sqlite_db.url, audit_keys=sqlite_db.audit_keys)
        try:
            _retitle(elsewhere, clock, "Seen at once")
        finally:
            elsewhere.dispose()
        assert "Seen at once" in client.get("/").text


def test_the_lifetime_setting(monkeypatch) -> None:
    env = {"PRIZE_SECRET_KEYS": "k" * 32}
    assert load(env).page_cache_seconds == LIFETIME
    assert load({**env, "PRIZE_PAGE_CACHE_SECONDS": "0"}).page_cache_seconds == 0
    with pytest.raises(SettingsError, match="PRIZE_PAGE_CACHE_SECONDS must be zero or more"):
        load({**env, "PRIZE_PAGE_CACHE_SECONDS": "-1"})
