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

from sqlmodel import Session, col, func, select

from prize.domain.paging import Page
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
    # Lock the head row for the rest of the transaction, and read it afresh even if this session
    # loaded it before (``populate_existing``): a stale copy would fork the chain.
    head = session.exec(
        select(AuditHead)
        .where(AuditHead.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
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
    """Walk the chain; report the first edited, inserted or deleted entry."""
    head = session.get(AuditHead, 1)
    last_id = head.last_id if head is not None else 0
    prev = GENESIS
    expected_id = 1
    checked = 0
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))):
        assert event.id is not None  # nosec B101: a row read from or flushed to the database has an id; narrows the type for mypy
        if event.id > last_id:
            return VerifyResult(
                False, checked, event.id, "the entry was inserted after the last recorded one"
            )
        if event.id != expected_id:
            return VerifyResult(
                False, checked, expected_id, f"entry #{expected_id} is missing (deleted)"
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                event.id,
                "the link to the previous entry is broken (an entry was inserted or replaced)",
            )
        if _digest(prev, event) != event.hash:
            return VerifyResult(
                False, checked, event.id, "the entry was edited after it was written"
            )
        prev = event.hash
        expected_id += 1
        checked += 1
    if head is None or last_id != checked:
        return VerifyResult(
            False, checked, expected_id, f"entries from #{expected_id} on were deleted"
        )
    if head.last_hash != prev:
        return VerifyResult(
            False, checked, last_id, "the last entry does not match the chain's head"
        )
    return VerifyResult(True, checked)


# --------------------------------------------------------------------------- reading


def search(
    *,
    session: Session,
    edition_id: int | None = None,
    actor_kind: ActorKind | None = None,
    actor_id: int | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[AuditEvent]:
    """Events newest first, filtered by edition, actor (kind, and id) and kind, one page."""
    conditions: list[Any] = []
    if edition_id is not None:
        conditions.append(AuditEvent.edition_id == edition_id)
    if actor_kind is not None:
        conditions.append(AuditEvent.actor_kind == actor_kind)
    if actor_id is not None:
        conditions.append(AuditEvent.actor_id == actor_id)
    if kind:
        conditions.append(AuditEvent.kind == kind)
    total = int(session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one())
    page = max(1, page)
    events = list(
        session.exec(
            select(AuditEvent)
            .where(*conditions)
            .order_by(col(AuditEvent.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return Page(rows=events, total=total, page=page, per_page=per_page)


def kinds(*, session: Session) -> list[str]:
    """Every kind of event recorded so far, for the log's filter."""
    return list(session.exec(select(AuditEvent.kind).distinct().order_by(col(AuditEvent.kind))))
