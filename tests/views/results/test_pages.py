"""The public results pages: HTML, JSON, CSV, certificates and the receipt check."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from prize.domain import transitions
from prize.domain.editions import editions
from prize.domain.results import publication, published
from prize.domain.shared import audit
from prize.models import ActorKind, Ballot, Round
from tests.appkit import csrf_of, text_of
from tests.jurykit import (
    RESULTS_JSON_FIELDS,
    ROUND1,
    ROUND2,
    digest_by_hand,
    make_archived_edition,
    make_decided_edition,
)

OFFICER = audit.Actor(ActorKind.staff, None)


@pytest.fixture
def decided_2027(sqlite_db, clock, app):
    with sqlite_db.write() as session:
        return make_decided_edition(session, clock)


@pytest.fixture
def published_2027(sqlite_db, clock, decided_2027):
    with sqlite_db.write() as session:
        edition = transitions.publish(
            session=session,
            edition=editions.get_by_year(session=session, year=2027),
            actor=OFFICER,
            now=clock(),
        )
        published.add_note(
            session=session,
            edition=edition,
            text="Project C's title was corrected.",
            actor=OFFICER,
            now=clock(),
        )
    return decided_2027


def receipt_of(database, scored, juror: int, round_: Round) -> str:
    with database.read() as session:
        return session.exec(
            select(Ballot.receipt_code).where(
                Ballot.juror_id == scored.jurors[juror].id, Ballot.round == round_
            )
        ).one()


def test_results_are_404_before_publication(client, decided_2027) -> None:
    for suffix in ("", ".json", ".csv", "/certificates/EDPP-2027-0002"):
        response = client.get(f"/editions/2027/results{suffix}")
        assert response.status_code == 404
        assert "Project B" not in response.text
    assert "Page not found" in client.get("/editions/2027/results").text


def test_results_page_shows_winners_nominated_mention_jury_method_and_digests(
    client, published_2027, sqlite_db
) -> None:
    page = client.get("/editions/2027/results")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Results of the European Drug Prevention Prize 2027" in text
    winners = text[text.index("Winners") : text.index("Nominated projects")]
    assert [t for t in ("Project B", "Project C", "Project A") if t in winners] == [
        "Project B",
        "Project C",
        "Project A",
    ]
    assert "Israel · Organisation B · EDPP-2027-0002" in winners
    assert "Young volunteers write and perform short street plays" in winners  # the summary
    assert "Project D" in text[text.index("Nominated projects") : text.index("Special mention")]
    assert "Project F" in text[text.index("Special mention") : text.index("The youth jury")]
    assert "3 young jurors scored the applications." in text
    assert "Ana (Belgium)" in text and "Lena (Lebanon)" in text
    assert "Omar" not in text  # no consent to publish his name
    assert "Jurors are named only with their consent." in text
    method = text[text.index("How the results came about") : text.index("The digests below")]
    assert (
        "First round (shortlist): 3 jurors' ballots were counted. Every juror's scores were "
        "normalised, so that a strict juror and a generous one weigh the same. The 3 best-ranked "
        "applications were proposed for the shortlist. The secretariat changed 1 decision from "
        "the proposal, with its reason recorded in the audit log."
    ) in method
    assert (
        "Final round: 3 jurors' ballots were counted. Every juror's scores were normalised, so "
        "that a strict juror and a generous one weigh the same. The 3 best-ranked applications "
        "were proposed as winners, the others on the shortlist as nominated. The secretariat "
        "confirmed every proposal."
    ) in method
    assert "Project C's title was corrected." in text  # the correction note
    with sqlite_db.read() as session:
        record = publication.publication_record(session=session, edition=published_2027.edition)
    assert record is not None
    assert record["digests"]["shortlist"] in page.text
    assert record["digests"]["final"] in page.text
    assert (
        '<meta property="og:title" content="Results · European Drug Prevention Prize 2027">'
        in page.text
    )
    assert '<meta property="og:url" content="http://testserver/editions/2027/results">' in page.text
    assert "Winners: Project B (Israel); Project C (Portugal); Project A (Bosnia" in page.text


def test_results_json_is_the_contract_and_agrees_with_the_page(
    client, published_2027, sqlite_db
) -> None:
    response = client.get("/editions/2027/results.json")
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert sorted(data) == sorted(RESULTS_JSON_FIELDS)
    assert data["edition"] == 2027
    assert [w["title"] for w in data["winners"]] == ["Project B", "Project C", "Project A"]
    assert set(data["winners"][0]) == {
        "rank",
        "reference",
        "title",
        "organisation",
        "country",
        "country_code",
        "score",
    }
    assert data["special_mentions"][0]["score"] is None
    # Worked out independently (tests/jurykit.py ROUND2_SCORES: 9.1545, 7.9378, 5.9860, 4.5884).
    assert [w["score"] for w in data["winners"]] == [9.15, 7.94, 5.99]
    assert [n["score"] for n in data["nominated"]] == [4.59]
    assert {"text", "normalised", "quorum"} <= set(data["method"])
    with sqlite_db.read() as session:
        assert data["ballot_digest"] == {
            "shortlist": digest_by_hand(session, published_2027, "shortlist", ROUND1, range(9)),
            "final": digest_by_hand(session, published_2027, "final", ROUND2, range(4)),
        }
    page = client.get("/editions/2027/results").text
    for digest in data["ballot_digest"].values():
        assert digest in page


def test_results_csv_downloads_one_row_per_project(client, published_2027) -> None:
    response = client.get("/editions/2027/results.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="edpp-2027-results.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["award"], r["title"], r["country"]) for r in rows] == [
        ("winner", "Project B", "Israel"),
        ("winner", "Project C", "Portugal"),
        ("winner", "Project A", "Bosnia and Herzegovina"),
        ("nominated", "Project D", "Lebanon"),
        ("special_mention", "Project F", "Belgium"),
    ]


def test_certificate_page_for_a_winner_is_printable(client, published_2027) -> None:
    page = client.get("/editions/2027/results").text
    assert 'href="/editions/2027/results/certificates/EDPP-2027-0002"' in page
    cert = client.get("/editions/2027/results/certificates/EDPP-2027-0002")
    text = text_of(cert.text)
    assert "Winner" in text and "is awarded to" in text and "Project B" in text
    assert "Organisation B · Israel" in text
    assert 'href="/static/css/print.css?v=' in cert.text  # fingerprinted: cached for a year
    nominated = text_of(client.get("/editions/2027/results/certificates/EDPP-2027-0004").text)
    assert "Certificate of recognition" in nominated and "Project D" in nominated


def test_certificate_of_a_project_without_an_award_is_404(client, published_2027) -> None:
    response = client.get("/editions/2027/results/certificates/EDPP-2027-0008")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert "Project H" not in response.text and "is awarded to" not in response.text


def test_receipt_check_says_counted_for_a_counted_ballot(client, published_2027, sqlite_db) -> None:
    code = receipt_of(sqlite_db, published_2027, 0, Round.final)
    token = csrf_of(client, "/editions/2027/results")
    response = client.post(
        "/editions/2027/results/receipt", data={"receipt": code.lower(), "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/editions/2027/results#receipt-check"
    page = text_of(client.get("/editions/2027/results").text)
    assert (
        "Counted. The ballot with this receipt code is among the counted ballots of the final round."
        in page
    )
    assert "Counted." not in text_of(client.get("/editions/2027/results").text)  # shown once


def test_receipt_check_says_not_found_for_an_unknown_code(client, published_2027) -> None:
    token = csrf_of(client, "/editions/2027/results")
    client.post("/editions/2027/results/receipt", data={"receipt": "ZZZZ", "csrf_token": token})
    page = text_of(client.get("/editions/2027/results").text)
    assert "Not found. No counted ballot has this receipt code." in page


def test_receipt_check_without_a_code_asks_for_one_next_to_the_field(
    client, published_2027
) -> None:
    token = csrf_of(client, "/editions/2027/results")
    client.post("/editions/2027/results/receipt", data={"receipt": " ", "csrf_token": token})
    page = client.get("/editions/2027/results").text
    assert 'id="receipt-error">Enter your receipt code.' in page


def test_receipt_check_without_csrf_is_refused(client, published_2027) -> None:
    response = client.post("/editions/2027/results/receipt", data={"receipt": "ABC"})
    assert response.status_code == 403
    assert "This form was not accepted" in response.text


def test_receipt_check_is_rate_limited(client, published_2027) -> None:
    token = csrf_of(client, "/editions/2027/results")
    for _ in range(10):
        client.post("/editions/2027/results/receipt", data={"receipt": "X1", "csrf_token": token})
        client.get("/editions/2027/results")
    client.post("/editions/2027/results/receipt", data={"receipt": "X1", "csrf_token": token})
    page = text_of(client.get("/editions/2027/results").text)
    assert "Too many checks from your connection: please try again in 15 minutes." in page


def test_receipt_check_before_publication_is_404(client, decided_2027) -> None:
    token = csrf_of(client, "/secretariat/login")
    response = client.post(
        "/editions/2027/results/receipt", data={"receipt": "X1", "csrf_token": token}
    )
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert "Counted." not in response.text and "Not found. No counted ballot" not in response.text


def test_editions_page_links_published_and_archived_results(
    client, published_2027, sqlite_db, clock
) -> None:
    with sqlite_db.write() as session:
        make_archived_edition(
            session,
            now=clock(),
            year=2012,
            title="Peer Street Work",
            country="IT",
            summary="Young people meet peers in the street.",
        )
    page = client.get("/editions").text
    assert 'href="/editions/2027/results">Results of 2027</a>' in page
    assert 'href="/editions/2012/results">Results of 2012</a>' in page
    assert "results recorded without ballots" in page
    archived = client.get("/editions/2012/results")
    text = text_of(archived.text)
    assert "results recorded without ballots" in text
    assert "Peer Street Work" in text and "Italy" in text
    assert "Check my receipt" not in text and "digests below" not in text
    assert client.get("/editions/2012/results.json").json()["ballot_digest"] is None


def test_results_page_in_french(client, published_2027) -> None:
    page = client.get("/editions/2027/results", headers={"accept-language": "fr"})
    assert '<html lang="fr">' in page.text
    assert "Israël" in page.text  # country names in the reader's language
