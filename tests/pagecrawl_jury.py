"""The jury part of the crawl's data (see tests/pagecrawl_data.py): jurors at every step of both
rounds, decided and published results, an archived edition and a closed round."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from prize.db import Database
from prize.domain import transitions
from prize.domain.jury import conflicts, panel, scoring
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.results import published
from prize.models import ApplicationStatus, Ballot, Juror, Round
from tests import factories, jury_factories
from tests.jurykit import (
    ROUND2,
    Scored,
    award_final,
    cast_ballot,
    make_scored_edition,
    start_final_round,
)
from tests.pagecrawl_data import NOW, OFFICER, CrawlData, apply_link, ballot_link

# --------------------------------------------------------------------------- the first round


def _onboard(
    session: Session, juror: Juror, *, conflict_with: int | None = None, now: datetime = NOW
) -> None:
    panel.welcome(session=session, juror=juror, now=now, first_name=juror.first_name, pledge=True)
    edition = session.get_one(factories.Edition, juror.edition_id)
    conflicts.declare_conflicts(
        session=session,
        now=now,
        juror=juror,
        edition=edition,
        declarations={conflict_with: "I volunteered there."} if conflict_with else {},
        none=conflict_with is None,
    )


def _score_all(
    session: Session,
    juror: Juror,
    application_ids: list[int],
    criteria: list[int],
    now: datetime = NOW,
) -> None:
    for offset, app_id in enumerate(application_ids):
        scoring.save_entry(
            session=session,
            juror=juror,
            now=now,
            application_id=app_id,
            scores={c: 5 + (offset + i) % 4 for i, c in enumerate(criteria)},
            comment="Strong youth leadership.",
        )


def shortlisting_2025(database: Database, data: CrawlData) -> None:
    with database.write() as session:
        made = jury_factories.jury_edition(session=session, year=2025, applications=4)
        apps = [a.id for a in made.applications]
        criteria = [c.id for c in made.criteria]
        assert all(apps) and all(criteria)
        edition = made.edition

        def juror(key: str, first: str, **fields: object) -> Juror:
            person = jury_factories.juror(
                session=session,
                edition=edition,
                first_name=first,
                email=f"{key}@example.org",
                now=NOW,
                **fields,
            )
            data.jurors[key] = person.id
            data.links[f"ballot_{key}"] = ballot_link(person)
            return person

        juror("welcome", "Lena")
        juror("conflicts", "Omar")
        panel.welcome(
            session=session,
            juror=session.get_one(Juror, data.jurors["conflicts"]),
            now=NOW,
            first_name="Omar",
            pledge=True,
        )
        scoring_juror = juror("scoring", "Ana")
        _onboard(session, scoring_juror, conflict_with=apps[3])
        scoring.save_entry(
            session=session,
            juror=scoring_juror,
            now=NOW,
            application_id=apps[0],
            scores={criteria[0]: 7},
            comment="Half done.",
        )
        scoring.save_entry(
            session=session,
            juror=scoring_juror,
            now=NOW,
            application_id=apps[1],
            abstain=True,
            abstain_reason="I know too little about this field.",
        )
        done = juror("submitted", "Jonas")
        _onboard(session, done)
        _score_all(session, done, apps, criteria)
        ballot = scoring.submit(session=session, juror=done, now=NOW)
        data.receipts["submitted"] = ballot.receipt_code or ""
        data.refs["ballot_first"] = made.applications[0].reference or ""
        minor = juror("minor", "Mira", birth_date=date(2011, 6, 1), invited=False)
        minor.publish_name_consent = False
        session.add(minor)
        revoked = juror("revoked", "Pavel")
        data.links["ballot_revoked"] = ballot_link(revoked)
        juror_links.revoke(session=session, actor=OFFICER, now=NOW, juror=revoked, reason="Left")
        replaced = juror("replaced", "Sara")
        newcomer = juror_links.replace(
            session=session,
            actor=OFFICER,
            now=NOW,
            juror=replaced,
            data=JurorData(
                first_name="Tom",
                last_name="Berg",
                email="tom@example.org",
                country="SE",
                birth_date=date(2004, 1, 2),
                language="fr",
            ),
            links=jury_factories.links(lambda: NOW),
            reason="Sara is ill.",
        )
        data.jurors["replacement"] = newcomer.id


# --------------------------------------------------------------------------- the final round and after


def _invite(session: Session, person: Juror) -> None:
    juror_links.invite(
        session=session,
        actor=OFFICER,
        now=NOW,
        juror=person,
        links=jury_factories.links(lambda: NOW),
    )
    person.name_confirmed_at = person.pledge_accepted_at = person.conflicts_declared_at = NOW
    session.add(person)


def _first_round(session: Session, year: int) -> Scored:
    scored = make_scored_edition(session, now=NOW, year=year)
    for person in scored.jurors:
        _invite(session, person)
    start_final_round(session, scored, now=NOW, actor=OFFICER)
    return scored


def final_2024(session: Session, data: CrawlData) -> None:
    scored = _first_round(session, 2024)
    for number in (0, 1):
        cast_ballot(session, scored, number, "final", ROUND2[number], now=NOW)
    cast_ballot(session, scored, 2, "final", {0: 6, 1: 7}, submitted=False)
    person = scored.jurors[2]
    data.jurors["final"] = person.id
    data.links["ballot_final"] = ballot_link(person)
    data.refs["final_first"] = scored.apps[0].reference or ""


def decided(session: Session, data: CrawlData, *, year: int, key: str) -> None:
    scored = _first_round(session, year)
    award_final(session, scored, now=NOW, actor=OFFICER, mention=5)
    transitions.decide(session=session, edition=scored.edition, actor=OFFICER, now=NOW)
    person = scored.jurors[0]
    data.jurors[key] = person.id
    data.links[f"ballot_{key}"] = ballot_link(person)
    data.refs[f"{key}_winner"] = scored.apps[1].reference or ""
    receipt = session.exec(
        select(Ballot.receipt_code).where(Ballot.juror_id == person.id, Ballot.round == Round.final)
    ).one()
    data.receipts[key] = receipt or ""
    data.apps[f"{key}_winner"] = scored.apps[1].id
    data.links[f"apply_{key}_winner"] = apply_link(scored.apps[1])
    draft = factories.application(  # never submitted: its link dies with the call
        session=session, edition=scored.edition, status=ApplicationStatus.draft
    )
    data.links[f"apply_{key}_draft"] = apply_link(draft)


def archived_2021(session: Session) -> None:
    edition = published.create_archived_edition(
        session=session, year=2021, title_en="", actor=OFFICER, now=NOW
    )
    for award, rank, title, country in (
        ("winner", 1, "Peer Street Work", "IT"),
        ("nominated", None, "Night Bus", "PT"),
        ("special_mention", None, "Radio Kids", "PL"),
    ):
        published.add_archive_entry(
            session=session,
            edition=edition,
            award=award,
            title=title,
            country=country,
            organisation="Youth Club",
            rank=rank,
            actor=OFFICER,
            now=NOW,
        )


def closed_round_2019(session: Session, data: CrawlData) -> None:
    """A first round whose closing time has passed: the juror waits for the final round."""
    made = jury_factories.jury_edition(
        session=session,
        year=2019,
        applications=2,
        shortlist_closes_at=NOW - timedelta(days=1),
        final_closes_at=NOW + timedelta(days=60),
    )
    person = jury_factories.juror(
        session=session,
        edition=made.edition,
        email="waiting@example.org",
        now=NOW - timedelta(days=20),
    )
    before = NOW - timedelta(days=2)  # the juror scored and submitted while the round was open
    _onboard(session, person, now=before)
    criteria = [c.id for c in made.criteria]
    _score_all(session, person, [a.id for a in made.applications], criteria, now=before)
    scoring.submit(session=session, juror=person, now=before)
    data.jurors["waiting"] = person.id
    data.links["ballot_waiting"] = ballot_link(person)
