"""Scheduled work (timed publication, deadline reminders) done by one process at a time.

Every serving process runs the same passes (``prize.app``'s sender loop). On PostgreSQL, where
several machines may serve one database, a pass first tries a transaction-level advisory lock
named after its job: one process does the pass, the others skip theirs (the next pass comes
within ``PRIZE_OUTBOX_INTERVAL``). Each pass stays idempotent anyway (an edition is published
once, a reminder queued once); the lock spares the duplicated work and the contention. SQLite's
write lock already lets one writer in at a time.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def one_at_a_time(*, session: Session, job: str) -> bool:
    """Whether this transaction may do ``job`` now (the lock is held until it ends)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return True
    taken = connection.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtext(:job))"), {"job": f"prize.job.{job}"}
    ).scalar()
    return bool(taken)
