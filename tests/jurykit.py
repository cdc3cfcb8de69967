"""The jury at work: a jury round with a juror, and editions whose ballots are cast, for the
ballot, tally, decision and results tests (built on tests/factories/ and
tests/factories/jury.py).

- Fixtures ``jury`` (a first round with one invited juror, lena@example.org) and
  ``juror_client`` (``client`` with the juror's ballot session opened by their link).
- ``make_scored_edition(session, now=...)``: a ``Scored`` edition with eligible applications and
  jurors; ``cast_ballot(...)`` gives a juror's marks; ``ROUND1`` and ``ROUND2`` are the marks
  the tally tests use, ``ROUND1_SCORES`` and ``ROUND2_SCORES`` the scores they give (worked out
  independently of the app), ``digest_by_hand(...)`` the digest of a round of them.
- ``start_final_round(session, scored, now=..., actor=...)``: the first round scored, the
  shortlist A B C D confirmed and the final round started; ``award_final(...)`` then scores the
  final round and confirms its awards.
- ``make_decided_edition(session, clock)``: both rounds scored and the edition decided;
  ``RESULTS_JSON_FIELDS``, the fields of its published results as JSON.
- ``make_archived_edition(session, now=..., year=..., **winner)``: a year entered by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from prize.db import Database
from tests.appkit import Clock

# --------------------------------------------------------------------------- a jury round


@pytest.fixture
def jury(sqlite_db: Database, clock: Clock):
    """On the app's database: an edition in its first jury round (two criteria, three eligible
    applications) with one invited adult juror, lena@example.org (see tests/factories/jury.py)."""
    from tests import jury_factories

    with sqlite_db.write() as session:
        made = jury_factories.jury_edition(session=session)
        made.jurors.append(
            jury_factories.juror(
                session=session, edition=made.edition, email="lena@example.org", first_name="Lena"
            )
        )
    return made


@pytest.fixture
def juror_client(client: TestClient, jury, clock):
    """A client whose ballot session was opened with the juror's link (not onboarded yet)."""
    from tests import jury_factories

    response = client.get(jury_factories.link_path(jury.jurors[0], clock))
    assert response.status_code == 303, response.text
    return client


# --------------------------------------------------------------------------- scored editions


@dataclass
class Scored:
    edition: object
    apps: list
    jurors: list

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.apps]


TALLY_COUNTRIES = ("BA", "IL", "PT", "LB", "HR", "BE", "BG", "FR", "DE", "ES")


def make_scored_edition(
    session,
    *,
    now: datetime,
    year: int = 2027,
    n_apps: int = 9,
    n_jurors: int = 3,
    state: str = "shortlisting",
    **edition_fields,
) -> Scored:
    """Eligible applications (one per country of TALLY_COUNTRIES) and jurors; no ballots yet."""
    from prize.models import ApplicationStatus, EditionState
    from tests import factories

    fields = {
        "shortlist_closes_at": now + timedelta(days=30),
        "final_closes_at": now + timedelta(days=60),
        "announce_at": now + timedelta(days=90),
        "shortlist_size": 3,
        **edition_fields,
    }
    edition = factories.edition(session=session, year=year, state=EditionState(state), **fields)
    apps = [
        factories.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            title=f"Project {chr(65 + i)}",
            organisation=f"Organisation {chr(65 + i)}",
            countries=(TALLY_COUNTRIES[i % len(TALLY_COUNTRIES)],),
            email=f"applicant{i}@example.org",
            language="fr" if i == 1 else "en",
        )
        for i in range(n_apps)
    ]
    names = ["Lena", "Omar", "Ana", "Jonas", "Mira", "Pavel", "Sara", "Tom", "Ivo"]
    jurors = [
        factories.juror(
            session=session,
            edition=edition,
            first_name=names[j % len(names)],
            email=f"juror{j}@example.org",
            country=TALLY_COUNTRIES[(j + 3) % len(TALLY_COUNTRIES)],
            publish_name_consent=j != 1,
        )
        for j in range(n_jurors)
    ]
    return Scored(edition=edition, apps=apps, jurors=jurors)


def cast_ballot(
    session,
    scored: Scored,
    juror: int,
    round_: str,
    marks: dict[int, object],
    *,
    submitted: bool = True,
    now: datetime | None = None,
):
    """A ballot of juror number ``juror``: ``marks`` maps an application's index to a score
    (every criterion gets it), "abstain" or "conflict"."""
    from sqlmodel import select

    from prize.domain.editions.criteria import criteria_of
    from prize.models import ActorKind, Ballot, BallotEntry, BallotStatus, Conflict, Round, Score

    person = scored.jurors[juror]
    criteria = criteria_of(session=session, edition=scored.edition)
    ballot = Ballot(
        juror_id=person.id,
        round=Round(round_),
        status=BallotStatus.submitted if submitted else BallotStatus.draft,
        submitted_at=now if submitted else None,
        receipt_code=f"{round_[0].upper()}{person.id:03d}RCPT42" if submitted else None,
    )
    session.add(ballot)
    session.flush()
    for index, mark in marks.items():
        app = scored.apps[index]
        if mark == "conflict":
            existing = session.exec(
                select(Conflict).where(
                    Conflict.juror_id == person.id, Conflict.application_id == app.id
                )
            ).first()
            if existing is None:
                session.add(
                    Conflict(
                        juror_id=person.id,
                        application_id=app.id,
                        reason="Volunteered there",
                        declared_by=ActorKind.juror,
                    )
                )
        elif mark == "abstain":
            session.add(
                BallotEntry(
                    ballot_id=ballot.id,
                    application_id=app.id,
                    abstain=True,
                    abstain_reason="Unsure",
                )
            )
        else:
            for criterion in criteria:
                session.add(
                    Score(
                        ballot_id=ballot.id,
                        application_id=app.id,
                        criterion_id=criterion.id,
                        value=int(mark),
                    )
                )
    session.flush()
    return ballot


# Round 1 marks of three jurors over nine applications (juror 1 conflicted on E, juror 2 abstains
# on F): once normalised, A > B > C > E > D > F > G > H > I (ROUND1_SCORES below); the proposal
# with a shortlist of 3 is A, B, C.
ROUND1 = {
    0: {0: 9, 1: 8, 2: 7, 3: 6, 4: 5, 5: 4, 6: 3, 7: 2, 8: 1},
    1: {0: 10, 1: 9, 2: 7, 3: 5, 4: "conflict", 5: 4, 6: 3, 7: 2, 8: 1},
    2: {0: 8, 1: 7, 2: 9, 3: 4, 4: 5, 5: "abstain", 6: 2, 7: 3, 8: 1},
}
# Round 2 marks over the shortlist A, B, C (+ D when the shortlist was overridden).
ROUND2 = {
    0: {0: 6, 1: 9, 2: 7, 3: 5},
    1: {0: 7, 1: 10, 2: 8, 3: 5},
    2: {0: 5, 1: 8, 2: 9, 3: 4},
}


# The application scores these marks give, by application number, to 4 decimals (normalisation
# on, as by default), worked out from the marks with the reference tally of
# tests/tally_reference.py, which shares no code with prize.tally; tests/tally/test_reference.py
# checks them against it. Round 1: the round's 25 scores have mean 5 and population sd 2.78568.
# Round 2 (A B C D): mean 83/12 and sd 1.84654; B's ballot scores 9, 10, 8 become 9.72577,
# 9.47736, 8.26022, so B scores 9.1545 (worked out by hand in tests/tally/test_reference.py).
ROUND1_SCORES = {
    0: 8.9878,
    1: 7.9824,
    2: 7.7003,
    3: 5.0222,
    4: 5.0642,
    5: 3.9484,
    6: 2.6517,
    7: 2.3308,
    8: 0.9831,
}
ROUND2_SCORES = {0: 5.9860, 1: 9.1545, 2: 7.9378, 3: 4.5884}


def digest_by_hand(session, scored: Scored, round_: str, marks, on_round: range) -> str:
    """DESIGN.md, "The tally", step 7, from the jury kit's marks: the SHA-256 of the canonical
    JSON (sorted keys and rows, no spaces) of the round's counted ballots, each with its juror,
    receipt, scores (every criterion gets the mark), abstentions and conflicts."""
    import hashlib
    import json

    from sqlmodel import select

    from prize.models import Ballot, Criterion, Round

    criteria = session.exec(
        select(Criterion.id).where(Criterion.edition_id == scored.edition.id)
    ).all()
    ballots = []
    for j, row in marks.items():
        juror = scored.jurors[j]
        receipt = session.exec(
            select(Ballot.receipt_code).where(
                Ballot.juror_id == juror.id, Ballot.round == Round(round_)
            )
        ).one()
        mine = {scored.ids[a]: mark for a, mark in row.items() if a in on_round}
        ballots.append(
            {
                "abstentions": sorted(a for a, mark in mine.items() if mark == "abstain"),
                "conflicts": sorted(a for a, mark in mine.items() if mark == "conflict"),
                "juror": juror.id,
                "receipt": receipt,
                "scores": [
                    {"application": a, "criterion": c, "value": mine[a]}
                    for a in sorted(mine)
                    if isinstance(mine[a], int)
                    for c in sorted(criteria)
                ],
            }
        )
    body = {"ballots": sorted(ballots, key=lambda b: b["juror"]), "round": round_}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# The fields of a published edition's results JSON (``/editions/<year>/results.json``), in order:
# the contract with the people who reuse the results.
RESULTS_JSON_FIELDS = (
    "edition",
    "published_at",
    "winners",
    "nominated",
    "special_mentions",
    "jury",
    "method",
    "ballot_digest",
)


def start_final_round(session, scored: Scored, *, now: datetime, actor, reason: str = "") -> None:
    """The first round scored (``ROUND1``), the shortlist A B C D confirmed (D an override, with
    its reason) and the final round started (``reason``: why, when a juror has not voted)."""
    from prize.domain import transitions
    from prize.domain.results import decisions

    for juror, marks in ROUND1.items():
        cast_ballot(session, scored, juror, "shortlist", marks, now=now)
    ids = scored.ids
    decisions.confirm_shortlist(
        session=session,
        edition=scored.edition,
        application_ids=ids[:4],
        reasons={ids[3]: "The jury wants a fourth"},
        actor=actor,
        now=now,
    )
    transitions.move_to_final(
        session=session, edition=scored.edition, actor=actor, now=now, reason=reason
    )


def award_final(session, scored: Scored, *, now: datetime, actor, mention: int | None = 5) -> None:
    """The final round scored (``ROUND2``) and its awards confirmed: winners B C A, D nominated,
    a special mention for application number ``mention`` (F by default; none when None)."""
    from prize.domain.results import decisions

    for juror, marks in ROUND2.items():
        cast_ballot(session, scored, juror, "final", marks, now=now)
    ids = scored.ids
    decisions.confirm_final(
        session=session,
        edition=scored.edition,
        awards={ids[1]: "winner", ids[2]: "winner", ids[0]: "winner", ids[3]: "nominated"},
        special_mention=ids[mention] if mention is not None else None,
        actor=actor,
        now=now,
    )


def make_decided_edition(session, clock: Clock, *, mention: int | None = 5) -> Scored:
    """Both rounds scored; shortlist A B C D (D an override, with its reason); winners B C A,
    D nominated, F a special mention from outside the shortlist; decided (e-mails queued)."""
    from prize.domain import transitions
    from prize.domain.shared import audit
    from prize.models import ActorKind

    officer = audit.Actor(ActorKind.staff, None)
    scored = make_scored_edition(session, now=clock())
    start_final_round(session, scored, now=clock(), actor=officer)
    award_final(session, scored, now=clock(), actor=officer, mention=mention)
    transitions.decide(session=session, edition=scored.edition, actor=officer, now=clock())
    return scored


def make_archived_edition(session, *, now: datetime, year: int, **winner):
    """An edition from before the platform, entered by hand: no ballots, one winner whose
    fields (``title``, ``country``, ``organisation``, ``rank``, ``summary``...) are given."""
    from prize.domain.results import published
    from prize.domain.shared import audit
    from prize.models import ActorKind

    officer = audit.Actor(ActorKind.staff, None)
    edition = published.create_archived_edition(
        session=session, year=year, title_en="", actor=officer, now=now
    )
    published.add_archive_entry(
        session=session, edition=edition, award="winner", actor=officer, now=now, **winner
    )
    return edition


def run_to_publication(session, scored: Scored, clock: Clock) -> None:
    """Both rounds scored (shortlist A B C D; winners B C A, D nominated, F a special mention),
    decided and published, with the e-mails of each move queued (links to ``http://testserver``)."""
    from prize.domain import transitions
    from prize.domain.shared import audit
    from prize.models import ActorKind
    from tests import jury_factories

    officer = audit.Actor(ActorKind.staff, None)
    start_final_round(session, scored, now=clock(), actor=officer)
    award_final(session, scored, now=clock(), actor=officer)
    transitions.decide(session=session, edition=scored.edition, actor=officer, now=clock())
    transitions.publish(
        session=session,
        edition=scored.edition,
        actor=officer,
        now=clock(),
        links=jury_factories.links(clock),
    )
