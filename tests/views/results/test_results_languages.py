"""The results page in each language: the English page gives the secretariat's English summary
where one exists, the French page the applicant's own words and the criteria in French."""

from __future__ import annotations

from html import unescape

import pytest
from sqlmodel import select

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.shared import audit
from prize.models import ActorKind, Application, ApplicationContent, ContentKind, Criterion
from tests.appkit import text_of
from tests.jurykit import make_decided_edition

OFFICER = audit.Actor(ActorKind.staff, None)
FRENCH = "Des jeunes écrivent et jouent des saynètes sur les drogues."
ENGLISH = "Young people write and act short plays about drugs."


@pytest.fixture
def published_with_translation(sqlite_db, clock, app):
    with sqlite_db.write() as session:
        scored = make_decided_edition(session, clock)
        winner = session.get_one(Application, scored.apps[1].id)  # B, the first winner
        winner.language = "fr"
        winner.translation = {"summary": ENGLISH}
        content = session.exec(
            select(ApplicationContent).where(
                ApplicationContent.application_id == winner.id,
                ApplicationContent.kind == ContentKind.submitted,
            )
        ).one()
        content.summary = FRENCH
        for criterion in session.exec(
            select(Criterion).where(Criterion.edition_id == scored.edition.id)
        ):
            criterion.name_fr = f"{criterion.name_en} (fr)"
            session.add(criterion)
        session.add_all([winner, content])
        transitions.publish(
            session=session,
            edition=editions.get_by_year(session=session, year=2027),
            actor=OFFICER,
            now=clock(),
        )
        return [c.name_en for c in session.exec(select(Criterion))]


def test_the_english_page_shows_the_english_summary(client, published_with_translation):
    page = client.get("/editions/2027/results", headers={"Accept-Language": "en"}).text
    assert ENGLISH in page
    assert FRENCH not in page
    assert "Translated from French by the secretariat." in text_of(page)
    assert '<div class="summary" lang="en">' in page


def test_the_french_page_shows_the_original_summary_and_the_criteria_in_french(
    client, published_with_translation
):
    client.cookies.set("lang", "fr")
    page = client.get("/editions/2027/results").text
    assert FRENCH in unescape(page)
    assert ENGLISH not in page
    text = text_of(page)
    for name in published_with_translation:
        assert f"{name} (fr)" in text
