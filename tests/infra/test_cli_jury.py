"""`prize ballot-link EMAIL` prints a juror's current link; the demo's sample jury opens."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from prize import cli
from prize.app import create_app
from prize.db import Database
from prize.domain.jury import links as juror_links
from prize.domain.shared import audit
from prize.models import Edition, Juror
from prize.tokens import Purpose
from tests import jury_factories
from tests.appkit import TEST_KEYS


@pytest.fixture
def cli_env(monkeypatch, sqlite_db):
    monkeypatch.setenv("PRIZE_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("PRIZE_SECRET_KEYS", ",".join(TEST_KEYS))
    monkeypatch.setenv("PRIZE_BASE_URL", "https://prize.example.org")
    return sqlite_db


def test_ballot_link_prints_the_current_link(cli_env, capsys, client, clock, jury):
    assert cli.main(["ballot-link", "LENA@example.org"], clock=clock) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://prize.example.org/ballot/link/")
    assert client.get(jury_factories.path_of(link)).headers["location"] == "/ballot"


def test_ballot_link_takes_the_edition_year(cli_env, capsys, clock, jury):
    with cli_env.write() as session:
        other = jury_factories.jury_edition(session=session, year=2029)
        jury_factories.juror(session=session, edition=other.edition, email="lena@example.org")
    assert cli.main(["ballot-link", "lena@example.org", "--year", "2027"], clock=clock) == 0
    token = capsys.readouterr().out.strip().rsplit("/", 1)[1]
    claim = jury_factories.signer(clock).loads(Purpose.ballot, token)
    assert claim.subject_id == jury.jurors[0].id


def test_ballot_link_of_an_unknown_address_fails(cli_env, capsys, jury):
    assert cli.main(["ballot-link", "nobody@example.org"]) == 1
    assert "No juror has the address nobody@example.org." in capsys.readouterr().err


def test_ballot_link_refuses_a_juror_not_invited_or_revoked(cli_env, capsys, clock, jury):
    with cli_env.write() as session:
        jury_factories.juror(
            session=session, edition=jury.edition, email="new@example.org", invited=False
        )
        juror_links.revoke(
            session=session,
            actor=audit.SYSTEM,
            now=clock(),
            juror=session.get_one(Juror, jury.jurors[0].id),
        )
    assert cli.main(["ballot-link", "new@example.org"]) == 1
    assert "not invited yet" in capsys.readouterr().err
    assert cli.main(["ballot-link", "lena@example.org"]) == 1
    assert "revoked" in capsys.readouterr().err


def test_demo_sample_jury_is_part_way_through_its_first_round(tmp_path, settings, clock):
    from prize import demo, schema
    from prize.demo import jury_sample

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    schema.upgrade(url)
    demo_settings = settings.with_(base_url="http://127.0.0.1:8000")
    database = Database(url, audit_keys=demo_settings.audit_chain_keys)
    report = demo.build(database=database, settings=demo_settings, now=clock())
    ballot_links = [(label, path) for label, path in report.links if "/ballot/link/" in path]
    assert len(ballot_links) == 2
    with database.read() as session:
        sample = session.exec(select(Edition).where(Edition.year == jury_sample.YEAR)).one()
        jurors = session.exec(select(Juror).where(Juror.edition_id == sample.id)).all()
    assert (sample.is_sample, sample.state.value) == (True, "shortlisting")
    assert len(jurors) == 7
    assert sum(1 for j in jurors if j.last_activity_at) == 4
    assert any(j.birth_date > date(clock().year - 18, 1, 1) for j in jurors)  # a minor
    app = create_app(demo_settings, clock=clock, database=database)
    with TestClient(app, follow_redirects=False) as browser:
        assert browser.get(ballot_links[0][1]).headers["location"] == "/ballot"
        page = browser.get("/ballot")
        assert "Sample edition: the projects and jurors are invented" in page.text
        assert "3 of 7 scored" in page.text
        # The sample jury scores with the criteria's band descriptors and weights.
        first = re.search(r'href="(/ballot/applications/[^"]+)"', page.text)
        assert first is not None
        scoring_page = browser.get(first.group(1)).text
        assert "Young people lead it, from strategy to evaluation." in scoring_page
        assert 'Active youth participation <span class="weight">counts double</span>' in (
            scoring_page
        )
    with TestClient(app, follow_redirects=False) as browser:
        browser.get(ballot_links[1][1])
        assert browser.get("/ballot").headers["location"] == "/ballot/welcome"
    database.dispose()


def test_ballot_link_after_the_final_round_closed_fails(cli_env, capsys, clock, jury):
    clock.set(jury_factories.FINAL_CLOSES)
    assert cli.main(["ballot-link", "lena@example.org"], clock=clock) == 1
    assert "the final round has closed" in capsys.readouterr().err
