"""The audit log: an append-only hash chain of every change of state.

Each event holds the hash of the one before. Appends lock the chain's head row (``FOR UPDATE``
on PostgreSQL; SQLite's writing transactions are already serialised) so the chain never forks.
People are referred to by id only, so erasing personal data leaves the chain valid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from prize.models import ActorKind, AuditEvent, AuditHead

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None


SYSTEM = Actor(ActorKind.system)


def _digest(prev_hash: str, event: AuditEvent) -> str:
    body = {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_kind": str(event.actor_kind),
        "actor_id": event.actor_id,
        "edition_id": event.edition_id,
        "kind": event.kind,
        "subject_kind": event.subject_kind,
        "subject_id": event.subject_id,
        "reason": event.reason,
        "data": event.data,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    now: datetime,
    edition_id: int | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    event = AuditEvent(
        id=head.last_id + 1,
        at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        edition_id=edition_id,
        kind=kind,
        subject_kind=subject_kind,
        subject_id=subject_id,
        reason=reason,
        data=data or {},
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = _digest(head.last_hash, event)
    head.last_id = event.id  # type: ignore[assignment]
    head.last_hash = event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def verify(*, session: Session) -> VerifyResult:
    """Walk the chain; report the first edited, inserted or deleted row."""
    prev = GENESIS
    expected_id = 1
    checked = 0
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        if event.id != expected_id:
            return VerifyResult(False, checked, event.id, f"row {expected_id} is missing (deleted)")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.id, "the link to the previous row is broken")
        if _digest(prev, event) != event.hash:
            return VerifyResult(False, checked, event.id, "the row was edited after it was written")
        prev = event.hash
        expected_id += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is None or head.last_hash != prev or head.last_id != expected_id - 1:
        return VerifyResult(False, checked, expected_id, "rows were removed from the end")
    return VerifyResult(True, checked)
