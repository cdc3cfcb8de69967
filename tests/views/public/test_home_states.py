"""The home page knows where the prize stands: the call while it is open; after it, what comes
next and the latest results; after publication, the winners first."""

from __future__ import annotations

from datetime import UTC, datetime

from prize import formats
from prize.domain.shared import audit
from prize.models import ActorKind, Edition, EditionState
from tests import factories
from tests.jurykit import make_scored_edition, run_to_publication

OFFICER = audit.Actor(ActorKind.staff, None)
ANNOUNCE = datetime(2027, 8, 4, 10, 0, tzinfo=UTC)


def _published_2025(session, clock) -> None:
    run_to_publication(session, make_scored_edition(session, now=clock(), year=2025), clock)


def test_with_no_edition_the_home_page_points_to_past_editions(client) -> None:
    page = client.get("/")
    assert "There is no open call at the moment." in page.text
    assert 'href="/editions"' in page.text


def test_while_the_jury_works_the_home_page_says_when_results_come_and_links_the_last(
    client, sqlite_db, clock
) -> None:
    with sqlite_db.write() as session:
        _published_2025(session, clock)
        factories.edition(
            session=session, year=2027, state=EditionState.shortlisting, announce_at=ANNOUNCE
        )
    page = client.get("/")
    when = formats.styled(ANNOUNCE, "date_time", "en")
    assert "The call for this edition is closed." in page.text
    assert f"The results of the 2027 edition will be announced on {when}." in page.text
    assert 'href="/editions/2025/results"' in page.text
    assert "The results of the 2025 edition" in page.text
    assert "Apply now" not in page.text


def test_after_publication_the_home_page_leads_with_the_winners(client, sqlite_db, clock) -> None:
    with sqlite_db.write() as session:
        _published_2025(session, clock)
    page = client.get("/")
    heading = page.text.split("<h1>")[1].split("</h1>")[0]
    assert heading == "The winners of the European Drug Prevention Prize 2025"
    winners = page.text.split('<ol class="home-winners">')[1].split("</ol>")[0]
    assert [w.split("</strong>")[0] for w in winners.split("<strong>")[1:]] == [
        "Project B",
        "Project C",
        "Project A",
    ]
    assert 'href="/editions/2025/results"' in page.text


def test_in_french_the_date_of_the_results_reads_in_french(client, sqlite_db) -> None:
    with sqlite_db.write() as session:
        factories.edition(
            session=session, year=2027, state=EditionState.screening, announce_at=ANNOUNCE
        )
    page = client.get("/", headers={"accept-language": "fr"})
    when = formats.styled(ANNOUNCE, "date_time", "fr")
    assert f"Les résultats de l’édition 2027 seront annoncés le {when}." in page.text


def test_an_edition_in_screening_without_a_date_promises_no_date(client, sqlite_db) -> None:
    with sqlite_db.write() as session:
        edition: Edition = factories.edition(session=session, state=EditionState.screening)
        assert edition.announce_at is None
    page = client.get("/")
    assert "The results of the 2027 edition will be announced on this site." in page.text
