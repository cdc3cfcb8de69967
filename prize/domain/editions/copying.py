"""A new edition from an earlier one: its criteria, texts, countries, jury settings, and every
date moved on by the same interval (whole years, in Paris time), all editable before it opens."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from prize.domain.editions.criteria import CriterionSpec, criteria_of
from prize.domain.editions.editions import check_year, create_edition
from prize.domain.shared import audit
from prize.models import Edition

PARIS = ZoneInfo("Europe/Paris")


def moved_on(when: datetime | None, years: int) -> datetime | None:
    """``when`` the same day and time in Paris, ``years`` later (29 February becomes the 28th)."""
    if when is None:
        return None
    local = when.astimezone(PARIS)
    try:
        later = local.replace(year=local.year + years)
    except ValueError:  # 29 February in a year that has none
        later = local.replace(year=local.year + years, day=28)
    return later.replace(tzinfo=None).replace(tzinfo=PARIS).astimezone(UTC)


def _renamed(text: str, source: Edition, year: int) -> str:
    return text.replace(str(source.year), str(year))


def copy_edition(
    *,
    session: Session,
    actor: audit.Actor,
    now: datetime,
    source: Edition,
    year: int,
    rehearsal: bool = False,
) -> Edition:
    """A draft edition of ``year`` made from ``source``; the titles name the new year."""
    check_year(year)  # before any date is moved by the difference
    years = year - source.year
    edition = create_edition(
        session=session,
        actor=actor,
        now=now,
        year=year,
        title_en=_renamed(source.title_en, source, year),
        title_fr=_renamed(source.title_fr, source, year),
        call_en=source.call_en,
        call_fr=source.call_fr,
        prize_en=source.prize_en,
        prize_fr=source.prize_fr,
        opens_at=moved_on(source.opens_at, years) or source.opens_at,
        deadline=moved_on(source.deadline, years) or source.deadline,
        shortlist_closes_at=moved_on(source.shortlist_closes_at, years),
        final_closes_at=moved_on(source.final_closes_at, years),
        announce_at=moved_on(source.announce_at, years),
        eligible_countries=source.eligible_countries,
        criteria=[
            CriterionSpec(
                name_en=c.name_en,
                name_fr=c.name_fr,
                description_en=c.description_en,
                description_fr=c.description_fr,
                weight=c.weight,
                bands=tuple((en, fr) for en, fr in c.bands),
            )
            for c in criteria_of(session=session, edition=source)
        ],
        shortlist_size=source.shortlist_size,
        scale_min=source.scale_min,
        scale_max=source.scale_max,
        normalise=source.normalise,
        quorum=source.quorum,
        shortlist_embargo=source.shortlist_embargo,
        rehearsal=rehearsal,
        rehearsal_recipients=source.rehearsal_recipients if rehearsal else (),
    )
    audit.record(
        session=session,
        actor=actor,
        kind="edition.copied",
        now=now,
        edition_id=edition.id,
        subject_kind="edition",
        subject_id=edition.id,
        data={"from": source.year, "to": year},
    )
    session.flush()
    return edition
