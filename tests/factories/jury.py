"""Test data for the jury: an edition in a jury round with criteria and eligible applications,
jurors (invited through the domain, so the invitation is in the outbox), and ballot links.

Built on the other factories of this package; ``juror_row`` is a juror made through the model
alone (``factories.juror``). Times fit the ``clock`` fixture (2027-03-01 10:00 UTC): the call
closed at the end of 2026, the first round closes on 31 March 2027 and the final on 31 May 2027.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from prize.db import Database
from prize.domain.jury import jurors, scoring
from prize.domain.jury import links as juror_links
from prize.domain.jury.jurors import JurorData
from prize.domain.shared import audit
from prize.models import (
    Application,
    ApplicationStatus,
    Award,
    Criterion,
    Decision,
    Edition,
    EditionState,
    Juror,
    OutboxMessage,
    Round,
)
from prize.tokens import Purpose, Signer
from tests.appkit import make_signer
from tests.factories import applicants, editions

OPENS = datetime(2026, 9, 1, tzinfo=UTC)
DEADLINE = datetime(2026, 12, 31, 20, tzinfo=UTC)
SHORTLIST_CLOSES = datetime(2027, 3, 31, 20, tzinfo=UTC)
FINAL_CLOSES = datetime(2027, 5, 31, 20, tzinfo=UTC)
BASE_URL = "http://testserver"
TITLES = (
    "Intercity Theatre",
    "Friday Coffee Project",
    "+Attitude",
    "Peer Radio",
    "Open Gym Nights",
    "Clean Air Schools",
)
COUNTRIES = (("BA",), ("IL",), ("PT",), ("HR", "SI"), ("BE",), ("BG",))
LINK_RE = re.compile(r"https?://[^\s]+/ballot/link/[^\s]+")


def signer(clock: Callable[[], datetime] | None = None) -> Signer:
    """The test keys on ``clock`` (see ``tests.appkit.make_signer``)."""
    return make_signer(clock)


def links(clock: Callable[[], datetime] | None = None) -> juror_links.BallotLinks:
    return juror_links.BallotLinks(signer(clock), BASE_URL, "example.org")


@dataclass
class JuryEdition:
    edition: Edition
    criteria: list[Criterion]
    applications: list[Application]
    jurors: list[Juror] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.edition.year


def jury_edition(
    *,
    session: Session,
    state: EditionState = EditionState.shortlisting,
    applications: int = 3,
    year: int = 2027,
    criteria: int = 2,
    **fields: Any,
) -> JuryEdition:
    """An edition in ``state`` with ``criteria`` criteria and eligible applications."""
    values: dict[str, Any] = {
        "shortlist_closes_at": SHORTLIST_CLOSES,
        "final_closes_at": FINAL_CLOSES,
        **fields,
    }
    edition = editions.edition(
        session=session, year=year, state=state, opens_at=OPENS, deadline=DEADLINE, **values
    )
    first = session.exec(select(Criterion).where(Criterion.edition_id == edition.id)).one()
    first.description_en = "New ideas in content or method."
    session.add(first)
    for position in range(2, criteria + 1):
        session.add(
            Criterion(
                edition_id=edition.id,
                position=position,
                name_en=["", "", "Efficiency", "Youth participation", "Sustainability"][position],
                description_en=f"What criterion {position} asks.",
                weight=1.0,
            )
        )
    session.flush()
    made = [
        applicants.application(
            session=session,
            edition=edition,
            status=ApplicationStatus.eligible,
            title=TITLES[i % len(TITLES)],
            countries=COUNTRIES[i % len(COUNTRIES)],
        )
        for i in range(applications)
    ]
    return JuryEdition(
        edition=edition,
        criteria=list(
            session.exec(
                select(Criterion)
                .where(Criterion.edition_id == edition.id)
                .order_by(col(Criterion.position))
            )
        ),
        applications=made,
    )


def juror_row(
    *,
    session: Session,
    edition: Edition,
    first_name: str = "Lena",
    last_name: str = "Novak",
    email: str | None = None,
    birth_date: date = date(2008, 5, 4),
    publish_name_consent: bool = True,
    **fields: Any,
) -> Juror:
    row = Juror(
        edition_id=edition.id,
        first_name=first_name,
        last_name=last_name,
        email=email or f"juror-{secrets.token_hex(3)}@example.org",
        country=fields.pop("country", "SI"),
        birth_date=birth_date,
        publish_name_consent=publish_name_consent,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def juror(
    *,
    session: Session,
    edition: Edition,
    invited: bool = True,
    now: datetime = datetime(2027, 2, 1, tzinfo=UTC),
    onboarded: bool = False,
    **fields: Any,
) -> Juror:
    """A juror (adult by default), invited through the domain unless ``invited`` is False."""
    fields.setdefault("birth_date", date(2005, 5, 4))
    made = juror_row(session=session, edition=edition, **fields)
    if invited:
        juror_links.invite(
            session=session,
            actor=audit.SYSTEM,
            now=now,
            juror=made,
            links=links(lambda: now),
        )
    if onboarded:
        made.name_confirmed_at = now
        made.pledge_accepted_at = now
        made.conflicts_declared_at = now
        session.add(made)
        session.flush()
    return made


def link_path(juror_: Juror, clock: Callable[[], datetime] | None = None) -> str:
    return juror_links.link_path(signer=signer(clock), juror=juror_)


def token_of(juror_: Juror, clock: Callable[[], datetime] | None = None) -> str:
    assert juror_.id is not None
    return signer(clock).dumps(Purpose.ballot, juror_.id, juror_.link_version, juror_.link_secret)


def shortlist(*, session: Session, edition: Edition, applications: list[Application]) -> None:
    """Record these applications as the confirmed shortlist (as the decisions issue does)."""
    for rank, application in enumerate(applications, start=1):
        session.add(
            Decision(
                edition_id=edition.id,
                application_id=application.id,
                stage=Round.shortlist,
                award=Award.shortlisted,
                rank=rank,
            )
        )
    session.flush()


def links_in(text: str) -> list[str]:
    return LINK_RE.findall(text)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def make(database: Database, **kwargs: Any) -> JuryEdition:
    """``jury_edition`` in its own committed transaction."""
    with database.write() as session:
        return jury_edition(session=session, **kwargs)


# --------------------------------------------------------------------------- domain helpers

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


def juror_data(**changes: Any) -> JurorData:
    """A juror's details as the secretariat types them (an adult from Slovenia)."""
    values = {
        "first_name": "Lena",
        "last_name": "Novak",
        "email": "Lena.Novak@Example.org",
        "country": "SI",
        "birth_date": date(2005, 5, 4),
        "language": "en",
    }
    values.update(changes)
    return JurorData(**values)


def add_juror(db: Database, made: JuryEdition, data: JurorData) -> Juror:
    with db.write() as session:
        return jurors.add_juror(
            session=session, actor=audit.SYSTEM, now=NOW, edition=made.edition, data=data
        )


def outbox_of(db: Database, kind: str) -> list[OutboxMessage]:
    with db.read() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(col(OutboxMessage.id))
            )
        )


def invite(db: Database, juror: Juror, when: datetime = NOW) -> Juror:
    with db.write() as session:
        return juror_links.invite(
            session=session,
            actor=audit.SYSTEM,
            now=when,
            juror=session.get_one(Juror, juror.id),
            links=links(lambda: when),
        )


def save_entry(db: Database, now: datetime, made: JuryEdition, app: int, **kwargs: Any) -> None:
    """The first juror of ``made`` saves ``kwargs`` (scores, comment, abstention) for the
    ``app``-th application, through the real domain function."""
    with db.write() as session:
        scoring.save_entry(
            session=session,
            juror=session.get_one(Juror, made.jurors[0].id),
            now=now,
            application_id=made.applications[app].id,
            **kwargs,
        )


def submit_ballot(db: Database, now: datetime, made: JuryEdition, value: int = 7) -> None:
    """The first juror of ``made`` scores ``value`` on every criterion of every application and
    submits the ballot, through the real domain functions."""
    for app in range(len(made.applications)):
        save_entry(db, now, made, app, scores={c.id: value for c in made.criteria})
    with db.write() as session:
        scoring.submit(session=session, juror=session.get_one(Juror, made.jurors[0].id), now=now)
