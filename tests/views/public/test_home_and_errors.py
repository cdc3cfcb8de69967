"""The foundation: the home page, headers, languages and error pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.editions.criteria import CriterionSpec
from prize.domain.shared import audit
from prize.models import Edition, EditionState, pk


def open_edition(db, clock, year=2027):
    with db.write() as session:
        edition = editions.create_edition(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            year=year,
            title_en=f"European Drug Prevention Prize {year}",
            title_fr=f"Prix européen de prévention des drogues {year}",
            opens_at=datetime(2027, 1, 1, tzinfo=UTC),
            deadline=datetime(2027, 6, 30, 20, tzinfo=UTC),
            criteria=[
                CriterionSpec(
                    "Innovation",
                    "New ideas",
                    name_fr="Innovation",
                    description_fr="Des idées nouvelles",
                )
            ],
        )
        transitions.move(
            session=session, edition=edition, to=EditionState.open, actor=audit.SYSTEM, now=clock()
        )
    return edition


def test_home_without_edition_says_no_open_call(client):
    page = client.get("/")
    assert "There is no open call at the moment." in page.text
    assert '<html lang="en">' in page.text


def test_home_in_french_from_accept_language(client):
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in page.text


def test_the_language_cookie_wins_over_accept_language_and_a_bad_one_is_ignored(app):
    from starlette.testclient import TestClient

    french = {"Accept-Language": "fr"}
    cases = [
        ("lang=en", french, "en"),  # the switcher's choice wins
        ("lang=fr", {"Accept-Language": "en"}, "fr"),
        ("lang=de", french, "fr"),  # not one of ours: the browser's languages decide
        ('=; lang; ;="x', french, "fr"),  # a malformed header breaks nothing
    ]
    with TestClient(app) as client:
        for cookie, headers, shown in cases:
            page = client.get("/", headers={**headers, "Cookie": cookie})
            assert page.status_code == 200
            assert f'<html lang="{shown}">' in page.text, cookie


def test_security_headers_on_every_response(client):
    for path in ("/", "/no-such-page"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_unknown_page_is_a_clear_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_lifecycle_move_is_audited(db, clock):
    open_edition(db, clock)
    with db.read() as session:
        assert editions.get_by_year(session=session, year=2027).state is EditionState.open
        assert audit.verify(session=session).ok
        assert audit.verify(session=session).checked == 2


def test_pk_is_a_stored_rows_id_and_refuses_a_row_never_flushed(db, clock):
    edition = open_edition(db, clock)
    assert pk(edition) == edition.id
    with pytest.raises(ValueError) as refused:
        pk(Edition(year=2030, title_en="Not stored"))
    assert str(refused.value) == "this Edition has no id yet: flush it first"
