"""Editions: creating them, reading them, and (see ``transitions``) moving them through their life."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from prize import countries
from prize.domain import audit
from prize.domain.errors import NotFound
from prize.models import Criterion, Edition, EditionState

PUBLIC_STATES = tuple(s for s in EditionState if s is not EditionState.draft)


@dataclass(frozen=True)
class CriterionSpec:
    name_en: str
    description_en: str
    weight: float = 1.0
    name_fr: str = ""
    description_fr: str = ""


def create_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    year: int,
    title_en: str,
    opens_at: datetime,
    deadline: datetime,
    title_fr: str = "",
    call_en: str = "",
    call_fr: str = "",
    prize_en: str = "",
    prize_fr: str = "",
    eligible_countries: Sequence[str] = countries.DEFAULT_ELIGIBLE,
    criteria: Sequence[CriterionSpec] = (),
    shortlist_closes_at: datetime | None = None,
    final_closes_at: datetime | None = None,
    announce_at: datetime | None = None,
    is_sample: bool = False,
    archived: bool = False,
) -> Edition:
    edition = Edition(
        year=year,
        title_en=title_en,
        title_fr=title_fr,
        call_en=call_en,
        call_fr=call_fr,
        prize_en=prize_en,
        prize_fr=prize_fr,
        opens_at=opens_at,
        deadline=deadline,
        shortlist_closes_at=shortlist_closes_at,
        final_closes_at=final_closes_at,
        announce_at=announce_at,
        eligible_countries=sorted(set(eligible_countries)),
        is_sample=is_sample,
        archived=archived,
        created_at=now,
        updated_at=now,
    )
    session.add(edition)
    session.flush()
    for position, spec in enumerate(criteria, start=1):
        session.add(
            Criterion(
                edition_id=edition.id,  # type: ignore[arg-type]
                position=position,
                name_en=spec.name_en,
                name_fr=spec.name_fr,
                description_en=spec.description_en,
                description_fr=spec.description_fr,
                weight=spec.weight,
            )
        )
    audit.record(
        session=session,
        actor=actor,
        kind="edition.created",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data={"year": year},
    )
    session.flush()
    return edition


def get_by_year(*, session: Session, year: int, public: bool = False) -> Edition:
    edition = session.exec(select(Edition).where(Edition.year == year)).first()
    if edition is None or (public and edition.state is EditionState.draft):
        raise NotFound("There is no edition %(year)s.", year=year)
    return edition


def criteria_of(*, session: Session, edition: Edition) -> list[Criterion]:
    return list(
        session.exec(
            select(Criterion)
            .where(Criterion.edition_id == edition.id)
            .order_by(col(Criterion.position))
        )
    )


def current_call(*, session: Session) -> Edition | None:
    """The edition the home page presents: the newest one that is open or further along,
    leaving out sample and archived editions."""
    return session.exec(
        select(Edition)
        .where(col(Edition.state).in_(PUBLIC_STATES))
        .where(col(Edition.is_sample).is_(False))
        .where(col(Edition.archived).is_(False))
        .order_by(col(Edition.year).desc())
    ).first()


def public_editions(*, session: Session) -> list[Edition]:
    return list(
        session.exec(
            select(Edition)
            .where(col(Edition.state).in_(PUBLIC_STATES) | col(Edition.archived))
            .order_by(col(Edition.year).desc())
        )
    )


def accepts_applications(edition: Edition, now: datetime) -> bool:
    """Open by state *and* by the server's clock: between the opening instant and the deadline."""
    return edition.state is EditionState.open and edition.opens_at <= now < edition.deadline
