"""Decisions, made through the models."""

from __future__ import annotations

from sqlmodel import Session

from prize.models import (
    Application,
    Award,
    Decision,
    Round,
)


def winner(*, session: Session, application: Application, rank: int = 1) -> Decision:
    """Record ``application`` as a final-round winner (for retention and publication tests)."""
    row = Decision(
        edition_id=application.edition_id,
        application_id=application.id,
        stage=Round.final,
        award=Award.winner,
        rank=rank,
    )
    session.add(row)
    session.flush()
    return row
