"""Throttling: counted attempts per key (an account, an address, a client) in a sliding window.

Kept in the database so that every app process sees the same counts. Counting and then adding
an attempt is atomic per key: on PostgreSQL the transaction first takes an advisory lock on the
key (held until it ends), so two requests for one key, in any processes, count one after the
other; on SQLite the write session's ``BEGIN IMMEDIATE`` already lets one writer in at a time.
Every count therefore runs in a write session, in the transaction that adds the attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, delete, select

from prize.models import RateEvent


def serialise(*, session: Session, key: str) -> None:
    """Hold ``key`` until this session's transaction ends: whoever counts it next waits."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    elif not connection.get_execution_options().get("prize_write", False):
        # A deferred SQLite transaction would let another writer count between our count and
        # our insert: only a write session (BEGIN IMMEDIATE) makes the two one step.
        raise RuntimeError("attempts are counted only in a write session")


def blocked_until(
    *, session: Session, key: str, now: datetime, limit: int, window: timedelta
) -> datetime | None:
    """When ``key`` may try again, if its last ``limit`` attempts all fall within ``window``.

    ``key`` stays held until the transaction ends, so that the caller adds its attempt before
    anyone else counts."""
    serialise(session=session, key=key)
    recent = list(
        session.exec(
            select(RateEvent.at)
            .where(RateEvent.key == key, col(RateEvent.at) > now - window)
            .order_by(col(RateEvent.at).desc())
            .limit(limit)
        )
    )
    if len(recent) < limit:
        return None
    return recent[-1] + window


def hit(*, session: Session, key: str, now: datetime, limit: int, window: timedelta) -> bool:
    """Count one attempt for ``key``; False when ``limit`` attempts in ``window`` were already made
    (the refused attempt is not counted, so waiting always helps)."""
    if blocked_until(session=session, key=key, now=now, limit=limit, window=window) is not None:
        return False
    session.add(RateEvent(key=key, at=now))
    session.flush()
    return True


def reset(*, session: Session, key: str) -> None:
    session.exec(delete(RateEvent).where(col(RateEvent.key) == key))


def prune(*, session: Session, before: datetime) -> None:
    session.exec(delete(RateEvent).where(col(RateEvent.at) < before))
