"""The juror form offers the edition's eligible countries, and only those."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from prize.models import EditionState, Juror
from tests import factories
from tests.appkit import refused_page
from tests.staffkit import staff_post


def _edition_without_mexico_with_kosovo(sqlite_db):
    with sqlite_db.write() as session:
        edition = factories.edition(session=session, year=2027, state=EditionState.screening)
        edition.eligible_countries = sorted((set(edition.eligible_countries) - {"MX"}) | {"XK"})
        session.add(edition)


def _options(page: str) -> list[str]:
    select_html = page[
        page.index('id="country"') : page.index("</select>", page.index('id="country"'))
    ]
    return re.findall(r'<option value="([A-Z]{2})"', select_html)


def test_the_juror_form_lists_the_editions_countries(staff_client, sqlite_db):
    _edition_without_mexico_with_kosovo(sqlite_db)
    page = staff_client.get("/secretariat/editions/2027/jury/add").text
    codes = _options(page)
    assert "XK" in codes and "MX" not in codes
    assert ">Kosovo</option>" in page


def _add(client, country):
    return staff_post(
        client,
        "/secretariat/editions/2027/jury/add",
        {
            "first_name": "Arta",
            "last_name": "Krasniqi",
            "email": "arta@example.org",
            "country": country,
            "birth_date": "2005-02-03",
            "language": "en",
        },
    )


def test_a_juror_from_a_country_the_edition_left_out_is_refused(staff_client, sqlite_db):
    _edition_without_mexico_with_kosovo(sqlite_db)
    refused = _add(staff_client, "MX")
    refused = refused_page(staff_client, refused)
    assert "Choose one of the edition's eligible countries." in html.unescape(refused.text)
    assert 'value="Arta"' in refused.text
    added = _add(staff_client, "XK")
    assert added.status_code == 303
    with sqlite_db.read() as session:
        assert [j.country for j in session.exec(select(Juror))] == ["XK"]
