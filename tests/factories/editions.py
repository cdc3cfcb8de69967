"""Editions in any state (with one criterion), made through the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from prize import countries
from prize.models import (
    Criterion,
    Edition,
    EditionState,
)

OPENS = datetime(2027, 1, 1, tzinfo=UTC)
DEADLINE = datetime(2027, 6, 30, 20, tzinfo=UTC)


def edition(
    *,
    session: Session,
    year: int = 2027,
    state: EditionState = EditionState.screening,
    opens_at: datetime = OPENS,
    deadline: datetime = DEADLINE,
    published_at: datetime | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Edition:
    """An edition with one criterion, put straight into ``state`` (no guard, audit or e-mail)."""
    when = now or opens_at - timedelta(days=30)
    made = Edition(
        year=year,
        title_en=f"European Drug Prevention Prize {year}",
        title_fr=f"Prix européen de prévention des drogues {year}",
        opens_at=opens_at,
        deadline=deadline,
        eligible_countries=sorted(countries.DEFAULT_ELIGIBLE),
        rehearsal=fields.pop("rehearsal", False),  # part of the year's uniqueness: set at once
        created_at=when,
        updated_at=when,
    )
    session.add(made)
    session.flush()
    session.add(
        Criterion(edition_id=made.id, position=1, name_en="Innovation", name_fr="Innovation")
    )
    made.state = state
    if state is EditionState.published:
        made.published_at = published_at or deadline + timedelta(days=120)
    for name, value in fields.items():
        setattr(made, name, value)
    session.add(made)
    session.flush()
    return made
