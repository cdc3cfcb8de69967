"""Throttling: counted attempts per key (an account, an address, a client) in a sliding window.

Kept in the database so that every app process sees the same counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from prize.models import RateEvent


def hit(*, session: Session, key: str, now: datetime, limit: int, window: timedelta) -> bool:
    """Count one attempt for ``key``; False when ``limit`` attempts in ``window`` were already made
    (the refused attempt is not counted, so waiting always helps)."""
    since = now - window
    count = session.exec(
        select(func.count())
        .select_from(RateEvent)
        .where(RateEvent.key == key, col(RateEvent.at) > since)
    ).one()
    if count >= limit:
        return False
    session.add(RateEvent(key=key, at=now))
    session.flush()
    return True


def reset(*, session: Session, key: str) -> None:
    session.exec(delete(RateEvent).where(col(RateEvent.key) == key))


def prune(*, session: Session, before: datetime) -> None:
    session.exec(delete(RateEvent).where(col(RateEvent.at) < before))
