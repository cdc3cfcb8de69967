"""The 2016 demo edition: built through the domain functions, and its outcome comes from its
ballots through the real tally."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select

from prize.db import Database
from prize.demo import DemoReport, story2016
from prize.domain.editions import editions
from prize.domain.results import published, tally_input
from prize.models import (
    Application,
    ApplicationContent,
    ApplicationStatus,
    Ballot,
    BallotEntry,
    BallotStatus,
    Conflict,
    ContentKind,
    EditionState,
    Juror,
    OutboxMessage,
    OutboxStatus,
    Round,
    Score,
)

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


def build(database: Database, settings) -> DemoReport:
    report = DemoReport()
    story2016.build(database=database, settings=settings, now=NOW, report=report)
    return report


def test_2016_is_told_through_the_domain_and_the_real_tally(db, settings) -> None:
    report = build(db, settings)
    assert ("The 2016 edition, told through its ballots", "/editions/2016/results") in report.links
    with db.read() as session:
        edition = editions.get_by_year(session=session, year=2016)
        apps = session.exec(select(Application).where(Application.edition_id == edition.id)).all()
        contents = session.exec(
            select(ApplicationContent).where(ApplicationContent.kind == ContentKind.submitted)
        ).all()
        statuses = Counter(a.status for a in apps)
        jurors = session.exec(select(Juror).where(Juror.edition_id == edition.id)).all()
        submitted = Counter(
            b.round
            for b in session.exec(select(Ballot).where(Ballot.status == BallotStatus.submitted))
        )
        n_conflicts = session.exec(select(func.count()).select_from(Conflict)).one()
        n_abstentions = session.exec(
            select(func.count()).select_from(BallotEntry).where(col(BallotEntry.abstain))
        ).one()
        mails = session.exec(select(OutboxMessage)).all()
        data = published.get_results(session=session, year=2016)
    assert edition.state is EditionState.published and edition.is_sample
    assert edition.published_at == edition.announce_at == datetime(2016, 11, 16, 11, tzinfo=UTC)
    assert 38 <= len(apps) <= 42
    assert len({c.countries[0] for c in contents}) >= 25
    assert statuses[ApplicationStatus.ineligible] == 4
    assert statuses[ApplicationStatus.eligible] == len(apps) - 4
    assert len(jurors) == 7
    assert submitted == {Round.shortlist: 7, Round.final: 7}
    assert n_conflicts == 2 and n_abstentions == 1
    assert all(m.recipient.endswith("@example.org") for m in mails)
    assert all(m.status is OutboxStatus.queued for m in mails)  # never sent
    assert [(w.title, w.country_code) for w in data.winners] == [
        ("Intercity Theatre", "BA"),
        ("Friday Coffee Project", "IL"),
        ("+Attitude", "PT"),
    ]
    assert sorted(n.country_code for n in data.nominated) == ["BE", "BG", "HR", "LB"]
    assert all(i.named and i.organisation and i.summary for i in data.items)  # both consents
    assert data.special_mentions == []
    decided_mails = [m for m in mails if m.kind.startswith("decision_")]
    assert len(decided_mails) == 7


def _final_winners(database: Database, year: int = 2016) -> list[str]:
    with database.read() as session:
        edition = editions.get_by_year(session=session, year=year)
        data = tally_input.ranking_json(session=session, edition=edition, round_=Round.final)
    return [r["title"] for r in data["ranking"][:3]]


def test_the_outcome_comes_from_the_ballots(sqlite_db, settings, tmp_path) -> None:
    build(sqlite_db, settings)
    assert _final_winners(sqlite_db) == ["Intercity Theatre", "Friday Coffee Project", "+Attitude"]
    path = sqlite_db.url.removeprefix("sqlite:///")
    copy_path = tmp_path / "copy.sqlite3"
    sqlite_db.dispose()  # close the pooled connections, so that the file holds every commit
    shutil.copyfile(path, copy_path)
    copy = Database(f"sqlite:///{copy_path}", audit_keys=sqlite_db.audit_keys)
    try:
        with copy.write() as session:  # in the copy: the jury now prefers Street Sport Mentors
            editions.get_by_year(session=session, year=2016)  # it is there
            ids = {
                c.title: c.application_id
                for c in session.exec(
                    select(ApplicationContent).where(
                        ApplicationContent.kind == ContentKind.submitted
                    )
                )
            }
            final_ballots = select(Ballot.id).where(Ballot.round == Round.final)
            for score in session.exec(
                select(Score).where(
                    col(Score.ballot_id).in_(final_ballots),
                    col(Score.application_id).in_(
                        [ids["Street Sport Mentors"], ids["Intercity Theatre"]]
                    ),
                )
            ):
                score.value = 10 if score.application_id == ids["Street Sport Mentors"] else 1
                session.add(score)
        changed = _final_winners(copy)
        with copy.read() as session:
            first_copy = tally_input.tally_of(
                session=session,
                edition=editions.get_by_year(session=session, year=2016),
                round_=Round.shortlist,
            )
    finally:
        copy.dispose()
    assert changed[0] == "Street Sport Mentors"
    assert "Intercity Theatre" not in changed
    with sqlite_db.read() as session:  # the original is untouched, and so is the first round
        first = tally_input.tally_of(
            session=session,
            edition=editions.get_by_year(session=session, year=2016),
            round_=Round.shortlist,
        )
    assert first.digest == first_copy.digest
    assert _final_winners(sqlite_db) == ["Intercity Theatre", "Friday Coffee Project", "+Attitude"]


def test_the_2016_results_page_is_marked_as_sample(client, sqlite_db, settings) -> None:
    build(sqlite_db, settings)
    page = client.get("/editions/2016/results").text
    assert (
        "Sample edition: the projects' texts, the jury and the scores shown here are invented"
        in page.replace("&#39;", "'")
    )
    assert "Intercity Theatre" in page and "Bosnia" in page
    editions_page = client.get("/editions").text
    assert 'href="/editions/2016/results">Results of 2016</a>' in editions_page
    assert "sample" in editions_page


# The top of each round of 2016, to 4 decimals, as the reference tally (tests/tally_reference.py,
# which shares no code with prize.tally) works it out from the stored ballots; the test checks
# that it still does.
SHORTLIST_2016 = {
    "EDPP-2016-0009": 9.3122,
    "EDPP-2016-0029": 9.0177,
    "EDPP-2016-0038": 8.5475,
    "EDPP-2016-0032": 8.2381,
    "EDPP-2016-0021": 8.1655,
    "EDPP-2016-0002": 8.0204,
    "EDPP-2016-0016": 7.8722,
}
FINAL_2016 = {
    "EDPP-2016-0009": 9.4707,
    "EDPP-2016-0029": 9.1960,
    "EDPP-2016-0038": 8.8826,
    "EDPP-2016-0032": 6.8055,
    "EDPP-2016-0021": 6.6986,
    "EDPP-2016-0002": 6.6532,
    "EDPP-2016-0016": 6.2549,
}


@pytest.mark.parametrize("round_", ["shortlist", "final"])
def test_command_line_tally_of_2016_matches_the_results_json(
    client, sqlite_db, settings, round_, monkeypatch, capsys
) -> None:
    import json

    from prize import cli
    from tests.tally_reference import reference_tally

    build(sqlite_db, settings)
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", "a-test-key-of-enough-length")
    assert cli.main(["tally", "2016", "--round", round_, "--json"]) == 0
    ranking = json.loads(capsys.readouterr().out)["ranking"]
    shown = client.get("/editions/2016/results.json").json()
    pinned = SHORTLIST_2016 if round_ == "shortlist" else FINAL_2016
    assert [(r["reference"], r["score"]) for r in ranking[:7]] == list(pinned.items())
    with sqlite_db.read() as session:
        edition = editions.get_by_year(session=session, year=2016)
        stored = tally_input.tally_input(session=session, edition=edition, round_=Round(round_))
        reference = reference_tally(stored).ranked()[:7]
        references = tally_input.projects(session=session, ids=[a.application for a in reference])
    assert [
        (references[a.application].reference, float(round(a.score, 4))) for a in reference
    ] == list(pinned.items())
    if round_ == "shortlist":
        assert {r["country_code"] for r in ranking[:7]} == {
            "BA",
            "IL",
            "PT",
            "LB",
            "HR",
            "BE",
            "BG",
        }
    else:
        scores = {r["reference"]: round(r["score"], 2) for r in ranking}
        for item in shown["winners"] + shown["nominated"]:
            assert scores[item["reference"]] == item["score"]
        assert [(i["reference"], i["score"]) for i in shown["winners"]] == [
            ("EDPP-2016-0009", 9.47),
            ("EDPP-2016-0029", 9.2),
            ("EDPP-2016-0038", 8.88),
        ]
