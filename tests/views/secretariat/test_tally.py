"""The secretariat's live tally pages, and the `prize tally` command that agrees with them."""

from __future__ import annotations

import json
import re

import pytest

from prize import cli
from prize.domain import transitions
from prize.domain.shared import audit
from prize.models import ActorKind
from tests.appkit import text_of
from tests.jurykit import (
    ROUND1,
    ROUND1_SCORES,
    ROUND2_SCORES,
    cast_ballot,
    make_decided_edition,
    make_scored_edition,
)
from tests.staffkit import login, make_staff

OFFICER = audit.Actor(ActorKind.staff, None)


@pytest.fixture
def first_round(sqlite_db, clock, app):
    with sqlite_db.write() as session:
        scored = make_scored_edition(session, now=clock(), n_jurors=4)
        for juror, marks in ROUND1.items():
            cast_ballot(session, scored, juror, "shortlist", marks, now=clock())
        cast_ballot(session, scored, 3, "shortlist", {0: 5}, submitted=False)
    return scored


def test_tally_page_shows_the_live_ranking_with_explanations(staff_client, first_round) -> None:
    page = staff_client.get("/secretariat/editions/2027/tally/shortlist")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Tally of the first round (shortlist) · 2027" in text
    assert "3 ballots counted." in text
    rows = re.findall(
        r"<tr>\s*<td class=\"num\">(\d+)</td>\s*<th scope=\"row\">([^<]+)<br>", page.text
    )
    assert [ref.strip() for _, ref in rows][:3] == [
        "EDPP-2027-0001 · Project A",
        "EDPP-2027-0002 · Project B",
        "EDPP-2027-0003 · Project C",
    ]
    assert "below quorum" in text  # E has two ballots
    assert "How EDPP-2027-0005 got this score" in text
    assert "Omar Novak (conflict of interest)" in text
    assert "Ana Novak (abstained)" in text
    assert "Jonas Novak — ballot started, not submitted" in text  # jurors not finished
    assert "draft (not counted)" in text
    assert "Conflicts of interest (1) and abstentions (1) give no ballot score" in text


def test_tally_page_draws_the_distribution_as_inline_svg_without_style(
    staff_client, first_round
) -> None:
    page = staff_client.get("/secretariat/editions/2027/tally/shortlist").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and '<title id="tally-chart-t">' in svg
    assert svg.count("<circle") == 9 * 3 - 2  # one dot per ballot score
    assert svg.count("<rect") == 9  # one bar per application score
    assert "style=" not in page and "<style" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None  # no inline script


def test_tally_page_agrees_with_the_command_line_json(
    staff_client, first_round, sqlite_db, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", "a-test-key-of-enough-length")
    assert cli.main(["tally", "2027", "--round", "shortlist", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["edition"] == 2027 and data["round"] == "shortlist"
    # The figures, worked out independently (tests/jurykit.py ROUND1_SCORES; the draft counts
    # for nothing): the page shows them to 2 decimals, the command line to 4.
    order = (0, 1, 2, 4, 3, 5, 6, 7, 8)  # A B C E D F G H I
    assert [(r["reference"], r["score"]) for r in data["ranking"]] == [
        (f"EDPP-2027-000{i + 1}", ROUND1_SCORES[i]) for i in order
    ]
    page = staff_client.get("/secretariat/editions/2027/tally/shortlist").text
    for row in data["ranking"]:
        assert f"{row['reference']} · {row['title']}" in page
        assert f"{row['score']:.2f}" in page
    shown = [f"{ROUND1_SCORES[i]:.2f}" for i in order]
    assert shown == ["8.99", "7.98", "7.70", "5.06", "5.02", "3.95", "2.65", "2.33", "0.98"]
    assert all(f">{figure}<" in page for figure in shown)
    # and the plain text output
    assert cli.main(["tally", "2027", "--round", "shortlist"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Edition 2027, round shortlist"
    assert "EDPP-2027-0001" in out and "Ballot digest:" in out


def test_command_line_tally_of_an_unknown_year_fails(sqlite_db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", "a-test-key-of-enough-length")
    assert cli.main(["tally", "1999", "--round", "final"]) == 1
    assert "There is no edition 1999." in capsys.readouterr().err


def test_command_line_final_round_agrees_with_the_published_results_json(
    client, sqlite_db, clock, monkeypatch, capsys
) -> None:
    with sqlite_db.write() as session:
        scored = make_decided_edition(session, clock)
        transitions.publish(session=session, edition=scored.edition, actor=OFFICER, now=clock())
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", "a-test-key-of-enough-length")
    assert cli.main(["tally", "2027", "--round", "final", "--json"]) == 0
    ranking = {r["reference"]: r for r in json.loads(capsys.readouterr().out)["ranking"]}
    published = client.get("/editions/2027/results.json").json()
    for item in published["winners"] + published["nominated"]:
        assert round(ranking[item["reference"]]["score"], 2) == item["score"]
        assert ranking[item["reference"]]["country_code"] == item["country_code"]
    # The figures, worked out independently (tests/jurykit.py ROUND2_SCORES): B 9.1545...
    assert {ref: r["score"] for ref, r in ranking.items()} == {
        f"EDPP-2027-000{i + 1}": score for i, score in ROUND2_SCORES.items()
    }
    assert [
        (i["reference"], i["score"]) for i in published["winners"] + published["nominated"]
    ] == [
        ("EDPP-2027-0002", 9.15),
        ("EDPP-2027-0003", 7.94),
        ("EDPP-2027-0001", 5.99),
        ("EDPP-2027-0004", 4.59),
    ]


def test_adviser_reads_the_tally_with_jurors_anonymised(
    client, sqlite_db, clock, first_round
) -> None:
    make_staff(sqlite_db, clock(), email="adviser@example.org", role="adviser")
    login(client, "adviser@example.org")
    page = text_of(client.get("/secretariat/editions/2027/tally/shortlist").text)
    assert "Tally of the first round" in page
    assert "Omar" not in page and "#2 (conflict of interest)" in page


def test_tally_page_needs_a_signed_in_account(client, first_round) -> None:
    response = client.get("/secretariat/editions/2027/tally/shortlist")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/secretariat/login?next=")


def test_tally_page_of_an_unknown_round_or_year_is_404(staff_client, first_round) -> None:
    for path in (
        "/secretariat/editions/2027/tally/semifinal",
        "/secretariat/editions/2031/tally/final",
    ):
        page = staff_client.get(path)
        assert page.status_code == 404, path
        assert "<h1>Page not found</h1>" in page.text, path
        assert "Tally of the" not in page.text, path


def test_tally_index_lists_editions_with_their_pages(staff_client, first_round) -> None:
    page = staff_client.get("/secretariat/results").text
    assert 'href="/secretariat/editions/2027/tally/shortlist"' in page
    assert 'href="/secretariat/editions/2027/decisions"' in page
    assert 'href="/secretariat/results" aria-current="page">Tally and results</a>' in page  # nav


def test_final_round_tally_before_the_shortlist_is_empty_and_says_so(
    staff_client, first_round
) -> None:
    page = text_of(staff_client.get("/secretariat/editions/2027/tally/final").text)
    assert "Tally of the final round · 2027" in page
    assert "No application is in this round yet." in page
    assert "0 ballots counted." in page
